import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { DomainError } from '@payments/domain';
import { AchPullView, findAchPull, PG_POOL } from '@payments/read-models';
import { UserId } from '../../platform';
import { AchPullIdParam } from '../ach-pull-params.dto';

@ApiTags('ach pulls')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/linked-bank-account/pulls')
export class GetAchPullController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get(':uuid')
  @ApiOperation({ summary: 'One of the user\'s ACH pulls: status, amount, timestamps, failure or return reason.' })
  async get(@UserId() userId: string, @Param() params: AchPullIdParam): Promise<AchPullView> {
    const pull = await findAchPull(this.pool, userId, params.uuid);
    if (!pull) throw DomainError.notFound('ach pull', 'uuid');
    return pull;
  }
}
