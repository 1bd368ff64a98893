import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { AchPullView, listAchPulls, PG_POOL } from '@payments/read-models';
import { UserId } from '../../platform';
import { ListAchPullsQuery } from '../ach-pull-params.dto';

@ApiTags('ach pulls')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/linked-bank-account/pulls')
export class ListAchPullsController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'The user\'s ACH pulls, newest first.' })
  list(@UserId() userId: string, @Query() query: ListAchPullsQuery): Promise<AchPullView[]> {
    return listAchPulls(this.pool, userId, query.limit ?? 50, query.offset ?? 0);
  }
}
