import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { LedgerTransactionView, listLedgerTransactions, PG_POOL } from '@payments/read-models';
import { UserId } from '../../platform';
import { PageQuery } from '../../shared/page-query.dto';

@ApiTags('ledger')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/ledger/transactions')
export class ListLedgerTransactionsController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({
    summary: 'The user\'s transaction history over all their accounts (deposits, payouts, reversals), newest first.',
    description: 'Seed shape: transaction_id, account_uuid, type CREDIT|DEBIT, amount (decimal string), currency, timestamp, status, description.',
  })
  list(@UserId() userId: string, @Query() query: PageQuery): Promise<LedgerTransactionView[]> {
    return listLedgerTransactions(this.pool, userId, query.limit ?? 50, query.offset ?? 0);
  }
}
