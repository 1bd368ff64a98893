import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { PersistentMap } from '../shared/persistent-map';
import { formatMinor, minorToString, Money, parseMinorString } from '../shared/money';
import { CustomerFacts } from '../customer/customer.decider';

/** Currencies a user can hold an account in (seed: "Supported Recipient Currencies" = bank account currencies). */
export const ACCOUNT_CURRENCIES = ['USD', 'EUR', 'GBP', 'NGN'] as const;
export type AccountCurrency = (typeof ACCOUNT_CURRENCIES)[number];
export const ACCOUNT_TYPES = ['checking', 'savings'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** One account per user and currency: the money consistency boundary (ARCHITECTURE §5). */
export const accountStreamId = (userId: string, currency: AccountCurrency): string => `account-${userId}-${currency}`;

/** Where an inbound credit comes from. */
export type InboundCreditSource = 'ACH_PULL';
/** What a hold is for (the movement that spends the held funds). */
export type HoldPurpose = 'PAYOUT' | 'TRANSFER' | 'REMITTANCE';

/** Why money did not arrive or came back: an ACH return code (R01…) or a provider/internal code, and a description. */
export interface MoneyMovementReason {
  code: string;
  description: string;
}

/**
 * Balances after an event, in minor units as strings (JSON-safe, like every amount in events):
 * posted = settled credits − captured debits − returns + reversed debits;
 * pending = pending inbound credits − active holds; available = posted − active holds.
 * A hold never takes available below zero; a return after settlement may take posted (and available) below zero,
 * which `overdrawn` flags.
 */
export interface AccountBalancesData {
  posted_minor: string;
  pending_minor: string;
  available_minor: string;
  overdrawn: boolean;
}

/** Fields every money event of an account carries; `movement_id` is the pull, payout or transfer id. */
interface MoneyEventData {
  account_id: string;
  user_id: string;
  currency: AccountCurrency;
  movement_id: string;
  amount_minor: string;
  balances: AccountBalancesData;
}
type CreditEventData = MoneyEventData & { source: InboundCreditSource };
type HoldEventData = MoneyEventData & { purpose: HoldPurpose };
/** Pending credits are reversed because the pull failed or was cancelled; holds are released for the same reasons. */
export type ReversalOutcome = 'FAILED' | 'CANCELLED';

export type AccountMoneyEvent =
  /** An inbound credit is on its way (pull submitted): pending rises, posted and available do not. */
  | DomainEvent<'AccountCreditPending', CreditEventData>
  /** The credit settled: pending falls, posted and available rise. */
  | DomainEvent<'AccountCreditPosted', CreditEventData>
  /** The credit will not arrive (pull failed or cancelled): pending falls. */
  | DomainEvent<'AccountPendingCreditReversed', CreditEventData & { outcome: ReversalOutcome; reason: MoneyMovementReason }>
  /** A settled credit came back (ACH return): posted and available fall, possibly below zero (balances.overdrawn). */
  | DomainEvent<'AccountCreditReversed', CreditEventData & { reason: MoneyMovementReason }>
  /** Funds reserved for an outbound movement: available and pending fall, posted does not. */
  | DomainEvent<'AccountHoldPlaced', HoldEventData>
  /** The reservation is lifted (payout failed or cancelled): available and pending rise back. */
  | DomainEvent<'AccountHoldReleased', HoldEventData & { outcome: ReversalOutcome; reason: MoneyMovementReason }>
  /** The held funds leave (payout settled): posted falls, the hold ends, available is unchanged. */
  | DomainEvent<'AccountHoldCaptured', HoldEventData>
  /** A captured debit came back (payout returned): posted and available rise. */
  | DomainEvent<'AccountDebitReversed', HoldEventData & { reason: MoneyMovementReason }>;

export type AccountEvent =
  | DomainEvent<'AccountOpened', { account_id: string; user_id: string; currency: AccountCurrency; account_type: AccountType }>
  | AccountMoneyEvent;

export const ACCOUNT_MONEY_EVENT_TYPES: readonly AccountMoneyEvent['type'][] = [
  'AccountCreditPending',
  'AccountCreditPosted',
  'AccountPendingCreditReversed',
  'AccountCreditReversed',
  'AccountHoldPlaced',
  'AccountHoldReleased',
  'AccountHoldCaptured',
  'AccountDebitReversed',
];

/**
 * Commands, each keyed by the movement id: repeating one is a no-op, contradicting what the account already recorded
 * for that movement (another amount, releasing a captured hold, ...) is refused with ErrorInvalidState.
 */
export type AccountCommand =
  | CommandEnvelope<
      'OpenAccount',
      { account_id: string; user_id: string; currency: AccountCurrency; account_type: AccountType; customer: CustomerFacts }
    >
  /** Inbound: a pull was submitted. */
  | CommandEnvelope<'RecordPendingCredit', { movement_id: string; source: InboundCreditSource; amount: Money }>
  /** Inbound: the pull settled (records the pending credit first when it was never recorded). */
  | CommandEnvelope<'PostCredit', { movement_id: string; source: InboundCreditSource; amount: Money }>
  /** Inbound: the pull failed or was cancelled before settling; a no-op when no pending credit was recorded. */
  | CommandEnvelope<'ReversePendingCredit', { movement_id: string; outcome: ReversalOutcome; reason: MoneyMovementReason }>
  /** Inbound: a settled pull was returned (posts it first when the settlement was never recorded). */
  | CommandEnvelope<'ReverseCredit', { movement_id: string; source: InboundCreditSource; amount: Money; reason: MoneyMovementReason }>
  /** Outbound: reserve funds; refused with ErrorInsufficientFunds (HTTP 422) beyond the available balance. */
  | CommandEnvelope<'PlaceHold', PlaceHoldData>
  | CommandEnvelope<'ReleaseHold', ReleaseHoldData>
  | CommandEnvelope<'CaptureHold', CaptureHoldData>
  | CommandEnvelope<'ReverseDebit', ReverseDebitData>;

export interface PlaceHoldData {
  movement_id: string;
  purpose: HoldPurpose;
  amount: Money;
}
export interface ReleaseHoldData {
  movement_id: string;
  outcome: ReversalOutcome;
  reason: MoneyMovementReason;
}
export interface CaptureHoldData {
  movement_id: string;
}
export interface ReverseDebitData {
  movement_id: string;
  reason: MoneyMovementReason;
}

export type InboundCreditStatus = 'PENDING' | 'POSTED' | 'PENDING_REVERSED' | 'REVERSED';
export type HoldStatus = 'HELD' | 'RELEASED' | 'CAPTURED' | 'REVERSED';

export interface CreditEntry {
  amountMinor: bigint;
  source: InboundCreditSource;
  status: InboundCreditStatus;
}
export interface HoldEntry {
  amountMinor: bigint;
  purpose: HoldPurpose;
  status: HoldStatus;
}

export interface OpenAccountState {
  status: 'OPEN';
  accountId: string;
  userId: string;
  currency: AccountCurrency;
  accountType: AccountType;
  postedMinor: bigint;
  /** Inbound credits recorded as pending and not yet posted or reversed. */
  pendingCreditsMinor: bigint;
  /** Active holds. */
  heldMinor: bigint;
  credits: ReadonlyMap<string, CreditEntry>;
  holds: ReadonlyMap<string, HoldEntry>;
}

export type AccountState = { status: 'NONE' } | OpenAccountState;

export interface AccountBalances {
  postedMinor: bigint;
  pendingMinor: bigint;
  availableMinor: bigint;
}

export function accountBalances(state: Pick<OpenAccountState, 'postedMinor' | 'pendingCreditsMinor' | 'heldMinor'>): AccountBalances {
  return {
    postedMinor: state.postedMinor,
    pendingMinor: state.pendingCreditsMinor - state.heldMinor,
    availableMinor: state.postedMinor - state.heldMinor,
  };
}

function balancesData(state: OpenAccountState): AccountBalancesData {
  const b = accountBalances(state);
  return {
    posted_minor: minorToString(b.postedMinor),
    pending_minor: minorToString(b.pendingMinor),
    available_minor: minorToString(b.availableMinor),
    overdrawn: b.postedMinor < 0n,
  };
}

/** ErrorInsufficientFunds (CategoryUnprocessable → HTTP 422): nothing is held. */
export function insufficientFunds(requested: Money, availableMinor: bigint): DomainError {
  const available = availableMinor < 0n ? 0n : availableMinor;
  return new DomainError(
    'ErrorInsufficientFunds',
    `insufficient funds: ${formatMinor(requested.amountMinor, requested.currency)} ${requested.currency} requested, ` +
      `${formatMinor(available, requested.currency)} ${requested.currency} available`,
    'CategoryUnprocessable',
    [
      { key: 'issue', details: 'insufficient_funds' },
      { key: 'available', details: formatMinor(available, requested.currency) },
    ],
  );
}

function open(state: AccountState): OpenAccountState {
  if (state.status === 'NONE') throw DomainError.notFound('account', 'account_uuid');
  return state;
}

function checkAmount(account: OpenAccountState, amount: Money): void {
  if (amount.currency !== account.currency) {
    throw DomainError.invalidField('currency', 'currency_mismatch', `the account holds ${account.currency}, not ${amount.currency}`);
  }
  if (amount.amountMinor <= 0n) throw DomainError.invalidField('amount', 'not_positive', 'amount must be greater than zero');
}

function sameAmount(movementId: string, recordedMinor: bigint, amount: Money): void {
  if (recordedMinor !== amount.amountMinor) {
    throw DomainError.invalidState(`movement ${movementId} was recorded with another amount`, 'movement_amount_mismatch');
  }
}

const contradiction = (movementId: string, what: string, status: string): DomainError =>
  DomainError.invalidState(`cannot ${what}: movement ${movementId} is ${status}`, 'movement_state_conflict');

type Base = { account_id: string; user_id: string; currency: AccountCurrency };
/** An event as decided, before the balances it leaves are known. */
type Draft = AccountMoneyEvent extends infer E ? (E extends AccountMoneyEvent ? { type: E['type']; data: Omit<E['data'], 'balances'> } : never) : never;

/**
 * Records events one after another, each with the balances it leaves (a command that records several steps, e.g.
 * pending then posted, reports each step's balances).
 */
function recorder(account: OpenAccountState): { base: Base; add(draft: Draft): void; events: AccountMoneyEvent[] } {
  let state = account;
  const events: AccountMoneyEvent[] = [];
  return {
    base: { account_id: account.accountId, user_id: account.userId, currency: account.currency },
    events,
    add(draft) {
      const pending = { ...draft, data: { ...draft.data, balances: balancesData(state) } } as AccountMoneyEvent;
      state = evolveMoney(state, pending);
      events.push({ ...pending, data: { ...pending.data, balances: balancesData(state) } } as AccountMoneyEvent);
    },
  };
}

function decideMoney(command: Exclude<AccountCommand, { type: 'OpenAccount' }>, account: OpenAccountState): AccountMoneyEvent[] {
  const out = recorder(account);
  switch (command.type) {
    case 'RecordPendingCredit':
    case 'PostCredit':
    case 'ReverseCredit': {
      const { movement_id, source, amount } = command.data;
      checkAmount(account, amount);
      const credit = account.credits.get(movement_id);
      if (credit) sameAmount(movement_id, credit.amountMinor, amount);
      if (credit?.status === 'PENDING_REVERSED') throw contradiction(movement_id, 'record the credit', credit.status);
      const data = { ...out.base, movement_id, source, amount_minor: minorToString(amount.amountMinor) };
      // Steps a credit goes through; walk it forward to the command's step, recording each step it has not reached yet
      // (a repeat changes nothing; a settlement never preceded by its pending credit records both).
      const steps: InboundCreditStatus[] = ['PENDING', 'POSTED', 'REVERSED'];
      const reached = credit ? steps.indexOf(credit.status) : -1;
      const target = command.type === 'RecordPendingCredit' ? 0 : command.type === 'PostCredit' ? 1 : 2;
      if (reached < 0 && target >= 0) out.add({ type: 'AccountCreditPending', data });
      if (reached < 1 && target >= 1) out.add({ type: 'AccountCreditPosted', data });
      if (reached < 2 && command.type === 'ReverseCredit') out.add({ type: 'AccountCreditReversed', data: { ...data, reason: command.data.reason } });
      return out.events;
    }
    case 'ReversePendingCredit': {
      const { movement_id, outcome, reason } = command.data;
      const credit = account.credits.get(movement_id);
      if (!credit || credit.status === 'PENDING_REVERSED') return [];
      if (credit.status !== 'PENDING') throw contradiction(movement_id, 'reverse the pending credit', credit.status);
      out.add({
        type: 'AccountPendingCreditReversed',
        data: { ...out.base, movement_id, source: credit.source, amount_minor: minorToString(credit.amountMinor), outcome, reason },
      });
      return out.events;
    }
    case 'PlaceHold': {
      const { movement_id, purpose, amount } = command.data;
      checkAmount(account, amount);
      const hold = account.holds.get(movement_id);
      if (hold) {
        sameAmount(movement_id, hold.amountMinor, amount);
        return [];
      }
      const { availableMinor } = accountBalances(account);
      if (amount.amountMinor > availableMinor) throw insufficientFunds(amount, availableMinor);
      out.add({ type: 'AccountHoldPlaced', data: { ...out.base, movement_id, purpose, amount_minor: minorToString(amount.amountMinor) } });
      return out.events;
    }
    case 'ReleaseHold':
    case 'CaptureHold':
    case 'ReverseDebit': {
      const { movement_id } = command.data;
      const hold = account.holds.get(movement_id);
      if (!hold) throw DomainError.notFound(`hold for movement ${movement_id}`, 'movement_id');
      const data = { ...out.base, movement_id, purpose: hold.purpose, amount_minor: minorToString(hold.amountMinor) };
      if (command.type === 'ReleaseHold') {
        if (hold.status === 'RELEASED') return [];
        if (hold.status !== 'HELD') throw contradiction(movement_id, 'release the hold', hold.status);
        out.add({ type: 'AccountHoldReleased', data: { ...data, outcome: command.data.outcome, reason: command.data.reason } });
        return out.events;
      }
      if (hold.status === 'RELEASED') throw contradiction(movement_id, command.type === 'CaptureHold' ? 'capture the hold' : 'reverse the debit', hold.status);
      // A return reported before the settlement it implies captures first, so the ledger sees both.
      if (hold.status === 'HELD') out.add({ type: 'AccountHoldCaptured', data });
      if (command.type === 'ReverseDebit' && hold.status !== 'REVERSED') {
        out.add({ type: 'AccountDebitReversed', data: { ...data, reason: command.data.reason } });
      }
      return out.events;
    }
    default:
      return assertNever(command, 'account command');
  }
}

function withCredit(state: OpenAccountState, id: string, amountMinor: bigint, source: InboundCreditSource, status: InboundCreditStatus): OpenAccountState['credits'] {
  return (state.credits as PersistentMap<CreditEntry>).with(id, { amountMinor, source, status });
}
function withHold(state: OpenAccountState, id: string, amountMinor: bigint, purpose: HoldPurpose, status: HoldStatus): OpenAccountState['holds'] {
  return (state.holds as PersistentMap<HoldEntry>).with(id, { amountMinor, purpose, status });
}

function evolveMoney(state: OpenAccountState, event: AccountMoneyEvent): OpenAccountState {
  const amount = parseMinorString(event.data.amount_minor);
  const id = event.data.movement_id;
  switch (event.type) {
    case 'AccountCreditPending':
      return { ...state, pendingCreditsMinor: state.pendingCreditsMinor + amount, credits: withCredit(state, id, amount, event.data.source, 'PENDING') };
    case 'AccountCreditPosted':
      return {
        ...state,
        pendingCreditsMinor: state.pendingCreditsMinor - amount,
        postedMinor: state.postedMinor + amount,
        credits: withCredit(state, id, amount, event.data.source, 'POSTED'),
      };
    case 'AccountPendingCreditReversed':
      return { ...state, pendingCreditsMinor: state.pendingCreditsMinor - amount, credits: withCredit(state, id, amount, event.data.source, 'PENDING_REVERSED') };
    case 'AccountCreditReversed':
      return { ...state, postedMinor: state.postedMinor - amount, credits: withCredit(state, id, amount, event.data.source, 'REVERSED') };
    case 'AccountHoldPlaced':
      return { ...state, heldMinor: state.heldMinor + amount, holds: withHold(state, id, amount, event.data.purpose, 'HELD') };
    case 'AccountHoldReleased':
      return { ...state, heldMinor: state.heldMinor - amount, holds: withHold(state, id, amount, event.data.purpose, 'RELEASED') };
    case 'AccountHoldCaptured':
      return {
        ...state,
        heldMinor: state.heldMinor - amount,
        postedMinor: state.postedMinor - amount,
        holds: withHold(state, id, amount, event.data.purpose, 'CAPTURED'),
      };
    case 'AccountDebitReversed':
      return { ...state, postedMinor: state.postedMinor + amount, holds: withHold(state, id, amount, event.data.purpose, 'REVERSED') };
    default:
      return assertNever(event, 'account money event');
  }
}

export const accountDecider: Decider<AccountState, AccountCommand, AccountEvent> = {
  initialState: () => ({ status: 'NONE' }),

  decide(command, state) {
    switch (command.type) {
      case 'OpenAccount': {
        const { customer, ...data } = command.data;
        if (!customer.exists) throw DomainError.notEligible('create the user profile first (POST /user/linked-bank-account/profile)', 'profile_missing');
        if (state.status === 'OPEN') {
          // Opening the same account again is a no-op (create-or-ensure); another type in the same currency is refused.
          if (state.accountType === data.account_type) return [];
          throw new DomainError('ErrorAlreadyExists', `the user already has a ${state.currency} ${state.accountType} account`, 'CategoryConflict', [
            { key: 'issue', details: 'account_exists' },
          ]);
        }
        return [{ type: 'AccountOpened', data }];
      }
      case 'RecordPendingCredit':
      case 'PostCredit':
      case 'ReversePendingCredit':
      case 'ReverseCredit':
      case 'PlaceHold':
      case 'ReleaseHold':
      case 'CaptureHold':
      case 'ReverseDebit':
        return decideMoney(command, open(state));
      default:
        return assertNever(command, 'account command');
    }
  },

  evolve(state, event) {
    if (event.type === 'AccountOpened') {
      return {
        status: 'OPEN',
        accountId: event.data.account_id,
        userId: event.data.user_id,
        currency: event.data.currency,
        accountType: event.data.account_type,
        postedMinor: 0n,
        pendingCreditsMinor: 0n,
        heldMinor: 0n,
        credits: PersistentMap.empty(),
        holds: PersistentMap.empty(),
      };
    }
    if (state.status === 'NONE') return state;
    return evolveMoney(state, event);
  },
};
