import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { listPayouts, PayoutView, PG_POOL } from '@payments/read-models';
import { UserId } from '../../platform';
import { PageQuery } from '../../shared/page-query.dto';

@ApiTags('payouts')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/payouts')
export class ListPayoutsController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'The user\'s payouts, newest first.' })
  list(@UserId() userId: string, @Query() query: PageQuery): Promise<PayoutView[]> {
    return listPayouts(this.pool, userId, query.limit ?? 50, query.offset ?? 0);
  }
}
