import { Injectable } from '@nestjs/common';
import type { IsoDate } from '@payments/domain';
import { formatAmount } from '../common/amount';
import { EventFeed } from '../common/event-feed';
import { IdempotentRecords } from '../common/idempotent-records';
import { plaidTime } from '../bank-transfers/bank-transfer.store';
import { accountMask, Beneficiary } from './beneficiary';
import { PayoutCurrency, PayoutRail, PayoutStatus } from './payment-rails.dto';

export interface PayoutFailureReason {
  code: string | null;
  description: string;
}

export interface SandboxPayout {
  id: string;
  idempotencyKey: string;
  rail: PayoutRail;
  amountMinor: bigint;
  currency: PayoutCurrency;
  beneficiary: Beneficiary;
  reference: string | null;
  metadata: Record<string, string> | null;
  created: Date;
  status: PayoutStatus;
  /** From the business-day calendar at creation (the rail's zone). */
  earliestSettlementDate: IsoDate;
  expectedSettlementDate: IsoDate;
  /** When it settled (kept after a return). */
  settledAt: Date | null;
  failureReason: PayoutFailureReason | null;
}

export interface SandboxPayoutEvent {
  eventId: number;
  timestamp: Date;
  eventType: PayoutStatus;
  payout: SandboxPayout;
  /** The payout's failure reason at the time of this event (failed / returned only). */
  failureReason: PayoutFailureReason | null;
}

/** The `payout` object of /payment_rails/payout/create and /get. The account shows as its last 4 characters only. */
export function payoutJson(payout: SandboxPayout): Record<string, unknown> {
  const { beneficiary } = payout;
  return {
    id: payout.id,
    rail: payout.rail,
    amount: formatAmount(payout.amountMinor),
    iso_currency_code: payout.currency,
    beneficiary: {
      name: beneficiary.name,
      account_mask: accountMask(beneficiary),
      bic: beneficiary.bic,
      sort_code: beneficiary.sortCode,
      bank_code: beneficiary.bankCode,
    },
    reference: payout.reference,
    metadata: payout.metadata ? { ...payout.metadata } : null,
    status: payout.status,
    created: plaidTime(payout.created),
    earliest_settlement_date: payout.earliestSettlementDate,
    expected_settlement_date: payout.expectedSettlementDate,
    settled_at: payout.settledAt ? plaidTime(payout.settledAt) : null,
    failure_reason: payout.failureReason ? { ...payout.failureReason } : null,
  };
}

/** The `payout_event` object of /payment_rails/event/sync. */
export function payoutEventJson(event: SandboxPayoutEvent): Record<string, unknown> {
  return {
    event_id: event.eventId,
    event_type: event.eventType,
    payout_id: event.payout.id,
    rail: event.payout.rail,
    amount: formatAmount(event.payout.amountMinor),
    iso_currency_code: event.payout.currency,
    failure_reason: event.failureReason ? { ...event.failureReason } : null,
    timestamp: plaidTime(event.timestamp),
  };
}

/**
 * Payouts, their idempotency keys and their event feed (its own ids, apart from the bank transfer feed). IN MEMORY
 * ONLY. Every method is synchronous: a check and the write that depends on it cannot interleave with another request.
 */
@Injectable()
export class PayoutStore {
  private readonly payouts = new IdempotentRecords<SandboxPayout>();
  private readonly events = new EventFeed<SandboxPayoutEvent>();

  /** What an earlier create under `key` made, with that request's fingerprint. */
  idempotent(key: string): { fingerprint: string; record: SandboxPayout } | undefined {
    return this.payouts.previous(key);
  }

  add(payout: SandboxPayout, fingerprint: string): void {
    this.payouts.add(payout, fingerprint);
  }

  get(id: string): SandboxPayout | undefined {
    return this.payouts.get(id);
  }

  /** Records an event for the payout's current status with the next event id. */
  record(payout: SandboxPayout, timestamp: Date): SandboxPayoutEvent {
    return this.events.append((eventId) => ({
      eventId,
      timestamp,
      eventType: payout.status,
      payout,
      failureReason: payout.failureReason ? { ...payout.failureReason } : null,
    }));
  }

  /** Events with event_id > afterId, oldest first. */
  eventsAfter(afterId: number, count: number): SandboxPayoutEvent[] {
    return this.events.after(afterId, count);
  }
}
