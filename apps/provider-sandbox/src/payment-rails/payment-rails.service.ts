import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { settlementWindow, SettlementRail } from '@payments/domain';
import { formatAmount, parseAmount } from '../common/amount';
import { newRequestId } from '../common/ids';
import { checkMetadata } from '../common/metadata';
import { PlaidApiException } from '../common/plaid-api.exception';
import { SandboxTimers } from '../common/sandbox-timers';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from '../common/sandbox-options';
import { WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { checkWebhookUrl } from '../bank-transfers/bank-transfers.options';
import { checkBeneficiary } from './beneficiary';
import {
  PayoutCreateDto,
  PayoutEventSyncDto,
  PayoutRail,
  RAIL_CURRENCY,
  REFERENCE_MAX_LENGTH,
  SandboxPayoutSimulateDto,
  SimulatedPayoutEventType,
} from './payment-rails.dto';
import { PayoutFailureReason, payoutEventJson, payoutJson, PayoutStore, SandboxPayout } from './payout.store';

type Json = Record<string, unknown>;

/** Like BANK_TRANSFERS_EVENTS_UPDATE, it carries no data: receivers call /payment_rails/event/sync from their cursor. */
export const PAYOUT_EVENTS_UPDATE_WEBHOOK = { webhook_type: 'PAYMENT_RAILS', webhook_code: 'PAYOUT_EVENTS_UPDATE', environment: 'sandbox' };

/** The business-day calendar's name for each rail. */
const SETTLEMENT_RAIL: Readonly<Record<PayoutRail, SettlementRail>> = { sepa: 'SEPA', fps: 'FPS', ngn_local: 'NGN_LOCAL' };

/** Texts for the reason codes tests use most (ISO 20022 return reasons); any other code gets a generic text. */
const REASON_DESCRIPTIONS: Readonly<Record<string, string>> = {
  AC01: 'Incorrect account number',
  AC04: 'Closed account number',
  AC06: 'Blocked account',
  AG01: 'Transaction forbidden',
  AM04: 'Insufficient funds',
  AM05: 'Duplication',
  BE04: 'Missing creditor address',
  MD07: 'End customer deceased',
  MS02: 'Not specified reason customer generated',
  MS03: 'Not specified reason agent generated',
  RC01: 'Bank identifier incorrect',
};

/** Allowed simulated transitions: pending -> settled | failed, settled -> returned. */
const TRANSITIONS: Readonly<Record<SimulatedPayoutEventType, SandboxPayout['status']>> = { settled: 'pending', failed: 'pending', returned: 'settled' };

/**
 * The sandbox's payment rails for payouts in EUR (SEPA), GBP (Faster Payments) and NGN (NIBSS local): creation with
 * idempotency keys and beneficiary checks, the expected settlement dates from the business-day calendar, an event
 * feed with its own increasing ids, and simulated outcomes. Every new event sends a signed PAYMENT_RAILS /
 * PAYOUT_EVENTS_UPDATE webhook to the configured URL (in the background, retried by the WebhookDispatcher).
 * USD payouts are not here: they are ACH credits through /bank_transfer/create.
 */
@Injectable()
export class PaymentRailsService implements OnApplicationShutdown {
  private readonly logger = new Logger('PaymentRails');
  private readonly timers = new SandboxTimers();
  private webhookUrl: string | null;

  constructor(
    @Inject(SANDBOX_OPTIONS) private readonly options: ResolvedSandboxOptions,
    private readonly store: PayoutStore,
    private readonly webhooks: WebhookDispatcher,
  ) {
    this.webhookUrl = options.paymentRails.webhookUrl;
  }

  /** Where PAYOUT_EVENTS_UPDATE goes from now on (null: nowhere). */
  setWebhookUrl(url: string | null): void {
    this.webhookUrl = checkWebhookUrl(url);
  }

  onApplicationShutdown(): void {
    this.timers.close();
  }

  create(dto: PayoutCreateDto): Json {
    const amountMinor = parseAmount(dto.amount);
    if (amountMinor === null || amountMinor <= 0n) throw PlaidApiException.invalidField('amount must be a positive decimal string with exactly two digits of precision, e.g. "10.00"');
    const currency = RAIL_CURRENCY[dto.rail];
    if (dto.iso_currency_code !== currency) throw PlaidApiException.invalidField(`iso_currency_code must be ${currency} for rail ${dto.rail}`);
    const beneficiary = checkBeneficiary(dto.rail, dto.beneficiary);
    const reference = dto.reference ?? null;
    if (reference !== null && reference.length > REFERENCE_MAX_LENGTH[dto.rail]) {
      throw PlaidApiException.invalidField(`reference must be at most ${REFERENCE_MAX_LENGTH[dto.rail]} characters for rail ${dto.rail}`);
    }
    const metadata = checkMetadata(dto.metadata);

    const fingerprint = JSON.stringify([
      dto.rail,
      formatAmount(amountMinor),
      currency,
      beneficiary,
      reference,
      metadata ? Object.entries(metadata).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null,
    ]);
    const previous = this.store.idempotent(dto.idempotency_key);
    if (previous) {
      if (previous.fingerprint !== fingerprint) throw PlaidApiException.invalidField('idempotency_key has already been used for a different payout request');
      return { payout: payoutJson(previous.record), request_id: newRequestId() };
    }

    const now = this.options.clock.now();
    const window = settlementWindow(SETTLEMENT_RAIL[dto.rail], now);
    const payout: SandboxPayout = {
      id: randomUUID(),
      idempotencyKey: dto.idempotency_key,
      rail: dto.rail,
      amountMinor,
      currency,
      beneficiary,
      reference,
      metadata,
      created: now,
      status: 'pending',
      earliestSettlementDate: window.earliest,
      expectedSettlementDate: window.latest,
      settledAt: null,
      failureReason: null,
    };
    this.store.add(payout, fingerprint);
    this.emit(payout);
    this.scheduleAutoSettle(payout);
    return { payout: payoutJson(payout), request_id: newRequestId() };
  }

  get(payoutId: string): Json {
    return { payout: payoutJson(this.require(payoutId)), request_id: newRequestId() };
  }

  /** Up to `count` events with event_id > after_id, oldest first. */
  eventSync(dto: PayoutEventSyncDto): Json {
    return { payout_events: this.store.eventsAfter(dto.after_id, dto.count ?? 25).map(payoutEventJson), request_id: newRequestId() };
  }

  /** pending -> settled | failed, settled -> returned; anything else is SANDBOX_PAYOUT_EVENT_TRANSITION_INVALID. */
  simulate(dto: SandboxPayoutSimulateDto): Json {
    const payout = this.require(dto.payout_id);
    if (payout.status !== TRANSITIONS[dto.event_type]) {
      throw new PlaidApiException(
        400,
        'SANDBOX_ERROR',
        'SANDBOX_PAYOUT_EVENT_TRANSITION_INVALID',
        `cannot simulate a ${dto.event_type} event on a payout that is ${payout.status} (allowed: pending -> settled, pending -> failed, settled -> returned)`,
      );
    }
    if (dto.event_type === 'settled') {
      if (dto.failure_reason) throw PlaidApiException.invalidField('failure_reason is only allowed with event_type failed or returned');
      this.settle(payout);
    } else {
      payout.status = dto.event_type;
      payout.failureReason = failureReason(dto.event_type, dto.failure_reason ?? null);
      this.emit(payout);
    }
    return { request_id: newRequestId() };
  }

  private settle(payout: SandboxPayout): void {
    payout.status = 'settled';
    payout.settledAt = this.options.clock.now();
    this.emit(payout);
  }

  private emit(payout: SandboxPayout): void {
    this.store.record(payout, this.options.clock.now());
    const url = this.webhookUrl;
    if (url && !this.timers.isClosed) void this.webhooks.send(url, PAYOUT_EVENTS_UPDATE_WEBHOOK);
  }

  private scheduleAutoSettle(payout: SandboxPayout): void {
    const delay = this.options.paymentRails.autoSettleAfterMs;
    if (delay === null) return;
    this.timers.after(delay, () => {
      if (payout.status !== 'pending') return;
      this.logger.log(`auto-settling payout ${payout.id}`);
      this.settle(payout);
    });
  }

  private require(payoutId: string): SandboxPayout {
    const payout = this.store.get(payoutId);
    if (!payout) throw new PlaidApiException(400, 'INVALID_INPUT', 'PAYOUT_NOT_FOUND', 'no payout with this payout_id');
    return payout;
  }
}

function failureReason(eventType: 'failed' | 'returned', given: { code?: string | null; description?: string } | null): PayoutFailureReason {
  const code = given?.code ?? null;
  const description = given?.description ?? (code ? (REASON_DESCRIPTIONS[code] ?? `payout ${eventType} (${code})`) : `payout ${eventType}`);
  return { code, description };
}
