import {
  ACHClass,
  BankTransfer,
  BankTransferEvent,
  BankTransferFailure,
  BankTransferNetwork,
  BankTransferType,
  PlaidApi,
} from 'plaid';
import { ProviderError } from '../provider-error';
import { callPlaid } from './plaid-error.mapper';
import {
  minorUnitsToPlaidAmount,
  plaidAmountToMinorUnits,
  ProviderTransferEventType,
  ProviderTransferStatus,
  toProviderTransferEventType,
  toProviderTransferStatus,
} from './plaid-bank-transfer.mapping';

export type BankTransferDirectionType = 'debit' | 'credit';
export type BankTransferRail = 'ach' | 'same-day-ach' | 'wire';
export type AchClassCode = 'ccd' | 'ppd' | 'tel' | 'web';

export interface CreateBankTransferInput {
  /** At most 50 characters. Use our own id of the operation (e.g. the pull id): a retry then cannot create a second transfer. */
  idempotencyKey: string;
  /** The Item's access token (a secret: never logged). */
  accessToken: string;
  accountId: string;
  /** `debit` pulls money from the user's account into ours; `credit` pushes money out. */
  type: BankTransferDirectionType;
  network: BankTransferRail;
  /** Positive, in cents. Sent as Plaid's 2-decimal string. */
  amountMinor: bigint;
  currency: 'USD';
  /** At most 10 characters (appears on the user's bank statement). */
  description: string;
  achClass: AchClassCode;
  /** The account holder's legal name. */
  legalName: string;
  /** At most 100 characters, stored with the transfer. */
  customTag?: string;
  /** String values only, at most 50 pairs. */
  metadata?: Record<string, string>;
}

/** Why a transfer failed or was reversed; the ACH return code (R01...) when the network gave one. */
export interface ProviderTransferFailure {
  achReturnCode: string | null;
  description: string | null;
}

export interface ProviderBankTransfer {
  id: string;
  status: ProviderTransferStatus;
  /** True while the provider still accepts a cancel. */
  cancellable: boolean;
  type: BankTransferDirectionType;
  network: BankTransferRail;
  amountMinor: bigint;
  currency: string;
  accountId: string;
  description: string;
  customTag: string | null;
  metadata: Record<string, string> | null;
  originationAccountId: string | null;
  /** ISO-8601 instant the provider created the transfer. */
  createdAt: string;
  failure: ProviderTransferFailure | null;
}

export interface ProviderBankTransferEvent {
  /** The provider's event id: integers, strictly increasing in the order the provider recorded the events. */
  eventId: number;
  type: ProviderTransferEventType;
  bankTransferId: string;
  accountId: string;
  transferType: BankTransferDirectionType;
  amountMinor: bigint;
  currency: string;
  /** ISO-8601 instant of the event at the provider. */
  occurredAt: string;
  /** Set on FAILED and REVERSED events (with the ACH return code when there is one). */
  failure: ProviderTransferFailure | null;
}

export interface SyncBankTransferEventsInput {
  /** The largest event id already processed; 0 initially. */
  afterId: number;
  /** 1-25 (Plaid's limit); default 25. */
  count?: number;
}

export interface SyncedBankTransferEvents {
  /** Oldest first. */
  events: ProviderBankTransferEvent[];
  /** The cursor to store once these events are durably processed (afterId when there were none). */
  nextAfterId: number;
  /** True when a full page came back: call again from nextAfterId. */
  mayHaveMore: boolean;
}

const invalidInput = (message: string): ProviderError =>
  new ProviderError({ code: 'INVALID_BANK_TRANSFER_REQUEST', message: `bank_transfer/create: ${message}`, httpStatus: 400, retryable: false });

/**
 * Plaid Bank Transfers (beta) over the official SDK: create (idempotent), cancel, get, and the event feed
 * (/bank_transfer/event/sync). Provider statuses and event types are mapped exhaustively to our own;
 * amounts are bigint cents both ways. Every failure surfaces as a ProviderError.
 */
export class PlaidBankTransferAdapter {
  constructor(private readonly plaid: PlaidApi) {}

  async createTransfer(input: CreateBankTransferInput): Promise<ProviderBankTransfer> {
    if (input.amountMinor <= 0n) throw invalidInput('amount must be positive');
    if (input.currency !== 'USD') throw invalidInput('only USD is supported');
    if (input.idempotencyKey.length === 0 || input.idempotencyKey.length > 50) throw invalidInput('idempotency key must be 1-50 characters');
    const data = await callPlaid('bank_transfer/create', () =>
      this.plaid.bankTransferCreate({
        idempotency_key: input.idempotencyKey,
        access_token: input.accessToken,
        account_id: input.accountId,
        type: input.type as BankTransferType,
        network: input.network as BankTransferNetwork,
        amount: minorUnitsToPlaidAmount(input.amountMinor),
        iso_currency_code: input.currency,
        description: input.description,
        ach_class: input.achClass as ACHClass,
        user: { legal_name: input.legalName },
        ...(input.customTag !== undefined ? { custom_tag: input.customTag } : {}),
        ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
      }),
    );
    return toTransfer(data.bank_transfer);
  }

  /**
   * Plaid's documented way to move money to an account that was never linked through Link: /bank_transfer/migrate_account
   * turns an account and ABA routing number into an access token and account id usable with /bank_transfer/create only.
   * Payouts use it for the recipient's account (each call creates a new Item: keep the result for retries).
   */
  async migrateAccount(input: { accountNumber: string; routingNumber: string; accountType: 'checking' | 'savings' }): Promise<{ accessToken: string; accountId: string }> {
    const data = await callPlaid('bank_transfer/migrate_account', () =>
      this.plaid.bankTransferMigrateAccount({ account_number: input.accountNumber, routing_number: input.routingNumber, account_type: input.accountType }),
    );
    return { accessToken: data.access_token, accountId: data.account_id };
  }

  /** Refused by the provider (BANK_TRANSFER_NOT_CANCELLABLE) once the transfer is no longer cancellable. */
  async cancel(bankTransferId: string): Promise<void> {
    await callPlaid('bank_transfer/cancel', () => this.plaid.bankTransferCancel({ bank_transfer_id: bankTransferId }));
  }

  async get(bankTransferId: string): Promise<ProviderBankTransfer> {
    const data = await callPlaid('bank_transfer/get', () => this.plaid.bankTransferGet({ bank_transfer_id: bankTransferId }));
    return toTransfer(data.bank_transfer);
  }

  /** The next events after `afterId`, oldest first (what BANK_TRANSFERS_EVENTS_UPDATE asks us to fetch). */
  async syncEvents(input: SyncBankTransferEventsInput): Promise<SyncedBankTransferEvents> {
    const count = input.count ?? 25;
    if (!Number.isSafeInteger(input.afterId) || input.afterId < 0) throw new RangeError('afterId must be a non-negative integer');
    if (!Number.isInteger(count) || count < 1 || count > 25) throw new RangeError('count must be between 1 and 25');
    const data = await callPlaid('bank_transfer/event/sync', () => this.plaid.bankTransferEventSync({ after_id: input.afterId, count }));
    const events = data.bank_transfer_events.map(toEvent).sort((a, b) => a.eventId - b.eventId);
    const last = events[events.length - 1];
    return { events, nextAfterId: last ? Math.max(last.eventId, input.afterId) : input.afterId, mayHaveMore: events.length === count };
  }
}

function toFailure(failure: BankTransferFailure | null | undefined): ProviderTransferFailure | null {
  if (!failure) return null;
  return { achReturnCode: failure.ach_return_code ?? null, description: failure.description ?? null };
}

function toTransfer(t: BankTransfer): ProviderBankTransfer {
  return {
    id: t.id,
    status: toProviderTransferStatus(t.status),
    cancellable: t.cancellable,
    type: t.type,
    network: t.network,
    amountMinor: plaidAmountToMinorUnits(t.amount),
    currency: t.iso_currency_code,
    accountId: t.account_id,
    description: t.description,
    customTag: t.custom_tag ?? null,
    metadata: t.metadata ?? null,
    originationAccountId: t.origination_account_id ?? null,
    createdAt: new Date(t.created).toISOString(),
    failure: toFailure(t.failure_reason),
  };
}

function toEvent(e: BankTransferEvent): ProviderBankTransferEvent {
  return {
    eventId: e.event_id,
    type: toProviderTransferEventType(e.event_type),
    bankTransferId: e.bank_transfer_id,
    accountId: e.account_id,
    transferType: e.bank_transfer_type,
    amountMinor: plaidAmountToMinorUnits(e.bank_transfer_amount),
    currency: e.bank_transfer_iso_currency_code,
    occurredAt: new Date(e.timestamp).toISOString(),
    failure: toFailure(e.failure_reason),
  };
}
