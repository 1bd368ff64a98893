import { Module } from '@nestjs/common';
import { ListLedgerTransactionsController } from './list-ledger-transactions/list-ledger-transactions.controller';
import { GetLedgerTransactionController } from './get-ledger-transaction/get-ledger-transaction.controller';

/** The user's transaction history from the double-entry ledger (read side only: the ledger is a projection). */
@Module({ controllers: [ListLedgerTransactionsController, GetLedgerTransactionController] })
export class LedgerModule {}
