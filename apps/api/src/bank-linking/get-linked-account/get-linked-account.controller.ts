import { Controller, Get, Inject } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { DomainError } from '@payments/domain';
import { BankLinkView, findBankLink, PG_POOL } from '@payments/read-models';
import { UserId } from '../../platform';

@ApiTags('bank linking')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/linked-bank-account')
export class GetLinkedAccountController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'The linked bank account: status ACTIVE with mask and bank name, PENDING, or ERROR with lastError.' })
  async get(@UserId() userId: string): Promise<BankLinkView> {
    const link = await findBankLink(this.pool, userId);
    if (!link) throw DomainError.notFound('linked bank account');
    return link;
  }
}
