import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { DomainError } from '@payments/domain';
import { findRecipient, PG_POOL, RecipientView } from '@payments/read-models';
import { UserId } from '../../platform';
import { RecipientIdParam } from '../recipient-params.dto';
import { RecipientResponse } from '../recipient-response.dto';

@ApiTags('recipients')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/bank-account/remote')
export class GetRecipientController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get(':uuid')
  @ApiOperation({ summary: 'One of the user\'s recipients; 404 for a deleted one or another user\'s.' })
  @ApiResponse({ status: 200, type: RecipientResponse })
  async get(@UserId() userId: string, @Param() params: RecipientIdParam): Promise<RecipientView> {
    const recipient = await findRecipient(this.pool, userId, params.uuid);
    if (!recipient) throw DomainError.notFound('recipient', 'uuid');
    return recipient;
  }
}
