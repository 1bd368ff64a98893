import { Controller, Get, Inject } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { listRecipients, PG_POOL, RecipientView } from '@payments/read-models';
import { UserId } from '../../platform';
import { RecipientResponse } from '../recipient-response.dto';

@ApiTags('recipients')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/bank-account/remote')
export class ListRecipientsController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'The user\'s saved recipients, oldest first (account and routing numbers as last 4 only).' })
  @ApiResponse({ status: 200, type: [RecipientResponse] })
  list(@UserId() userId: string): Promise<RecipientView[]> {
    return listRecipients(this.pool, userId);
  }
}
