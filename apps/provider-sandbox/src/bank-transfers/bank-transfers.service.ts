import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { newAccessToken, newAccountId, newRequestId } from '../common/ids';
import { PlaidApiException } from '../common/plaid-api.exception';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from '../common/sandbox-options';
import { findInstitution } from '../items/institutions';
import { ItemStore } from '../items/item.store';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { formatAmount, parseAmount } from '../common/amount';
import { checkMetadata } from '../common/metadata';
import { SandboxTimers } from '../common/sandbox-timers';
import {
  BankTransferStore,
  eventJson,
  FailureReason,
  isCancellable,
  SandboxBankTransfer,
  SandboxBankTransferEvent,
  transferJson,
} from './bank-transfer.store';
import {
  BankTransferBalanceGetDto,
  BankTransferCreateDto,
  BankTransferEventListDto,
  BankTransferEventSyncDto,
  BankTransferListDto,
  BankTransferMigrateAccountDto,
  SandboxBankTransferSimulateDto,
} from './bank-transfers.dto';
import { checkWebhookUrl } from './bank-transfers.options';
import { ACH_RETURN_CODE_DESCRIPTIONS } from './return-codes';

type Json = Record<string, unknown>;

/** The BANK_TRANSFERS_EVENTS_UPDATE webhook carries no data: receivers call /bank_transfer/event/sync. */
const EVENTS_UPDATE_WEBHOOK = { webhook_type: 'BANK_TRANSFERS', webhook_code: 'BANK_TRANSFERS_EVENTS_UPDATE', environment: 'sandbox' };

const bankTransferError = (code: string, message: string): PlaidApiException => new PlaidApiException(400, 'BANK_TRANSFER_ERROR', code, message);
const invalidField = (message: string): PlaidApiException => PlaidApiException.invalidField(message);

/**
 * Plaid's Bank Transfer (beta) API over the in-memory BankTransferStore: creation with idempotency keys,
 * cancellation while cancellable, listings, the event feed with monotonically increasing event ids, the
 * origination account balance, and the sandbox's simulated events. Every new event triggers a signed
 * BANK_TRANSFERS_EVENTS_UPDATE webhook to the configured URL (sent in the background, retried by the
 * WebhookDispatcher).
 */
@Injectable()
export class BankTransfersService implements OnApplicationShutdown {
  private readonly logger = new Logger('BankTransfers');
  private readonly originationAccountId = randomUUID();
  private readonly timers = new SandboxTimers();
  private webhookUrl: string | null;
  /** Coalescing (options.bankTransfers.webhookCoalesceMs): when the last webhook went, and whether one is due. */
  private lastWebhookAt = Number.NEGATIVE_INFINITY;
  private webhookDue = false;

  constructor(
    @Inject(SANDBOX_OPTIONS) private readonly options: ResolvedSandboxOptions,
    private readonly store: BankTransferStore,
    private readonly items: ItemStore,
    private readonly webhooks: WebhookDispatcher,
  ) {
    this.webhookUrl = options.bankTransfers.webhookUrl;
  }

  /** Where BANK_TRANSFERS_EVENTS_UPDATE goes from now on (null: nowhere). Plaid's equivalent is the Dashboard setting. */
  setWebhookUrl(url: string | null): void {
    this.webhookUrl = checkWebhookUrl(url);
  }

  get eventsWebhookUrl(): string | null {
    return this.webhookUrl;
  }

  /** The sandbox's single origination account. */
  get originationAccount(): string {
    return this.originationAccountId;
  }

  onApplicationShutdown(): void {
    this.timers.close();
  }

  create(dto: BankTransferCreateDto): Json {
    const amountMinor = parseAmount(dto.amount);
    if (amountMinor === null || amountMinor <= 0n) throw invalidField('amount must be a positive decimal string with exactly two digits of precision, e.g. "10.00"');
    if (dto.network !== 'wire' && !dto.ach_class) throw invalidField('ach_class is required for transfers on an ACH network');
    const metadata = checkMetadata(dto.metadata);
    this.checkOriginationAccount(dto.origination_account_id);

    const fingerprint = JSON.stringify([
      dto.access_token,
      dto.account_id,
      dto.type,
      dto.network,
      formatAmount(amountMinor),
      dto.iso_currency_code,
      dto.description,
      dto.ach_class ?? null,
      dto.user.legal_name,
      dto.user.email_address ?? null,
      dto.custom_tag ?? null,
      metadata ? Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null,
      dto.origination_account_id ?? null,
    ]);
    const previous = this.store.idempotent(dto.idempotency_key);
    if (previous) {
      if (previous.fingerprint !== fingerprint) throw invalidField('idempotency_key has already been used for a different bank transfer request');
      return { bank_transfer: transferJson(previous.transfer), request_id: newRequestId() };
    }

    const routingNumber = this.routingNumberFor(dto.access_token, dto.account_id);
    if (dto.type === 'credit' && amountMinor > this.balanceMinor().transactable) {
      throw bankTransferError('BANK_TRANSFER_INSUFFICIENT_FUNDS', 'the origination account does not have enough transactable balance for this credit');
    }
    const now = this.options.clock.now();
    const transfer: SandboxBankTransfer = {
      id: randomUUID(),
      idempotencyKey: dto.idempotency_key,
      accountId: dto.account_id,
      type: dto.type,
      network: dto.network,
      achClass: dto.ach_class ?? null,
      amountMinor,
      isoCurrencyCode: 'USD',
      description: dto.description,
      user: { legal_name: dto.user.legal_name, email_address: dto.user.email_address ?? null, routing_number: routingNumber },
      customTag: dto.custom_tag ?? null,
      metadata,
      originationAccountId: this.originationAccountId,
      created: now,
      status: 'pending',
      failureReason: null,
    };
    this.store.add(transfer, fingerprint);
    this.emit(transfer, 'pending');
    this.scheduleAutoSettle(transfer);
    return { bank_transfer: transferJson(transfer), request_id: newRequestId() };
  }

  cancel(bankTransferId: string): Json {
    const transfer = this.require(bankTransferId);
    if (!isCancellable(transfer)) throw bankTransferError('BANK_TRANSFER_NOT_CANCELLABLE', `the bank transfer is ${transfer.status} and can no longer be cancelled`);
    transfer.status = 'cancelled';
    this.emit(transfer, 'cancelled');
    return { request_id: newRequestId() };
  }

  get(bankTransferId: string): Json {
    return { bank_transfer: transferJson(this.require(bankTransferId)), request_id: newRequestId() };
  }

  /** Newest first; `start_date` <= created <= `end_date`. */
  list(dto: BankTransferListDto): Json {
    const [start, end] = dateRange(dto.start_date, dto.end_date);
    // Every transfer here is API-initiated (outbound); the sandbox receives no inbound payments.
    if (dto.direction === 'inbound') return { bank_transfers: [], request_id: newRequestId() };
    const matching = this.store
      .all()
      .filter((t) => (start === null || t.created.getTime() >= start) && (end === null || t.created.getTime() <= end))
      .filter((t) => !dto.origination_account_id || t.originationAccountId === dto.origination_account_id);
    const offset = dto.offset ?? 0;
    return { bank_transfers: matching.slice(offset, offset + (dto.count ?? 25)).map(transferJson), request_id: newRequestId() };
  }

  /** Newest first (so `count` returns the most recent matching events); `start_date` <= timestamp <= `end_date`. */
  eventList(dto: BankTransferEventListDto): Json {
    const [start, end] = dateRange(dto.start_date, dto.end_date);
    const types = dto.event_types && dto.event_types.length > 0 ? new Set<string>(dto.event_types) : null;
    const matching = this.store.allEvents().filter((e) => {
      const t = e.transfer;
      return (
        (start === null || e.timestamp.getTime() >= start) &&
        (end === null || e.timestamp.getTime() <= end) &&
        (!dto.bank_transfer_id || t.id === dto.bank_transfer_id) &&
        (!dto.account_id || t.accountId === dto.account_id) &&
        (!dto.bank_transfer_type || dto.bank_transfer_type === 'null' || t.type === dto.bank_transfer_type) &&
        (!types || types.has(e.eventType)) &&
        (!dto.origination_account_id || t.originationAccountId === dto.origination_account_id) &&
        (!dto.direction || dto.direction === 'null' || dto.direction === 'outbound')
      );
    });
    const offset = dto.offset ?? 0;
    return { bank_transfer_events: matching.slice(offset, offset + (dto.count ?? 25)).map(eventJson), request_id: newRequestId() };
  }

  /** Up to `count` events with event_id > after_id, oldest first. */
  eventSync(dto: BankTransferEventSyncDto): Json {
    return { bank_transfer_events: this.store.eventsAfter(dto.after_id, dto.count ?? 25).map(eventJson), request_id: newRequestId() };
  }

  migrateAccount(dto: BankTransferMigrateAccountDto): Json {
    if (!abaChecksumOk(dto.routing_number)) throw invalidField('routing_number is not a valid ABA routing number');
    if (dto.wire_routing_number !== undefined && !abaChecksumOk(dto.wire_routing_number)) throw invalidField('wire_routing_number is not a valid ABA routing number');
    const account = { accessToken: newAccessToken(), accountId: newAccountId(), routingNumber: dto.routing_number, accountType: dto.account_type };
    this.store.addMigrated(account);
    return { access_token: account.accessToken, account_id: account.accountId, request_id: newRequestId() };
  }

  balance(dto: BankTransferBalanceGetDto): Json {
    this.checkOriginationAccount(dto.origination_account_id);
    const { available, transactable } = this.balanceMinor();
    return {
      balance: { available: formatAmount(available), transactable: formatAmount(transactable) },
      origination_account_id: this.originationAccountId,
      request_id: newRequestId(),
    };
  }

  /** pending -> posted | failed, posted -> reversed; anything else is SANDBOX_BANK_TRANSFER_EVENT_TRANSITION_INVALID. */
  simulate(dto: SandboxBankTransferSimulateDto): Json {
    const transfer = this.require(dto.bank_transfer_id);
    const allowed = (transfer.status === 'pending' && (dto.event_type === 'posted' || dto.event_type === 'failed')) || (transfer.status === 'posted' && dto.event_type === 'reversed');
    if (!allowed) {
      throw new PlaidApiException(
        400,
        'SANDBOX_ERROR',
        'SANDBOX_BANK_TRANSFER_EVENT_TRANSITION_INVALID',
        `cannot simulate a ${dto.event_type} event on a bank transfer that is ${transfer.status} (allowed: pending -> posted, pending -> failed, posted -> reversed)`,
      );
    }
    if (dto.event_type === 'posted') {
      if (dto.failure_reason) throw invalidField('failure_reason is only allowed with event_type failed or reversed');
      this.post(transfer);
    } else {
      transfer.status = dto.event_type;
      transfer.failureReason = failureReason(dto.event_type, dto.failure_reason ?? null);
      this.emit(transfer, dto.event_type);
    }
    return { request_id: newRequestId() };
  }

  /** Sends one BANK_TRANSFERS_EVENTS_UPDATE to `url` (answers once the first attempt is done). */
  async fireWebhook(url: string): Promise<Json> {
    await this.webhooks.send(url, EVENTS_UPDATE_WEBHOOK);
    return { request_id: newRequestId() };
  }

  private post(transfer: SandboxBankTransfer): void {
    transfer.status = 'posted';
    this.emit(transfer, 'posted');
  }

  private emit(transfer: SandboxBankTransfer, eventType: SandboxBankTransferEvent['eventType']): void {
    this.store.record(transfer, eventType, this.options.clock.now());
    this.announceEvents();
  }

  /** One webhook per event, or (coalescing) at most one per window: at once after a quiet window, else at its end. */
  private announceEvents(): void {
    const window = this.options.bankTransfers.webhookCoalesceMs;
    if (window === null) {
      this.sendEventsUpdate();
      return;
    }
    if (this.webhookDue) return; // the webhook already due covers this event too
    const wait = this.lastWebhookAt + window - performance.now();
    if (wait <= 0) {
      this.sendEventsUpdate();
      return;
    }
    this.webhookDue = true;
    this.timers.after(wait, () => {
      this.webhookDue = false;
      this.sendEventsUpdate();
    });
  }

  private sendEventsUpdate(): void {
    this.lastWebhookAt = performance.now();
    const url = this.webhookUrl;
    if (url && !this.timers.isClosed) void this.webhooks.send(url, EVENTS_UPDATE_WEBHOOK);
  }

  private scheduleAutoSettle(transfer: SandboxBankTransfer): void {
    const delay = this.options.bankTransfers.autoSettleAfterMs;
    if (delay === null) return;
    this.timers.after(delay, () => {
      if (transfer.status !== 'pending') return;
      this.logger.log(`auto-settling bank transfer ${transfer.id}`);
      this.post(transfer);
    });
  }

  private require(bankTransferId: string): SandboxBankTransfer {
    const transfer = this.store.get(bankTransferId);
    if (!transfer) throw new PlaidApiException(400, 'INVALID_INPUT', 'BANK_TRANSFER_NOT_FOUND', 'no bank transfer with this bank_transfer_id');
    return transfer;
  }

  /** The account must belong to an Item the sandbox issued (Link or /bank_transfer/migrate_account). */
  private routingNumberFor(accessToken: string, accountId: string): string {
    const migrated = this.store.migratedAccount(accessToken);
    if (migrated) {
      if (migrated.accountId !== accountId) throw invalidAccountId();
      return migrated.routingNumber;
    }
    const item = this.items.itemForAccessToken(accessToken);
    if (!item.accounts.some((account) => account.account_id === accountId)) throw invalidAccountId();
    return findInstitution(item.institution_id)?.routing_numbers[0] ?? '';
  }

  private checkOriginationAccount(id: string | null | undefined): void {
    if (id && id !== this.originationAccountId) {
      throw bankTransferError('BANK_TRANSFER_INVALID_ORIGINATION_ACCOUNT', 'origination_account_id does not match an origination account of this client');
    }
  }

  /** available = opening + posted debits - pending/posted credits; transactable = available - minimum balance. */
  private balanceMinor(): { available: bigint; transactable: bigint } {
    let available = this.options.bankTransfers.openingBalanceMinor;
    for (const transfer of this.store.all()) {
      if (transfer.type === 'debit' && transfer.status === 'posted') available += transfer.amountMinor;
      if (transfer.type === 'credit' && (transfer.status === 'pending' || transfer.status === 'posted')) available -= transfer.amountMinor;
    }
    return { available, transactable: available - this.options.bankTransfers.minimumBalanceMinor };
  }
}

const invalidAccountId = (): PlaidApiException => new PlaidApiException(400, 'INVALID_INPUT', 'INVALID_ACCOUNT_ID', 'account_id does not belong to the Item of this access_token');

function failureReason(eventType: 'failed' | 'reversed', given: { ach_return_code?: string | null; description?: string } | null): FailureReason {
  const code = given?.ach_return_code ?? null;
  const description = given?.description ?? (code ? (ACH_RETURN_CODE_DESCRIPTIONS[code] ?? `ACH return ${code}`) : `bank transfer ${eventType}`);
  return { ach_return_code: code, description };
}

function dateRange(start: string | null | undefined, end: string | null | undefined): [number | null, number | null] {
  const from = start ? Date.parse(start) : null;
  const to = end ? Date.parse(end) : null;
  if (from !== null && to !== null && from > to) throw invalidField('start_date must not be after end_date');
  return [from, to];
}

function abaChecksumOk(routing: string): boolean {
  const d = [...routing].map(Number);
  const sum = 3 * (d[0]! + d[3]! + d[6]!) + 7 * (d[1]! + d[4]! + d[7]!) + (d[2]! + d[5]! + d[8]!);
  return sum % 10 === 0;
}
