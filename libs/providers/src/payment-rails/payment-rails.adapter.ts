import type { IsoDate } from '@payments/domain';
import { ProviderError } from '../provider-error';
import { minorUnitsToPlaidAmount, plaidAmountToMinorUnits } from '../plaid/plaid-bank-transfer.mapping';
import type { PlaidClientOptions } from '../plaid/plaid-client';
import { providerErrorFromResponse, providerUnreachableError } from '../plaid/plaid-error.mapper';
import {
  badProviderResponse,
  ProviderPayoutStatus,
  RAILS_PAYOUT_CURRENCY,
  RailsPayoutCurrency,
  RailsPayoutRail,
  toProviderPayoutStatus,
  toRailsPayoutRail,
  toWireRail,
} from './payment-rails.mapping';

/** The account to pay, per rail (electronic form: no spaces or dashes, upper case). Account numbers are secrets: never logged. */
export type RailsPayoutBeneficiary =
  | { rail: 'SEPA'; name: string; iban: string; bic?: string }
  | { rail: 'FPS'; name: string; sortCode: string; accountNumber: string }
  | { rail: 'NGN_LOCAL'; name: string; bankCode: string; accountNumber: string };

export interface CreateRailsPayoutInput {
  /** 1-50 characters. Use our own id of the payout: a retry then returns the same provider payout. */
  idempotencyKey: string;
  /** Positive, in minor units. Sent as a 2-decimal string. */
  amountMinor: bigint;
  /** Must be the rail's currency: SEPA EUR, FPS GBP, NGN_LOCAL NGN. */
  currency: RailsPayoutCurrency;
  /** Its `rail` picks the rail. */
  beneficiary: RailsPayoutBeneficiary;
  /** Shown to the beneficiary: at most 140 characters on SEPA, 18 on FPS, 100 on NGN_LOCAL. */
  reference?: string;
  /** String values only, at most 50 pairs. */
  metadata?: Record<string, string>;
}

/** Why a payout failed or was returned: the scheme's reason code (e.g. AC01) when there is one. */
export interface ProviderPayoutFailure {
  code: string | null;
  description: string | null;
}

export interface ProviderPayout {
  id: string;
  rail: RailsPayoutRail;
  status: ProviderPayoutStatus;
  amountMinor: bigint;
  currency: RailsPayoutCurrency;
  beneficiaryName: string;
  /** Last 4 characters of the IBAN or account number (the provider never sends more). */
  accountMask: string;
  reference: string | null;
  metadata: Record<string, string> | null;
  /** ISO-8601 instant the provider created the payout. */
  createdAt: string;
  /** The settlement window from the provider's business-day calendar, in the rail's zone (inclusive). */
  earliestSettlementDate: IsoDate;
  expectedSettlementDate: IsoDate;
  /** ISO-8601 instant it settled (kept after a return); null before. */
  settledAt: string | null;
  failure: ProviderPayoutFailure | null;
}

export interface ProviderPayoutEvent {
  /** Integers, strictly increasing in the order the provider recorded the events (a feed of its own). */
  eventId: number;
  /** The status the event moved the payout to. */
  type: ProviderPayoutStatus;
  payoutId: string;
  rail: RailsPayoutRail;
  amountMinor: bigint;
  currency: RailsPayoutCurrency;
  /** ISO-8601 instant of the event at the provider. */
  occurredAt: string;
  /** Set on FAILED and RETURNED events. */
  failure: ProviderPayoutFailure | null;
}

export interface SyncPayoutEventsInput {
  /** The largest event id already processed; 0 initially. */
  afterId: number;
  /** 1-25; default 25. */
  count?: number;
}

export interface SyncedPayoutEvents {
  /** Oldest first. */
  events: ProviderPayoutEvent[];
  /** The cursor to store once these events are durably processed (afterId when there were none). */
  nextAfterId: number;
  /** True when a full page came back: call again from nextAfterId. */
  mayHaveMore: boolean;
}

/** SEPA, FPS and NGN payouts at the provider (injected as PAYMENT_RAILS). */
export interface PaymentRailsPayouts {
  createPayout(input: CreateRailsPayoutInput): Promise<ProviderPayout>;
  getPayout(payoutId: string): Promise<ProviderPayout>;
  /** The next payout events after `afterId`, oldest first (what PAYOUT_EVENTS_UPDATE asks us to fetch). */
  syncEvents(input: SyncPayoutEventsInput): Promise<SyncedPayoutEvents>;
}

/** The same provider (base URL, client id, secret) as the Plaid client. */
export type PaymentRailsClientOptions = PlaidClientOptions;

type Json = Record<string, unknown>;

const invalidInput = (message: string): ProviderError =>
  new ProviderError({ code: 'INVALID_PAYOUT_REQUEST', message: `payment_rails/payout/create: ${message}`, httpStatus: 400, retryable: false });

/**
 * The provider's payment rails over plain HTTP (no SDK covers them): POST JSON with the client id and secret in the
 * PLAID-CLIENT-ID / PLAID-SECRET headers (never in bodies). Statuses, event types and rails are mapped exhaustively;
 * amounts are bigint minor units both ways; every failure is a ProviderError (provider refusals keep the provider's
 * error_code, e.g. INVALID_FIELD; no answer is PROVIDER_UNREACHABLE / PROVIDER_TIMEOUT, retryable).
 */
export class PaymentRailsHttpAdapter implements PaymentRailsPayouts {
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: PaymentRailsClientOptions) {
    if (!options.basePath) throw new Error('PaymentRailsHttpAdapter: basePath is required');
    if (!options.clientId) throw new Error('PaymentRailsHttpAdapter: clientId is required');
    if (!options.secret) throw new Error('PaymentRailsHttpAdapter: secret is required');
    this.baseUrl = options.basePath.replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json', 'PLAID-CLIENT-ID': options.clientId, 'PLAID-SECRET': options.secret };
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async createPayout(input: CreateRailsPayoutInput): Promise<ProviderPayout> {
    if (input.amountMinor <= 0n) throw invalidInput('amount must be positive');
    if (input.idempotencyKey.length === 0 || input.idempotencyKey.length > 50) throw invalidInput('idempotency key must be 1-50 characters');
    const { beneficiary } = input;
    if (RAILS_PAYOUT_CURRENCY[beneficiary.rail] !== input.currency) {
      throw invalidInput(`rail ${beneficiary.rail} carries ${RAILS_PAYOUT_CURRENCY[beneficiary.rail]}, not ${input.currency}`);
    }
    const data = await this.call('payment_rails/payout/create', {
      idempotency_key: input.idempotencyKey,
      rail: toWireRail(beneficiary.rail),
      amount: minorUnitsToPlaidAmount(input.amountMinor),
      iso_currency_code: input.currency,
      beneficiary: wireBeneficiary(beneficiary),
      ...(input.reference !== undefined ? { reference: input.reference } : {}),
      ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
    });
    return toPayout(field(data, 'payout', object));
  }

  async getPayout(payoutId: string): Promise<ProviderPayout> {
    const data = await this.call('payment_rails/payout/get', { payout_id: payoutId });
    return toPayout(field(data, 'payout', object));
  }

  async syncEvents(input: SyncPayoutEventsInput): Promise<SyncedPayoutEvents> {
    const count = input.count ?? 25;
    if (!Number.isSafeInteger(input.afterId) || input.afterId < 0) throw new RangeError('afterId must be a non-negative integer');
    if (!Number.isInteger(count) || count < 1 || count > 25) throw new RangeError('count must be between 1 and 25');
    const data = await this.call('payment_rails/event/sync', { after_id: input.afterId, count });
    const raw = data['payout_events'];
    if (!Array.isArray(raw)) throw badProviderResponse('payout_events must be an array');
    const events = raw.map((e) => toEvent(object(e, 'payout_event'))).sort((a, b) => a.eventId - b.eventId);
    const last = events[events.length - 1];
    return { events, nextAfterId: last ? Math.max(last.eventId, input.afterId) : input.afterId, mayHaveMore: events.length === count };
  }

  private async call(operation: string, body: Json): Promise<Json> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/${operation}`, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(body),
        redirect: 'error',
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const timedOut = (error as { name?: unknown }).name === 'TimeoutError';
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      throw providerUnreachableError(operation, timedOut, typeof cause === 'string' ? cause : undefined);
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) throw providerErrorFromResponse(operation, response.status, parsed);
    return object(parsed, `${operation} response`);
  }
}

function wireBeneficiary(beneficiary: RailsPayoutBeneficiary): Json {
  switch (beneficiary.rail) {
    case 'SEPA':
      return { name: beneficiary.name, iban: beneficiary.iban, ...(beneficiary.bic !== undefined ? { bic: beneficiary.bic } : {}) };
    case 'FPS':
      return { name: beneficiary.name, sort_code: beneficiary.sortCode, account_number: beneficiary.accountNumber };
    case 'NGN_LOCAL':
      return { name: beneficiary.name, bank_code: beneficiary.bankCode, account_number: beneficiary.accountNumber };
    default: {
      const unknown: never = beneficiary;
      throw new RangeError(`unknown payout rail ${JSON.stringify((unknown as { rail?: unknown }).rail)}`);
    }
  }
}

// ----- reading the provider's JSON (anything unexpected is a PROVIDER_BAD_RESPONSE) -----

function object(value: unknown, what: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badProviderResponse(`${what} must be an object`);
  return value as Json;
}

function field<T>(from: Json, name: string, read: (value: unknown, what: string) => T): T {
  return read(from[name], name);
}

function string(value: unknown, what: string): string {
  if (typeof value !== 'string') throw badProviderResponse(`${what} must be a string`);
  return value;
}

const nullable =
  <T>(read: (value: unknown, what: string) => T) =>
  (value: unknown, what: string): T | null =>
    value === null || value === undefined ? null : read(value, what);

function instant(value: unknown, what: string): string {
  const time = Date.parse(string(value, what));
  if (Number.isNaN(time)) throw badProviderResponse(`${what} must be an RFC 3339 time`);
  return new Date(time).toISOString();
}

function isoDate(value: unknown, what: string): IsoDate {
  const date = string(value, what);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw badProviderResponse(`${what} must be a YYYY-MM-DD date`);
  return date;
}

function amount(value: unknown, what: string): bigint {
  return plaidAmountToMinorUnits(string(value, what));
}

function currency(value: unknown, what: string): RailsPayoutCurrency {
  const code = string(value, what);
  if (code !== 'EUR' && code !== 'GBP' && code !== 'NGN') throw badProviderResponse(`${what} must be EUR, GBP or NGN`);
  return code;
}

function metadata(value: unknown, what: string): Record<string, string> {
  const entries = Object.entries(object(value, what));
  return Object.fromEntries(entries.map(([key, v]) => [key, string(v, `${what}.${key}`)]));
}

function failure(value: unknown, what: string): ProviderPayoutFailure {
  const f = object(value, what);
  return { code: field(f, 'code', nullable(string)), description: field(f, 'description', nullable(string)) };
}

function toPayout(p: Json): ProviderPayout {
  const beneficiary = field(p, 'beneficiary', object);
  return {
    id: field(p, 'id', string),
    rail: toRailsPayoutRail(p['rail']),
    status: toProviderPayoutStatus(p['status']),
    amountMinor: field(p, 'amount', amount),
    currency: field(p, 'iso_currency_code', currency),
    beneficiaryName: field(beneficiary, 'name', string),
    accountMask: field(beneficiary, 'account_mask', string),
    reference: field(p, 'reference', nullable(string)),
    metadata: field(p, 'metadata', nullable(metadata)),
    createdAt: field(p, 'created', instant),
    earliestSettlementDate: field(p, 'earliest_settlement_date', isoDate),
    expectedSettlementDate: field(p, 'expected_settlement_date', isoDate),
    settledAt: field(p, 'settled_at', nullable(instant)),
    failure: field(p, 'failure_reason', nullable(failure)),
  };
}

function toEvent(e: Json): ProviderPayoutEvent {
  const eventId = e['event_id'];
  if (typeof eventId !== 'number' || !Number.isSafeInteger(eventId) || eventId < 1) throw badProviderResponse('event_id must be a positive integer');
  return {
    eventId,
    type: toProviderPayoutStatus(e['event_type']),
    payoutId: field(e, 'payout_id', string),
    rail: toRailsPayoutRail(e['rail']),
    amountMinor: field(e, 'amount', amount),
    currency: field(e, 'iso_currency_code', currency),
    occurredAt: field(e, 'timestamp', instant),
    failure: field(e, 'failure_reason', nullable(failure)),
  };
}
