import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { PlaidCredentialsGuard } from '../common/plaid-credentials.guard';
import { PayoutCreateDto, PayoutEventSyncDto, PayoutIdDto, SandboxPayoutSimulateDto } from './payment-rails.dto';
import { PaymentRailsService } from './payment-rails.service';

type Json = Record<string, unknown>;

/** The sandbox's payment rails (SEPA, FPS, NGN local payouts) and their simulator; all need client_id/secret. */
@Controller()
@UseGuards(PlaidCredentialsGuard)
export class PaymentRailsController {
  constructor(private readonly paymentRails: PaymentRailsService) {}

  /** -> { payout, request_id }; the same idempotency_key and request returns the same payout. */
  @Post('payment_rails/payout/create')
  @HttpCode(200)
  create(@Body() dto: PayoutCreateDto): Json {
    return this.paymentRails.create(dto);
  }

  /** -> { payout, request_id } */
  @Post('payment_rails/payout/get')
  @HttpCode(200)
  get(@Body() dto: PayoutIdDto): Json {
    return this.paymentRails.get(dto.payout_id);
  }

  /** -> { payout_events, request_id }: events after `after_id`, oldest first. */
  @Post('payment_rails/event/sync')
  @HttpCode(200)
  eventSync(@Body() dto: PayoutEventSyncDto): Json {
    return this.paymentRails.eventSync(dto);
  }

  /** -> { request_id }; pending -> settled | failed, settled -> returned. */
  @Post('sandbox/payment_rails/payout/simulate')
  @HttpCode(200)
  simulate(@Body() dto: SandboxPayoutSimulateDto): Json {
    return this.paymentRails.simulate(dto);
  }
}
