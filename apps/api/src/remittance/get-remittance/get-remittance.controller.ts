import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { Pool } from 'pg';
import { DomainError } from '@payments/domain';
import { findRemittance, PG_POOL, RemittanceView } from '@payments/read-models';
import { UserId } from '../../platform';
import { RemittanceEnabledGuard } from '../remittance-enabled.guard';

export class RemittanceIdParam {
  @IsUUID()
  uuid!: string;
}

@ApiTags('remittance')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/remittance')
@UseGuards(RemittanceEnabledGuard)
export class GetRemittanceController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get(':uuid')
  @ApiOperation({ summary: 'One of the user\'s remittances (quote id): status QUOTED, PENDING, SUBMITTED, SETTLED or FAILED, amounts, rate, destination.' })
  async get(@UserId() userId: string, @Param() params: RemittanceIdParam): Promise<RemittanceView> {
    const remittance = await findRemittance(this.pool, userId, params.uuid);
    if (!remittance) throw DomainError.notFound('remittance', 'uuid');
    return remittance;
  }
}
