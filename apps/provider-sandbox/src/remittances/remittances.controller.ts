import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { PlaidCredentialsGuard } from '../common/plaid-credentials.guard';
import { RemittanceCreateDto, RemittanceIdDto, SandboxRemittanceSimulateDto } from './remittances.dto';
import { RemittancesService } from './remittances.service';

type Json = Record<string, unknown>;

/** The sandbox's cross-border remittances and their simulator; all need client_id/secret. */
@Controller()
@UseGuards(PlaidCredentialsGuard)
export class RemittancesController {
  constructor(private readonly remittances: RemittancesService) {}

  /** -> { remittance, request_id }; the same idempotency_key and request returns the same remittance. */
  @Post('payment_rails/remittance/create')
  @HttpCode(200)
  create(@Body() dto: RemittanceCreateDto): Json {
    return this.remittances.create(dto);
  }

  /** -> { remittance, request_id }: status pending | settled | failed, failure_reason. */
  @Post('payment_rails/remittance/get')
  @HttpCode(200)
  get(@Body() dto: RemittanceIdDto): Json {
    return this.remittances.get(dto.remittance_id);
  }

  /** -> { request_id }; pending -> settled | failed. */
  @Post('sandbox/payment_rails/remittance/simulate')
  @HttpCode(200)
  simulate(@Body() dto: SandboxRemittanceSimulateDto): Json {
    return this.remittances.simulate(dto);
  }
}
