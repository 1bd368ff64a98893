import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { Pool } from 'pg';
import { DomainError } from '@payments/domain';
import { findLedgerTransaction, LedgerTransactionView, PG_POOL } from '@payments/read-models';
import { UserId } from '../../platform';

export class LedgerTransactionIdParam {
  @IsUUID()
  transaction_id!: string;
}

@ApiTags('ledger')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/ledger/transactions')
export class GetLedgerTransactionController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get(':transaction_id')
  @ApiOperation({ summary: 'One of the user\'s ledger transactions (another user\'s answers 404).' })
  async get(@UserId() userId: string, @Param() params: LedgerTransactionIdParam): Promise<LedgerTransactionView> {
    const transaction = await findLedgerTransaction(this.pool, userId, params.transaction_id);
    if (!transaction) throw DomainError.notFound('ledger transaction', 'transaction_id');
    return transaction;
  }
}
