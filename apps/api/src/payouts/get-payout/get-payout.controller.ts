import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { DomainError } from '@payments/domain';
import { findPayout, PayoutView, PG_POOL } from '@payments/read-models';
import { UserId } from '../../platform';
import { PayoutIdParam } from '../payout-params.dto';

@ApiTags('payouts')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/payouts')
export class GetPayoutController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get(':uuid')
  @ApiOperation({ summary: 'One of the user\'s payouts: status, rail, expected settlement, failure or return reason.' })
  async get(@UserId() userId: string, @Param() params: PayoutIdParam): Promise<PayoutView> {
    const payout = await findPayout(this.pool, userId, params.uuid);
    if (!payout) throw DomainError.notFound('payout', 'uuid');
    return payout;
  }
}
