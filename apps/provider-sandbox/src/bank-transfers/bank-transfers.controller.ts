import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { PlaidCredentialsGuard } from '../common/plaid-credentials.guard';
import {
  BankTransferBalanceGetDto,
  BankTransferCreateDto,
  BankTransferEventListDto,
  BankTransferEventSyncDto,
  BankTransferIdDto,
  BankTransferListDto,
  BankTransferMigrateAccountDto,
  SandboxBankTransferFireWebhookDto,
  SandboxBankTransferSimulateDto,
} from './bank-transfers.dto';
import { BankTransfersService } from './bank-transfers.service';

type Json = Record<string, unknown>;

/** Plaid's Bank Transfer (beta) endpoints and their sandbox helpers; all need client_id/secret. */
@Controller()
@UseGuards(PlaidCredentialsGuard)
export class BankTransfersController {
  constructor(private readonly bankTransfers: BankTransfersService) {}

  /** -> { bank_transfer, request_id }; the same idempotency_key and request returns the same transfer. */
  @Post('bank_transfer/create')
  @HttpCode(200)
  create(@Body() dto: BankTransferCreateDto): Json {
    return this.bankTransfers.create(dto);
  }

  /** -> { request_id }; only while `cancellable` (BANK_TRANSFER_NOT_CANCELLABLE otherwise). */
  @Post('bank_transfer/cancel')
  @HttpCode(200)
  cancel(@Body() dto: BankTransferIdDto): Json {
    return this.bankTransfers.cancel(dto.bank_transfer_id);
  }

  /** -> { bank_transfer, request_id } */
  @Post('bank_transfer/get')
  @HttpCode(200)
  get(@Body() dto: BankTransferIdDto): Json {
    return this.bankTransfers.get(dto.bank_transfer_id);
  }

  /** -> { bank_transfers, request_id }, newest first. */
  @Post('bank_transfer/list')
  @HttpCode(200)
  list(@Body() dto: BankTransferListDto): Json {
    return this.bankTransfers.list(dto);
  }

  /** -> { bank_transfer_events, request_id }, newest first. */
  @Post('bank_transfer/event/list')
  @HttpCode(200)
  eventList(@Body() dto: BankTransferEventListDto): Json {
    return this.bankTransfers.eventList(dto);
  }

  /** -> { bank_transfer_events, request_id }: events after `after_id`, oldest first. */
  @Post('bank_transfer/event/sync')
  @HttpCode(200)
  eventSync(@Body() dto: BankTransferEventSyncDto): Json {
    return this.bankTransfers.eventSync(dto);
  }

  /** -> { access_token, account_id, request_id } for an Item usable with Bank Transfer endpoints only. */
  @Post('bank_transfer/migrate_account')
  @HttpCode(200)
  migrateAccount(@Body() dto: BankTransferMigrateAccountDto): Json {
    return this.bankTransfers.migrateAccount(dto);
  }

  /** -> { balance: { available, transactable }, origination_account_id, request_id } */
  @Post('bank_transfer/balance/get')
  @HttpCode(200)
  balance(@Body() dto: BankTransferBalanceGetDto): Json {
    return this.bankTransfers.balance(dto);
  }

  /** -> { request_id }; pending -> posted | failed, posted -> reversed. */
  @Post('sandbox/bank_transfer/simulate')
  @HttpCode(200)
  simulate(@Body() dto: SandboxBankTransferSimulateDto): Json {
    return this.bankTransfers.simulate(dto);
  }

  /** -> { request_id }; one signed BANK_TRANSFERS_EVENTS_UPDATE to `webhook`. */
  @Post('sandbox/bank_transfer/fire_webhook')
  @HttpCode(200)
  fireWebhook(@Body() dto: SandboxBankTransferFireWebhookDto): Promise<Json> {
    return this.bankTransfers.fireWebhook(dto.webhook);
  }
}
