import { assertNever } from '../shared/decider';
import { formatMinor, parseMinorString } from '../shared/money';
import { AccountCurrency, AccountMoneyEvent } from './account.decider';

/**
 * The chart of accounts of the double-entry ledger, per currency. Each user account has three ledger accounts; the
 * platform has four per currency. Entry amounts are signed from the ledger account's point of view: CREDIT raises a
 * credit-normal account (what we owe the user), DEBIT lowers it.
 *
 * | ledger account                    | what its balance (credits − debits) is                                   |
 * |-----------------------------------|--------------------------------------------------------------------------|
 * | user:{account}:posted             | the user's posted balance (may go below zero after a late return)        |
 * | user:{account}:pending            | the user's pending inbound credits                                       |
 * | user:{account}:holds              | minus the user's active holds                                            |
 * | platform:pending_inbound:{ccy}    | minus the inbound credits on their way (pulls submitted, not settled)    |
 * | platform:provider_clearing:{ccy}  | minus what settled pulls brought in at the provider                      |
 * | platform:payout_clearing:{ccy}    | held and captured payouts owed to the rails (released/returned go back)  |
 * | platform:returns_receivable:{ccy} | settled pulls the provider clawed back (ACH returns after settlement)    |
 *
 * So for a user account: posted = posted; pending = pending + holds; available = posted + holds. A return that takes
 * posted below zero leaves the user's posted ledger account negative: that is what the user owes (never hidden).
 */
export type LedgerAccountKind = 'USER_POSTED' | 'USER_PENDING' | 'USER_HOLDS' | 'PENDING_INBOUND' | 'PROVIDER_CLEARING' | 'PAYOUT_CLEARING' | 'RETURNS_RECEIVABLE';

export const USER_LEDGER_ACCOUNT_KINDS = ['USER_POSTED', 'USER_PENDING', 'USER_HOLDS'] as const;
export const PLATFORM_LEDGER_ACCOUNT_KINDS = ['PENDING_INBOUND', 'PROVIDER_CLEARING', 'PAYOUT_CLEARING', 'RETURNS_RECEIVABLE'] as const;

export interface LedgerAccountRef {
  /** Stable code: `user:{account_uuid}:posted`, `platform:provider_clearing:USD`, ... */
  code: string;
  kind: LedgerAccountKind;
  currency: AccountCurrency;
  /** The user account it belongs to (user ledger accounts only). */
  account_uuid?: string;
}

const USER_SUFFIX: Record<(typeof USER_LEDGER_ACCOUNT_KINDS)[number], string> = { USER_POSTED: 'posted', USER_PENDING: 'pending', USER_HOLDS: 'holds' };
const PLATFORM_NAME: Record<(typeof PLATFORM_LEDGER_ACCOUNT_KINDS)[number], string> = {
  PENDING_INBOUND: 'pending_inbound',
  PROVIDER_CLEARING: 'provider_clearing',
  PAYOUT_CLEARING: 'payout_clearing',
  RETURNS_RECEIVABLE: 'returns_receivable',
};

export function userLedgerAccount(kind: (typeof USER_LEDGER_ACCOUNT_KINDS)[number], accountUuid: string, currency: AccountCurrency): LedgerAccountRef {
  return { code: `user:${accountUuid}:${USER_SUFFIX[kind]}`, kind, currency, account_uuid: accountUuid };
}

export function platformLedgerAccount(kind: (typeof PLATFORM_LEDGER_ACCOUNT_KINDS)[number], currency: AccountCurrency): LedgerAccountRef {
  return { code: `platform:${PLATFORM_NAME[kind]}:${currency}`, kind, currency };
}

export type LedgerDirection = 'DEBIT' | 'CREDIT';

export interface LedgerEntryDraft {
  account: LedgerAccountRef;
  direction: LedgerDirection;
  /** Positive minor units. */
  amountMinor: bigint;
}

/** The seed's transaction status values for the user's history (GET /user/ledger/transactions). */
export type LedgerTransactionStatus = 'PENDING' | 'COMPLETED' | 'FAILED' | 'CANCELLED' | 'RETURNED';

/** One ledger transaction per money event of an account: balanced entries plus the user's view of it. */
export interface LedgerTransactionDraft {
  kind: AccountMoneyEvent['type'];
  account_uuid: string;
  user_id: string;
  movement_id: string;
  currency: AccountCurrency;
  /** From the user's point of view: CREDIT raises their balance (pending or posted), DEBIT lowers it. */
  type: LedgerDirection;
  amountMinor: bigint;
  status: LedgerTransactionStatus;
  description: string;
  entries: LedgerEntryDraft[];
}

/** +amount for a credit, −amount for a debit: the sum over a balanced transaction's entries is zero. */
export const signedAmount = (entry: Pick<LedgerEntryDraft, 'direction' | 'amountMinor'>): bigint =>
  entry.direction === 'CREDIT' ? entry.amountMinor : -entry.amountMinor;

const pair = (debit: LedgerAccountRef, credit: LedgerAccountRef, amountMinor: bigint): LedgerEntryDraft[] => [
  { account: debit, direction: 'DEBIT', amountMinor },
  { account: credit, direction: 'CREDIT', amountMinor },
];

const SOURCE_LABEL = { ACH_PULL: 'ACH deposit from linked bank account' } as const;
const PURPOSE_LABEL = { PAYOUT: 'Payout to recipient', TRANSFER: 'Transfer', REMITTANCE: 'Cross-border remittance' } as const;
const because = (reason: { code: string; description: string }): string => `${reason.code}: ${reason.description}`;

/** The balanced ledger transaction of one money event (pure: the same event always gives the same transaction). */
export function ledgerTransactionFor(event: AccountMoneyEvent): LedgerTransactionDraft {
  const { account_id, user_id, currency, movement_id } = event.data;
  const amountMinor = parseMinorString(event.data.amount_minor);
  const posted = userLedgerAccount('USER_POSTED', account_id, currency);
  const pending = userLedgerAccount('USER_PENDING', account_id, currency);
  const holds = userLedgerAccount('USER_HOLDS', account_id, currency);
  const pendingInbound = platformLedgerAccount('PENDING_INBOUND', currency);
  const providerClearing = platformLedgerAccount('PROVIDER_CLEARING', currency);
  const payoutClearing = platformLedgerAccount('PAYOUT_CLEARING', currency);
  const returns = platformLedgerAccount('RETURNS_RECEIVABLE', currency);
  const base = { kind: event.type, account_uuid: account_id, user_id, movement_id, currency, amountMinor };
  const amount = `${formatMinor(amountMinor, currency)} ${currency}`;

  switch (event.type) {
    case 'AccountCreditPending':
      return { ...base, type: 'CREDIT', status: 'PENDING', description: `${SOURCE_LABEL[event.data.source]} (pending)`, entries: pair(pendingInbound, pending, amountMinor) };
    case 'AccountCreditPosted':
      return {
        ...base,
        type: 'CREDIT',
        status: 'COMPLETED',
        description: SOURCE_LABEL[event.data.source],
        entries: [...pair(pending, pendingInbound, amountMinor), ...pair(providerClearing, posted, amountMinor)],
      };
    case 'AccountPendingCreditReversed':
      return {
        ...base,
        type: 'DEBIT',
        status: event.data.outcome,
        description: `${SOURCE_LABEL[event.data.source]} ${event.data.outcome === 'FAILED' ? 'failed' : 'cancelled'} (${because(event.data.reason)}): pending credit of ${amount} reversed`,
        entries: pair(pending, pendingInbound, amountMinor),
      };
    case 'AccountCreditReversed':
      return {
        ...base,
        type: 'DEBIT',
        status: 'RETURNED',
        description:
          `${SOURCE_LABEL[event.data.source]} returned (${because(event.data.reason)}): ${amount} reversed` +
          (event.data.balances.overdrawn ? `; posted balance is now ${formatMinor(parseMinorString(event.data.balances.posted_minor), currency)} ${currency} (overdrawn)` : ''),
        entries: pair(posted, returns, amountMinor),
      };
    case 'AccountHoldPlaced':
      return { ...base, type: 'DEBIT', status: 'PENDING', description: `${PURPOSE_LABEL[event.data.purpose]}: ${amount} held`, entries: pair(holds, payoutClearing, amountMinor) };
    case 'AccountHoldCaptured':
      return { ...base, type: 'DEBIT', status: 'COMPLETED', description: PURPOSE_LABEL[event.data.purpose], entries: pair(posted, holds, amountMinor) };
    case 'AccountHoldReleased':
      return {
        ...base,
        type: 'CREDIT',
        status: event.data.outcome,
        description: `${PURPOSE_LABEL[event.data.purpose]} ${event.data.outcome === 'FAILED' ? 'failed' : 'cancelled'} (${because(event.data.reason)}): hold of ${amount} released`,
        entries: pair(payoutClearing, holds, amountMinor),
      };
    case 'AccountDebitReversed':
      return {
        ...base,
        type: 'CREDIT',
        status: 'RETURNED',
        description: `${PURPOSE_LABEL[event.data.purpose]} returned (${because(event.data.reason)}): ${amount} credited back`,
        entries: pair(payoutClearing, posted, amountMinor),
      };
    default:
      return assertNever(event, 'account money event');
  }
}
