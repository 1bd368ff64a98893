import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { Currency, isCurrency, minorToString, Money, parseAmount } from '../shared/money';
import { IsoDate, SettlementRail, settlementWindow } from '../shared/business-days';
import { ACCOUNT_CURRENCIES, AccountCurrency, MoneyMovementReason } from '../account/account.decider';
import { RecipientCurrency } from '../recipient/recipient-account';

/**
 * A payout: money out of the user's account to one of their recipients ("direct send"; ARCHITECTURE §5, issue 4).
 * The funds are held on the Account (the consistency boundary) BEFORE PayoutRequested is appended; the worker then
 * submits it to the rail and turns the provider's outcome into PayoutSettled / PayoutFailed / PayoutReturned, which
 * another process manager turns into CaptureHold / ReleaseHold / ReverseDebit on the account.
 */
export const payoutStreamId = (payoutId: string): string => `payout-${payoutId}`;

/** The one rail per recipient currency. */
export const PAYOUT_RAIL_BY_CURRENCY: Readonly<Record<RecipientCurrency, SettlementRail>> = {
  USD: 'ACH',
  EUR: 'SEPA',
  GBP: 'FPS',
  NGN: 'NGN_LOCAL',
};

/**
 * The longest `reference` each rail carries (SEPA remittance information 140, FPS 18, NIP narration 100; ACH: our own
 * limit, the reference travels in the transfer's metadata, not on the statement).
 */
export const PAYOUT_REFERENCE_MAX_LENGTH: Readonly<Record<SettlementRail, number>> = { ACH: 100, SEPA: 140, FPS: 18, NGN_LOCAL: 100 };

/**
 * PENDING: requested, funds held, not yet accepted by the provider; SUBMITTED: the provider accepted it;
 * SETTLED: the money arrived (hold captured); FAILED: it never left (hold released); RETURNED: it came back after
 * settling (debit reversed). ABANDONED is internal only: a payout id whose request never completed (see AbandonPayout).
 */
export type PayoutStatus = 'PENDING' | 'SUBMITTED' | 'SETTLED' | 'FAILED' | 'RETURNED';
export const PAYOUT_STATUSES: readonly PayoutStatus[] = ['PENDING', 'SUBMITTED', 'SETTLED', 'FAILED', 'RETURNED'];

export interface PayoutRequestedData {
  payout_id: string;
  user_id: string;
  recipient_id: string;
  amount_minor: string;
  currency: RecipientCurrency;
  rail: SettlementRail;
  reference?: string;
  /** ISO-8601 instant the payout was requested (the command's `now`). */
  requested_at: string;
  /** From settlementWindow(rail, now) at request time, in the rail's zone (inclusive). */
  expected_settlement: { earliest: IsoDate; latest: IsoDate };
}

type PayoutRef = { payout_id: string; user_id: string };
export type PayoutEvent =
  | DomainEvent<'PayoutRequested', PayoutRequestedData>
  | DomainEvent<'PayoutSubmitted', PayoutRef & { provider: string; provider_payout_id: string }>
  | DomainEvent<'PayoutSettled', PayoutRef & { amount_minor: string; currency: RecipientCurrency }>
  | DomainEvent<'PayoutFailed', PayoutRef & { reason: MoneyMovementReason }>
  | DomainEvent<'PayoutReturned', PayoutRef & { amount_minor: string; currency: RecipientCurrency; reason: MoneyMovementReason }>
  /**
   * The orphan-hold sweep claimed an id whose request never appended PayoutRequested (the API placed the hold, then
   * crashed). Appended only to an empty stream, so a late PayoutRequested can never follow it; the hold is released.
   */
  | DomainEvent<'PayoutAbandoned', PayoutRef & { currency: AccountCurrency; reason: MoneyMovementReason }>;

/** What the caller resolved before deciding (recipient from the event store, the user's open account currencies). */
export interface RequestPayoutData {
  payout_id: string;
  user_id: string;
  amount: Money;
  recipient: { recipient_id: string; user_id: string; currency: RecipientCurrency };
  /** Currencies the user has an open account in. */
  account_currencies: readonly AccountCurrency[];
  reference?: string;
}

export type PayoutCommand =
  | CommandEnvelope<'RequestPayout', RequestPayoutData>
  | CommandEnvelope<'RecordProviderSubmission', { provider: string; provider_payout_id: string }>
  | CommandEnvelope<'MarkSettled', Record<string, never>>
  | CommandEnvelope<'MarkFailed', { reason: MoneyMovementReason }>
  | CommandEnvelope<'MarkReturned', { reason: MoneyMovementReason }>
  /** The account currency of the orphaned hold rides along so the hold can be released without a request. */
  | CommandEnvelope<'AbandonPayout', { payout_id: string; user_id: string; currency: AccountCurrency; reason: MoneyMovementReason }>;

export type PayoutState =
  | { status: 'NONE' }
  | { status: 'ABANDONED'; payoutId: string; userId: string }
  | {
      status: PayoutStatus;
      request: PayoutRequestedData;
      provider?: { provider: string; provider_payout_id: string };
      reason?: MoneyMovementReason;
    };
type ExistingPayout = Extract<PayoutState, { request: PayoutRequestedData }>;

/**
 * Amount and currency of a payout request: the currency must be one of the account currencies, the amount positive
 * with at most the currency's decimals (2): 10.001 → ErrorInvalidField amount/too_many_decimals.
 */
export function parsePayoutMoney(amount: unknown, currency: unknown): Money {
  if (currency === undefined || currency === null) throw DomainError.missingField('currency');
  if (!isCurrency(currency) || !(ACCOUNT_CURRENCIES as readonly string[]).includes(currency)) {
    throw DomainError.invalidField('currency', 'unsupported_currency', `currency must be one of ${ACCOUNT_CURRENCIES.join(', ')}`);
  }
  return parseAmount(amount, currency as Currency);
}

/**
 * Every rule of a payout request that does not depend on the payout's own stream (400s and 4xx), in the order the
 * caller needs them: checked BEFORE funds are held, so a refused request holds nothing. Returns the rail.
 */
export function checkPayoutRequest(data: RequestPayoutData): SettlementRail {
  const { amount, recipient } = data;
  if (amount.amountMinor <= 0n) throw DomainError.invalidField('amount', 'not_positive', 'amount must be greater than zero');
  if (recipient.user_id !== data.user_id) throw DomainError.notFound('recipient', 'recipient_uuid');
  if (amount.currency !== recipient.currency) {
    throw DomainError.invalidField('currency', 'currency_mismatch', `the recipient is paid in ${recipient.currency}, not ${amount.currency}`);
  }
  if (!(data.account_currencies as readonly string[]).includes(amount.currency)) {
    throw DomainError.notEligible(`the user has no ${amount.currency} account to pay out from (POST /user/accounts)`, 'no_account_in_currency');
  }
  const rail = PAYOUT_RAIL_BY_CURRENCY[recipient.currency];
  if (data.reference !== undefined && [...data.reference].length > PAYOUT_REFERENCE_MAX_LENGTH[rail]) {
    throw DomainError.invalidField('reference', 'too_long', `reference must be at most ${PAYOUT_REFERENCE_MAX_LENGTH[rail]} characters on ${rail}`);
  }
  return rail;
}

const conflict = (payout: ExistingPayout, what: string): DomainError =>
  DomainError.invalidState(`cannot ${what}: payout ${payout.request.payout_id} is ${payout.status}`, 'payout_outcome_conflict');

function sameRequest(stored: PayoutRequestedData, data: RequestPayoutData): boolean {
  return (
    stored.user_id === data.user_id &&
    stored.recipient_id === data.recipient.recipient_id &&
    stored.amount_minor === minorToString(data.amount.amountMinor) &&
    stored.currency === data.amount.currency &&
    stored.reference === data.reference
  );
}

type Outcome = 'SUBMITTED' | 'SETTLED' | 'FAILED' | 'RETURNED';
/** apply, noop (duplicate or late), settle_first (a return implies the settlement), or conflict (needs ops). */
type Transition = 'apply' | 'noop' | 'settle_first' | 'conflict';
export const PAYOUT_TRANSITIONS: Readonly<Record<PayoutStatus, Readonly<Record<Outcome, Transition>>>> = {
  PENDING: { SUBMITTED: 'apply', SETTLED: 'apply', FAILED: 'apply', RETURNED: 'settle_first' },
  SUBMITTED: { SUBMITTED: 'noop', SETTLED: 'apply', FAILED: 'apply', RETURNED: 'settle_first' },
  SETTLED: { SUBMITTED: 'noop', SETTLED: 'noop', FAILED: 'conflict', RETURNED: 'apply' },
  FAILED: { SUBMITTED: 'conflict', SETTLED: 'conflict', FAILED: 'noop', RETURNED: 'conflict' },
  RETURNED: { SUBMITTED: 'noop', SETTLED: 'noop', FAILED: 'conflict', RETURNED: 'noop' },
};

function existing(state: PayoutState): ExistingPayout {
  if (state.status === 'NONE' || state.status === 'ABANDONED') throw DomainError.notFound('payout', 'uuid');
  return state;
}

function decideOutcome(command: Exclude<PayoutCommand, { type: 'RequestPayout' | 'AbandonPayout' }>, payout: ExistingPayout): PayoutEvent[] {
  const { payout_id, user_id, amount_minor, currency } = payout.request;
  const ref = { payout_id, user_id };
  const outcome: Outcome =
    command.type === 'RecordProviderSubmission' ? 'SUBMITTED' : command.type === 'MarkSettled' ? 'SETTLED' : command.type === 'MarkFailed' ? 'FAILED' : 'RETURNED';
  const transition = PAYOUT_TRANSITIONS[payout.status as PayoutStatus][outcome];
  if (transition === 'noop') {
    if (command.type === 'RecordProviderSubmission' && payout.provider && payout.provider.provider_payout_id !== command.data.provider_payout_id) {
      throw DomainError.invalidState(`payout ${payout_id} was already submitted as another provider payout`, 'provider_payout_mismatch');
    }
    return [];
  }
  if (transition === 'conflict') throw conflict(payout, `record ${outcome.toLowerCase()}`);
  const settled: PayoutEvent = { type: 'PayoutSettled', data: { ...ref, amount_minor, currency } };
  switch (command.type) {
    case 'RecordProviderSubmission':
      return [{ type: 'PayoutSubmitted', data: { ...ref, ...command.data } }];
    case 'MarkSettled':
      return [settled];
    case 'MarkFailed':
      return [{ type: 'PayoutFailed', data: { ...ref, reason: command.data.reason } }];
    case 'MarkReturned': {
      const returned: PayoutEvent = { type: 'PayoutReturned', data: { ...ref, amount_minor, currency, reason: command.data.reason } };
      return transition === 'settle_first' ? [settled, returned] : [returned];
    }
    default:
      return assertNever(command, 'payout outcome command');
  }
}

export const payoutDecider: Decider<PayoutState, PayoutCommand, PayoutEvent> = {
  initialState: () => ({ status: 'NONE' }),

  decide(command, state) {
    switch (command.type) {
      case 'RequestPayout': {
        const data = command.data;
        const rail = checkPayoutRequest(data);
        if (state.status === 'ABANDONED') {
          throw DomainError.invalidState('this payout request was abandoned (it did not complete in time) and its hold released; send a new request', 'payout_abandoned');
        }
        if (state.status !== 'NONE') {
          if (sameRequest(state.request, data)) return [];
          throw DomainError.invalidState(`payout ${data.payout_id} already exists with other details`, 'payout_id_conflict');
        }
        const window = settlementWindow(rail, command.now);
        return [
          {
            type: 'PayoutRequested',
            data: {
              payout_id: data.payout_id,
              user_id: data.user_id,
              recipient_id: data.recipient.recipient_id,
              amount_minor: minorToString(data.amount.amountMinor),
              currency: data.recipient.currency,
              rail,
              ...(data.reference !== undefined ? { reference: data.reference } : {}),
              requested_at: command.now.toISOString(),
              expected_settlement: { earliest: window.earliest, latest: window.latest },
            },
          },
        ];
      }
      case 'AbandonPayout':
        // Only an id nobody requested can be abandoned; a payout that exists carries on.
        if (state.status !== 'NONE') return [];
        return [{ type: 'PayoutAbandoned', data: command.data }];
      case 'RecordProviderSubmission':
      case 'MarkSettled':
      case 'MarkFailed':
      case 'MarkReturned':
        return decideOutcome(command, existing(state));
      default:
        return assertNever(command, 'payout command');
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'PayoutRequested':
        return { status: 'PENDING', request: event.data };
      case 'PayoutAbandoned':
        return { status: 'ABANDONED', payoutId: event.data.payout_id, userId: event.data.user_id };
      case 'PayoutSubmitted':
        if (state.status === 'NONE' || state.status === 'ABANDONED') return state;
        return { ...state, status: state.status === 'PENDING' ? 'SUBMITTED' : state.status, provider: { provider: event.data.provider, provider_payout_id: event.data.provider_payout_id } };
      case 'PayoutSettled':
        if (state.status === 'NONE' || state.status === 'ABANDONED') return state;
        return { ...state, status: 'SETTLED' };
      case 'PayoutFailed':
        if (state.status === 'NONE' || state.status === 'ABANDONED') return state;
        return { ...state, status: 'FAILED', reason: event.data.reason };
      case 'PayoutReturned':
        if (state.status === 'NONE' || state.status === 'ABANDONED') return state;
        return { ...state, status: 'RETURNED', reason: event.data.reason };
      default:
        return assertNever(event, 'payout event');
    }
  },
};

