import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { OpenAccountController } from './open-account/open-account.controller';
import { OpenAccountHandler } from './open-account/open-account.handler';
import { ListAccountsController } from './list-accounts/list-accounts.controller';

export const ACCOUNT_HANDLERS = [OpenAccountHandler];

/** Accounts: opening per currency (the ledger and balances build on these). */
@Module({ imports: [CqrsModule], controllers: [OpenAccountController, ListAccountsController], providers: [...ACCOUNT_HANDLERS] })
export class AccountsModule {}
