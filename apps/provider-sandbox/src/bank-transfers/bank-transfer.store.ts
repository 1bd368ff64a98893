import { Injectable } from '@nestjs/common';
import { formatAmount } from '../common/amount';
import { EventFeed } from '../common/event-feed';
import { IdempotentRecords } from '../common/idempotent-records';
import { AchClass, BankTransferEventType, BankTransferNetwork, BankTransferType } from './bank-transfers.dto';

export type BankTransferStatus = 'pending' | 'posted' | 'cancelled' | 'failed' | 'reversed';

export interface FailureReason {
  ach_return_code: string | null;
  description: string;
}

export interface SandboxBankTransfer {
  id: string;
  idempotencyKey: string;
  accountId: string;
  type: BankTransferType;
  network: BankTransferNetwork;
  achClass: AchClass | null;
  amountMinor: bigint;
  isoCurrencyCode: 'USD';
  description: string;
  user: { legal_name: string; email_address: string | null; routing_number: string };
  customTag: string | null;
  metadata: Record<string, string> | null;
  originationAccountId: string;
  created: Date;
  status: BankTransferStatus;
  failureReason: FailureReason | null;
}

export interface SandboxBankTransferEvent {
  eventId: number;
  timestamp: Date;
  eventType: BankTransferEventType;
  transfer: SandboxBankTransfer;
  /** The transfer's failure reason at the time of this event (failed / reversed only). */
  failureReason: FailureReason | null;
}

/** An Item created by /bank_transfer/migrate_account: usable with Bank Transfer endpoints only. */
export interface MigratedAccount {
  accessToken: string;
  accountId: string;
  routingNumber: string;
  accountType: 'checking' | 'savings';
}

/** Plaid timestamps carry whole seconds: 2020-08-06T17:27:15Z. */
export const plaidTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Only a pending transfer can still be cancelled. */
export const isCancellable = (transfer: SandboxBankTransfer): boolean => transfer.status === 'pending';

/** The bank_transfer object of Plaid's responses. */
export function transferJson(transfer: SandboxBankTransfer): Record<string, unknown> {
  return {
    account_id: transfer.accountId,
    ach_class: transfer.achClass,
    amount: formatAmount(transfer.amountMinor),
    cancellable: isCancellable(transfer),
    created: plaidTime(transfer.created),
    custom_tag: transfer.customTag,
    description: transfer.description,
    direction: 'outbound',
    failure_reason: transfer.failureReason ? { ...transfer.failureReason } : null,
    id: transfer.id,
    iso_currency_code: transfer.isoCurrencyCode,
    metadata: transfer.metadata ? { ...transfer.metadata } : null,
    network: transfer.network,
    origination_account_id: transfer.originationAccountId,
    status: transfer.status,
    type: transfer.type,
    user: { ...transfer.user },
  };
}

/** The bank_transfer_event object of /bank_transfer/event/list and /bank_transfer/event/sync. */
export function eventJson(event: SandboxBankTransferEvent): Record<string, unknown> {
  return {
    account_id: event.transfer.accountId,
    bank_transfer_amount: formatAmount(event.transfer.amountMinor),
    bank_transfer_id: event.transfer.id,
    bank_transfer_iso_currency_code: event.transfer.isoCurrencyCode,
    bank_transfer_type: event.transfer.type,
    direction: 'outbound',
    event_id: event.eventId,
    event_type: event.eventType,
    failure_reason: event.failureReason ? { ...event.failureReason } : null,
    origination_account_id: event.transfer.originationAccountId,
    timestamp: plaidTime(event.timestamp),
  };
}

/**
 * Bank transfers, their events, idempotency keys and migrated accounts. IN MEMORY ONLY (a restart forgets
 * them, and event ids start again at 1). Every method is synchronous: a check and the write that depends
 * on it cannot interleave with another request.
 */
@Injectable()
export class BankTransferStore {
  private readonly transfers = new IdempotentRecords<SandboxBankTransfer>();
  private readonly events = new EventFeed<SandboxBankTransferEvent>();
  private readonly migrated = new Map<string, MigratedAccount>();

  idempotent(key: string): { fingerprint: string; transfer: SandboxBankTransfer } | undefined {
    const previous = this.transfers.previous(key);
    return previous && { fingerprint: previous.fingerprint, transfer: previous.record };
  }

  add(transfer: SandboxBankTransfer, fingerprint: string): void {
    this.transfers.add(transfer, fingerprint);
  }

  get(id: string): SandboxBankTransfer | undefined {
    return this.transfers.get(id);
  }

  /** Newest first. */
  all(): SandboxBankTransfer[] {
    return this.transfers.newestFirst();
  }

  /** Records an event for the transfer's current state with the next event id (ids only ever increase). */
  record(transfer: SandboxBankTransfer, eventType: BankTransferEventType, timestamp: Date): SandboxBankTransferEvent {
    return this.events.append((eventId) => ({
      eventId,
      timestamp,
      eventType,
      transfer,
      failureReason: transfer.failureReason ? { ...transfer.failureReason } : null,
    }));
  }

  /** Events with event_id > afterId, oldest first. */
  eventsAfter(afterId: number, count: number): SandboxBankTransferEvent[] {
    return this.events.after(afterId, count);
  }

  /** Newest first. */
  allEvents(): SandboxBankTransferEvent[] {
    return this.events.newestFirst();
  }

  addMigrated(account: MigratedAccount): void {
    this.migrated.set(account.accessToken, account);
  }

  migratedAccount(accessToken: string): MigratedAccount | undefined {
    return this.migrated.get(accessToken);
  }
}
