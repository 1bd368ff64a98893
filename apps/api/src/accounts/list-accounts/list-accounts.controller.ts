import { Controller, Get, Inject } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { AccountWithBalancesView, listAccounts, PG_POOL } from '@payments/read-models';
import { UserId } from '../../platform';

@ApiTags('accounts')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/accounts')
export class ListAccountsController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'The user\'s accounts with posted, pending and available balances (decimal strings).' })
  list(@UserId() userId: string): Promise<AccountWithBalancesView[]> {
    return listAccounts(this.pool, userId);
  }
}
