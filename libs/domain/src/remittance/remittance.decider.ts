import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { Currency, MAX_AMOUNT_MINOR, minorToString, MINOR_UNIT_EXPONENT, Money } from '../shared/money';
import { convertAmount, divideRounded, parseRate } from '../funding/exact-rate';
import { FxQuote } from '../funding/fx-rates';
import { AccountCurrency, ACCOUNT_CURRENCIES, MoneyMovementReason } from '../account/account.decider';
import { RecipientCurrency } from '../recipient/recipient-account';

/**
 * Cross-border remittance (seed: accounts-api-recipients-pulls-ledger.txt, "Cross-Border Remittance"): any-to-any
 * conversion among the 20 currencies, in two steps. Quote (POST /user/remittance/quote) prices it with the FX port and
 * records the whole FxQuote, so a replay gives the same amounts whatever the rate table says later; Start
 * (POST /user/remittance/start) names the destination. The API holds the source amount on the user's account (the
 * money consistency boundary; movement id = remittance id = quote id) BEFORE RemittanceStarted; the worker submits it
 * to the provider and turns the outcome into RemittanceSettled (hold captured) or RemittanceFailed (hold released).
 * Orphaned hold (the API held, then crashed before RemittanceStarted): the worker's sweep appends RemittanceAbandoned
 * (AbandonRemittance succeeds only while the remittance is QUOTED), which releases the hold; the remittance is FAILED
 * (reason ORPHANED_HOLD) and a start afterwards is refused (409 `remittance_abandoned`).
 */
export const remittanceStreamId = (remittanceId: string): string => `remittance-${remittanceId}`;

/** The FIELD_CIPHER context a beneficiary's account number is sealed with (bound to its remittance). */
export const remittanceBeneficiaryCipherContext = (remittanceId: string): string => `remittance-beneficiary:${remittanceId}`;

/** How long a quote can be started. */
export const REMITTANCE_QUOTE_TTL_MS = 5 * 60_000;

/**
 * QUOTED: priced, not started (expires); PENDING: started, source amount held, not yet accepted by the provider;
 * SUBMITTED: the provider has it; SETTLED: delivered (hold captured); FAILED: not delivered (hold released), or never
 * started and abandoned by the orphan-hold sweep (`abandoned` set; its hold released).
 */
export type RemittanceStatus = 'QUOTED' | 'PENDING' | 'SUBMITTED' | 'SETTLED' | 'FAILED';

/** Which amount the user fixed: the other one is computed from the rate. */
export type RemittanceFixedSide = 'source' | 'target';

export interface RemittanceQuotedData {
  remittance_id: string;
  user_id: string;
  source_currency: Currency;
  target_currency: Currency;
  source_amount_minor: string;
  target_amount_minor: string;
  fixed_side: RemittanceFixedSide;
  /** The whole FX quote the amounts come from (rate = target units per source unit). */
  fx: FxQuote;
  quoted_at: string;
  expires_at: string;
}

/**
 * Where the money goes: a saved recipient (USD, EUR, GBP and NGN have recipient rails), or, for the other 16
 * currencies, a beneficiary named in the start request whose account number is sealed (FIELD_CIPHER) by the caller;
 * only its last four digits are ever shown.
 */
export type RemittanceDestination =
  | { kind: 'recipient'; recipient_id: string; currency: RecipientCurrency }
  | { kind: 'beneficiary'; first_name: string; last_name: string; country: string; account_number_sealed: string; account_last4: string };

type Ref = { remittance_id: string; user_id: string };
export type RemittanceEvent =
  | DomainEvent<'RemittanceQuoted', RemittanceQuotedData>
  | DomainEvent<'RemittanceStarted', Ref & { source_currency: AccountCurrency; source_amount_minor: string; destination: RemittanceDestination; started_at: string }>
  | DomainEvent<'RemittanceSubmitted', Ref & { provider: string; provider_remittance_id: string }>
  | DomainEvent<'RemittanceSettled', Ref & { source_currency: AccountCurrency; source_amount_minor: string }>
  | DomainEvent<'RemittanceFailed', Ref & { source_currency: AccountCurrency; reason: MoneyMovementReason }>
  /** Held for but never started (orphaned hold): the hold of movement `remittance_id` on the source account is released. */
  | DomainEvent<'RemittanceAbandoned', Ref & { source_currency: AccountCurrency; reason: MoneyMovementReason; at: string }>;

export interface QuoteRemittanceData {
  remittance_id: string;
  user_id: string;
  /** Exactly one amount: the source amount (in source_currency) or the target amount (in target_currency). */
  amount: Money;
  fixed_side: RemittanceFixedSide;
  source_currency: Currency;
  target_currency: Currency;
  fx: FxQuote;
}

export interface StartRemittanceData {
  remittance_id: string;
  user_id: string;
  destination: RemittanceDestination;
}

export type RemittanceCommand =
  | CommandEnvelope<'QuoteRemittance', QuoteRemittanceData>
  | CommandEnvelope<'StartRemittance', StartRemittanceData>
  | CommandEnvelope<'RecordProviderSubmission', { provider: string; provider_remittance_id: string }>
  | CommandEnvelope<'MarkSettled', Record<string, never>>
  | CommandEnvelope<'MarkFailed', { reason: MoneyMovementReason }>
  /** The orphan-hold sweep: abandon a quote whose REMITTANCE hold never got its RemittanceStarted. */
  | CommandEnvelope<'AbandonRemittance', Ref & { reason: MoneyMovementReason }>;

export type RemittanceState =
  | { status: 'NONE' }
  | {
      status: RemittanceStatus;
      quote: RemittanceQuotedData;
      destination?: RemittanceDestination;
      startedAt?: string;
      provider?: { provider: string; provider_remittance_id: string };
      reason?: MoneyMovementReason;
      /** Never started: abandoned by the orphan-hold sweep (status FAILED), when. */
      abandonedAt?: string;
    };
type ExistingRemittance = Exclude<RemittanceState, { status: 'NONE' }>;

/**
 * The amounts of a quote, exact, rounding once: a fixed source amount converts to target DOWN (the recipient never
 * gets more than the rate gives); a fixed target amount needs a source amount rounded UP (the user pays at least what
 * the rate asks). Each side in its own currency's minor units (JPY and VND 0 decimals, OMR 3).
 */
export function remittanceAmounts(fx: FxQuote, fixedSide: RemittanceFixedSide, amountMinor: bigint): { sourceMinor: bigint; targetMinor: bigint } {
  const rate = parseRate(fx.rate);
  const sourceExp = MINOR_UNIT_EXPONENT[fx.base];
  const targetExp = MINOR_UNIT_EXPONENT[fx.quote];
  if (fixedSide === 'source') {
    return { sourceMinor: amountMinor, targetMinor: convertAmount(amountMinor, sourceExp, rate, targetExp, 'down') };
  }
  // source = target / rate = target × 10^(scale + sourceExp) / (units × 10^targetExp), rounded up.
  const sourceMinor = divideRounded(amountMinor * 10n ** BigInt(rate.scale + sourceExp), rate.units * 10n ** BigInt(targetExp), 'up');
  return { sourceMinor, targetMinor: amountMinor };
}

/** Quote rules (400s): two different currencies of the 20, the FX quote for that pair, amounts that are not zero or too large. */
export function checkRemittanceQuote(data: QuoteRemittanceData): { sourceMinor: bigint; targetMinor: bigint } {
  if (data.source_currency === data.target_currency) {
    throw DomainError.invalidField('target_currency', 'same_currency', 'target_currency must differ from source_currency (a remittance converts)');
  }
  if (data.fx.base !== data.source_currency || data.fx.quote !== data.target_currency) throw new Error('FX quote is for another currency pair');
  const expected = data.fixed_side === 'source' ? data.source_currency : data.target_currency;
  if (data.amount.currency !== expected) throw new Error(`a ${data.fixed_side} amount must be in ${expected}`);
  const field = `${data.fixed_side}_amount`;
  if (data.amount.amountMinor <= 0n) throw DomainError.invalidField(field, 'not_positive', `${field} must be greater than zero`);
  const amounts = remittanceAmounts(data.fx, data.fixed_side, data.amount.amountMinor);
  if (amounts.targetMinor <= 0n) {
    throw DomainError.invalidField(field, 'too_small', `${field} converts to less than the smallest unit of ${data.target_currency}`);
  }
  if (amounts.sourceMinor > MAX_AMOUNT_MINOR || amounts.targetMinor > MAX_AMOUNT_MINOR) {
    throw DomainError.invalidField(field, 'too_large', `${field} converts to more than the largest amount supported`);
  }
  return amounts;
}

const notFound = (): DomainError => DomainError.notFound('remittance quote', 'quote_id');

/**
 * Start rules that do not need the account (checked BEFORE funds are held, so a refused start holds nothing):
 * the quote exists and is the user's, has not expired, is not started with another destination, the source currency
 * is one the user can hold an account in, and a saved recipient is in the target currency.
 */
export function checkRemittanceStart(state: RemittanceState, data: StartRemittanceData, now: Date): { alreadyStarted: boolean; quote: RemittanceQuotedData } {
  if (state.status === 'NONE' || state.quote.user_id !== data.user_id) throw notFound();
  const quote = state.quote;
  if (state.abandonedAt !== undefined) {
    throw DomainError.invalidState(
      `remittance ${quote.remittance_id} was abandoned (the start did not complete in time) and its hold released; ask for a new quote`,
      'remittance_abandoned',
    );
  }
  if (state.status !== 'QUOTED') {
    if (state.destination && sameDestination(state.destination, data.destination)) return { alreadyStarted: true, quote };
    throw DomainError.invalidState(`remittance ${quote.remittance_id} was already started with another destination`, 'quote_already_started');
  }
  if (now.getTime() >= Date.parse(quote.expires_at)) {
    throw DomainError.invalidState(`the quote expired at ${quote.expires_at}; ask for a new quote`, 'quote_expired');
  }
  if (!(ACCOUNT_CURRENCIES as readonly string[]).includes(quote.source_currency)) {
    throw DomainError.notEligible(
      `remittances are funded from the user's account in the source currency; accounts exist in ${ACCOUNT_CURRENCIES.join(', ')}, not ${quote.source_currency}`,
      'no_account_in_currency',
    );
  }
  if (data.destination.kind === 'recipient' && data.destination.currency !== quote.target_currency) {
    throw DomainError.invalidField('recipient_uuid', 'currency_mismatch', `the recipient is paid in ${data.destination.currency}, not ${quote.target_currency}`);
  }
  return { alreadyStarted: false, quote };
}

function sameDestination(a: RemittanceDestination, b: RemittanceDestination): boolean {
  if (a.kind === 'recipient' && b.kind === 'recipient') return a.recipient_id === b.recipient_id;
  if (a.kind === 'beneficiary' && b.kind === 'beneficiary') {
    // The sealed number differs on every encryption; compare what identifies the person and the last four digits.
    return a.first_name === b.first_name && a.last_name === b.last_name && a.country === b.country && a.account_last4 === b.account_last4;
  }
  return false;
}

type Outcome = 'SUBMITTED' | 'SETTLED' | 'FAILED';
type Transition = 'apply' | 'noop' | 'conflict';
export const REMITTANCE_TRANSITIONS: Readonly<Record<Exclude<RemittanceStatus, 'QUOTED'>, Readonly<Record<Outcome, Transition>>>> = {
  PENDING: { SUBMITTED: 'apply', SETTLED: 'apply', FAILED: 'apply' },
  SUBMITTED: { SUBMITTED: 'noop', SETTLED: 'apply', FAILED: 'apply' },
  SETTLED: { SUBMITTED: 'noop', SETTLED: 'noop', FAILED: 'conflict' },
  FAILED: { SUBMITTED: 'conflict', SETTLED: 'conflict', FAILED: 'noop' },
};

function decideOutcome(command: Extract<RemittanceCommand, { type: 'RecordProviderSubmission' | 'MarkSettled' | 'MarkFailed' }>, state: ExistingRemittance): RemittanceEvent[] {
  if (state.status === 'QUOTED') throw DomainError.invalidState(`remittance ${state.quote.remittance_id} was never started`, 'remittance_not_started');
  const { remittance_id, user_id } = state.quote;
  const source_currency = state.quote.source_currency as AccountCurrency;
  const outcome: Outcome = command.type === 'RecordProviderSubmission' ? 'SUBMITTED' : command.type === 'MarkSettled' ? 'SETTLED' : 'FAILED';
  const transition = REMITTANCE_TRANSITIONS[state.status][outcome];
  if (transition === 'noop') return [];
  if (transition === 'conflict') {
    throw DomainError.invalidState(`cannot record ${outcome.toLowerCase()}: remittance ${remittance_id} is ${state.status}`, 'remittance_outcome_conflict');
  }
  switch (command.type) {
    case 'RecordProviderSubmission':
      return [{ type: 'RemittanceSubmitted', data: { remittance_id, user_id, ...command.data } }];
    case 'MarkSettled':
      return [{ type: 'RemittanceSettled', data: { remittance_id, user_id, source_currency, source_amount_minor: state.quote.source_amount_minor } }];
    case 'MarkFailed':
      return [{ type: 'RemittanceFailed', data: { remittance_id, user_id, source_currency, reason: command.data.reason } }];
    default:
      return assertNever(command, 'remittance outcome command');
  }
}

export const remittanceDecider: Decider<RemittanceState, RemittanceCommand, RemittanceEvent> = {
  initialState: () => ({ status: 'NONE' }),

  decide(command, state) {
    switch (command.type) {
      case 'QuoteRemittance': {
        const data = command.data;
        const { sourceMinor, targetMinor } = checkRemittanceQuote(data);
        if (state.status !== 'NONE') {
          // The same quote id again (an idempotent retry) is a no-op; anything else is a conflict.
          const q = state.quote;
          const fixedMinor = q.fixed_side === 'source' ? q.source_amount_minor : q.target_amount_minor;
          const same =
            q.user_id === data.user_id &&
            q.source_currency === data.source_currency &&
            q.target_currency === data.target_currency &&
            q.fixed_side === data.fixed_side &&
            fixedMinor === minorToString(data.amount.amountMinor);
          if (same) return [];
          throw DomainError.invalidState(`remittance ${data.remittance_id} already exists with other details`, 'remittance_id_conflict');
        }
        return [
          {
            type: 'RemittanceQuoted',
            data: {
              remittance_id: data.remittance_id,
              user_id: data.user_id,
              source_currency: data.source_currency,
              target_currency: data.target_currency,
              source_amount_minor: minorToString(sourceMinor),
              target_amount_minor: minorToString(targetMinor),
              fixed_side: data.fixed_side,
              fx: data.fx,
              quoted_at: command.now.toISOString(),
              expires_at: new Date(command.now.getTime() + REMITTANCE_QUOTE_TTL_MS).toISOString(),
            },
          },
        ];
      }
      case 'StartRemittance': {
        const { alreadyStarted, quote } = checkRemittanceStart(state, command.data, command.now);
        if (alreadyStarted) return [];
        return [
          {
            type: 'RemittanceStarted',
            data: {
              remittance_id: quote.remittance_id,
              user_id: quote.user_id,
              source_currency: quote.source_currency as AccountCurrency,
              source_amount_minor: quote.source_amount_minor,
              destination: command.data.destination,
              started_at: command.now.toISOString(),
            },
          },
        ];
      }
      case 'RecordProviderSubmission':
      case 'MarkSettled':
      case 'MarkFailed':
        if (state.status === 'NONE') throw notFound();
        return decideOutcome(command, state);
      case 'AbandonRemittance': {
        // Only a quote that was never started can be abandoned; a started remittance carries on (its outcome owns the hold).
        if (state.status !== 'QUOTED' || state.quote.user_id !== command.data.user_id) return [];
        const { remittance_id, user_id } = state.quote;
        const source_currency = state.quote.source_currency as AccountCurrency;
        return [{ type: 'RemittanceAbandoned', data: { remittance_id, user_id, source_currency, reason: command.data.reason, at: command.now.toISOString() } }];
      }
      default:
        return assertNever(command, 'remittance command');
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'RemittanceQuoted':
        return { status: 'QUOTED', quote: event.data };
      case 'RemittanceStarted':
        if (state.status === 'NONE') return state;
        return { ...state, status: 'PENDING', destination: event.data.destination, startedAt: event.data.started_at };
      case 'RemittanceSubmitted':
        if (state.status === 'NONE') return state;
        return { ...state, status: state.status === 'PENDING' ? 'SUBMITTED' : state.status, provider: { provider: event.data.provider, provider_remittance_id: event.data.provider_remittance_id } };
      case 'RemittanceSettled':
        if (state.status === 'NONE') return state;
        return { ...state, status: 'SETTLED' };
      case 'RemittanceFailed':
        if (state.status === 'NONE') return state;
        return { ...state, status: 'FAILED', reason: event.data.reason };
      case 'RemittanceAbandoned':
        if (state.status !== 'QUOTED') return state;
        return { ...state, status: 'FAILED', reason: event.data.reason, abandonedAt: event.data.at };
      default:
        return assertNever(event, 'remittance event');
    }
  },
};
