import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { Currency, formatMinor, isCurrency, minorToString, Money, parseAmount } from '../shared/money';
import { CustomerFacts } from '../customer/customer.decider';
import { BankLinkState, BankLinkStatus } from '../bank-link/bank-link.decider';
import { describeAchReturn } from './ach-return-codes';
import { isIpAddress } from './ip-address';

/**
 * An ACH pull: money in from the user's linked external bank account (seed: accounts-api-recipients-pulls-ledger.txt,
 * "Step 5 — Initiate ACH Pull", "Accounts API", "Webhooks and Status Updates", "Constraints and Limits").
 */
export const achPullStreamId = (pullId: string): string => `ach-pull-${pullId}`;

/** "ACH pulls must be at least $10.00 USD." */
export const ACH_PULL_MIN_AMOUNT_MINOR = 1000n;
export const ACH_PULL_USER_NOTE_MAX_LENGTH = 500;
/** The seed documents only BANK_ACCOUNT (the default); other receiver types are refused until one is specified. */
export const ACH_PULL_RECEIVER_TYPES = ['BANK_ACCOUNT'] as const;
export type AchPullReceiverType = (typeof ACH_PULL_RECEIVER_TYPES)[number];

/**
 * Which endpoint asked: `POST /user/linked-bank-account/pull` (LINKED_BANK_ACCOUNT: amount only) or
 * `POST /accounts/user/account/{account_uuid}/ach-pull` (ACCOUNTS_API: amount, currency, source, ip_address, ...).
 */
export type AchPullChannel = 'LINKED_BANK_ACCOUNT' | 'ACCOUNTS_API';

/**
 * created → pending → settled, or → failed / returned; cancelled while the provider still allows it.
 * CREATED: appended, not yet known to the provider as pending. RETURNED only ever follows SETTLED (returns come after
 * posting).
 */
export type AchPullStatus = 'CREATED' | 'PENDING' | 'SETTLED' | 'FAILED' | 'RETURNED' | 'CANCELLED';
export const ACH_PULL_TERMINAL_STATUSES: readonly AchPullStatus[] = ['FAILED', 'RETURNED', 'CANCELLED'];

/** What a pull needs to know about the user's bank link (from the bank-link stream; see achPullLinkFacts). */
export type AchPullLinkFacts =
  | { status: 'NONE' | Exclude<BankLinkStatus, 'ACTIVE'> }
  | { status: 'ACTIVE'; link_id: string; account_id: string; mask: string };

export function achPullLinkFacts(state: BankLinkState): AchPullLinkFacts {
  if (state.status === 'ACTIVE' && state.account) {
    return { status: 'ACTIVE', link_id: state.linkId, account_id: state.account.account_id, mask: state.account.mask };
  }
  return { status: state.status === 'ACTIVE' ? 'ERROR' : state.status };
}

/**
 * The destination account from the path (`account_uuid`), resolved by the caller. `owner_user_id` undefined means the
 * account does not exist; either that or another owner answers 404 (never reveal other users' accounts).
 */
export interface AchPullDestinationFacts {
  account_uuid: string;
  owner_user_id?: string;
  currency?: Currency;
}

/** JSON-safe: amounts are minor units as strings. */
export interface AchPullRequestedData {
  pull_id: string;
  user_id: string;
  amount_minor: string;
  currency: 'USD';
  via: AchPullChannel;
  /** The linked bank account the money comes from, as it was when the pull was requested. */
  source: { link_id: string; account_id: string; mask: string };
  receiver_type: AchPullReceiverType;
  destination_account_uuid?: string;
  ip_address?: string;
  target_account_uuid?: string;
  user_note?: string;
}

/** Why a pull failed: an ACH return code (R01…) or a provider/internal code, and a human description. */
export interface AchPullFailureReason {
  code: string;
  description: string;
}

export type AchPullEvent =
  | DomainEvent<'AchPullRequested', AchPullRequestedData>
  | DomainEvent<'AchPullSubmitted', { pull_id: string; user_id: string; provider_transfer_id: string }>
  | DomainEvent<'AchPullPending', { pull_id: string; user_id: string; provider_transfer_id: string }>
  | DomainEvent<'AchPullSettled', { pull_id: string; user_id: string; provider_transfer_id: string; amount_minor: string; currency: 'USD' }>
  | DomainEvent<'AchPullFailed', { pull_id: string; user_id: string; provider_transfer_id?: string; reason: AchPullFailureReason }>
  | DomainEvent<
      'AchPullReturned',
      { pull_id: string; user_id: string; provider_transfer_id: string; ach_return_code: string; description: string; amount_minor: string; currency: 'USD' }
    >
  | DomainEvent<'AchPullCancelRequested', { pull_id: string; user_id: string }>
  | DomainEvent<'AchPullCancelDeclined', { pull_id: string; user_id: string; reason: string }>
  | DomainEvent<'AchPullCancelled', { pull_id: string; user_id: string; provider_transfer_id?: string }>;

export interface RequestAchPullData {
  pull_id: string;
  user_id: string;
  /** Already parsed (parseAchPullMoney); the decider re-checks USD, > 0 and the $10.00 minimum. */
  amount: Money;
  via: AchPullChannel;
  customer: CustomerFacts;
  link: AchPullLinkFacts;
  /** ACCOUNTS_API: the body's source_account_uuid, which must be the user's linked account (its link_id). */
  source_account_uuid?: string;
  /** ACCOUNTS_API: the path's account_uuid, resolved by the caller. */
  destination?: AchPullDestinationFacts;
  /** Required for ACCOUNTS_API (the seed's request body has it); optional for LINKED_BANK_ACCOUNT. */
  ip_address?: string;
  /** Defaults to BANK_ACCOUNT. */
  receiver_type?: string;
  target_account_uuid?: string;
  user_note?: string;
}

export type AchPullCommand =
  | CommandEnvelope<'RequestAchPull', RequestAchPullData>
  /** The process manager created the provider transfer (idempotency key = pull_id). */
  | CommandEnvelope<'RecordProviderSubmission', { provider_transfer_id: string }>
  /** Provider outcomes (translator, from /bank_transfer/event/sync): pending, posted, failed, reversed, cancelled. */
  | CommandEnvelope<'MarkPending', { provider_transfer_id: string }>
  | CommandEnvelope<'MarkSettled', { provider_transfer_id: string }>
  /** Without provider_transfer_id when the pull failed before the provider accepted it (e.g. create refused). */
  | CommandEnvelope<'MarkFailed', { provider_transfer_id?: string; code: string; description?: string | null }>
  | CommandEnvelope<'MarkReturned', { provider_transfer_id: string; ach_return_code: string; description?: string | null }>
  | CommandEnvelope<'MarkCancelled', { provider_transfer_id?: string }>
  /** A user or ops asks to cancel; the process manager asks the provider, which decides through `cancellable`. */
  | CommandEnvelope<'RequestCancel', Record<string, never>>
  /** The provider refused the cancel (not cancellable any more); the pull carries on. */
  | CommandEnvelope<'DeclineCancel', { reason: string }>;

export type AchPullState =
  | { status: 'NONE' }
  | {
      status: AchPullStatus;
      request: AchPullRequestedData;
      providerTransferId?: string;
      cancelRequested: boolean;
      failure?: AchPullFailureReason;
      returned?: { ach_return_code: string; description: string };
    };

type ExistingPull = Exclude<AchPullState, { status: 'NONE' }>;

/**
 * Amount and currency of an ACH pull request: the currency must be USD (the linked-bank-account endpoint has no
 * currency field: pass 'USD'), then the amount is parsed as USD (positive, ≤ 2 decimals, exact).
 * The $10.00 minimum is a pull rule, checked by decide (ErrorInvalidField amount/below_minimum).
 */
export function parseAchPullMoney(amount: unknown, currency: unknown): Money {
  if (currency === undefined || currency === null) throw DomainError.missingField('currency');
  if (currency !== 'USD') {
    const what = isCurrency(currency) ? currency : 'this currency';
    throw DomainError.invalidField('currency', 'unsupported_currency', `ACH pulls are only available in USD, not ${what}`);
  }
  return parseAmount(amount, 'USD');
}

/** Field rules of RequestAchPull, checked before anything else (400s). */
function validateRequest(data: RequestAchPullData): AchPullReceiverType {
  const { amount } = data;
  if (amount.currency !== 'USD') {
    throw DomainError.invalidField('currency', 'unsupported_currency', `ACH pulls are only available in USD, not ${amount.currency}`);
  }
  if (amount.amountMinor <= 0n) throw DomainError.invalidField('amount', 'not_positive', 'amount must be greater than zero');
  if (amount.amountMinor < ACH_PULL_MIN_AMOUNT_MINOR) {
    throw DomainError.invalidField(
      'amount',
      'below_minimum',
      `ACH pulls must be at least $${formatMinor(ACH_PULL_MIN_AMOUNT_MINOR, 'USD')} USD (got $${formatMinor(amount.amountMinor, 'USD')})`,
    );
  }
  if (data.ip_address === undefined) {
    if (data.via === 'ACCOUNTS_API') throw DomainError.missingField('ip_address');
  } else if (!isIpAddress(data.ip_address)) {
    throw DomainError.invalidField('ip_address', 'invalid_ip_address', 'ip_address must be a valid IPv4 or IPv6 address');
  }
  if (data.user_note !== undefined && [...data.user_note].length > ACH_PULL_USER_NOTE_MAX_LENGTH) {
    throw DomainError.invalidField('user_note', 'too_long', `user_note must be at most ${ACH_PULL_USER_NOTE_MAX_LENGTH} characters`);
  }
  const receiverType = data.receiver_type ?? 'BANK_ACCOUNT';
  if (!(ACH_PULL_RECEIVER_TYPES as readonly string[]).includes(receiverType)) {
    throw DomainError.invalidField('receiver_type', 'unsupported_receiver_type', `receiver_type must be one of ${ACH_PULL_RECEIVER_TYPES.join(', ')}`);
  }
  if (data.via === 'ACCOUNTS_API') {
    if (data.source_account_uuid === undefined) throw DomainError.missingField('source_account_uuid');
    if (data.destination === undefined) throw DomainError.missingField('account_uuid');
  }
  return receiverType as AchPullReceiverType;
}

/** Eligibility (seed: FULL_USER, individual users only, link ACTIVE, one's own accounts). */
function assertEligible(data: RequestAchPullData): Extract<AchPullLinkFacts, { status: 'ACTIVE' }> {
  const { customer, link, destination } = data;
  if (!customer.exists) {
    throw DomainError.notEligible('create the user profile first (POST /user/linked-bank-account/profile)', 'profile_missing');
  }
  if (customer.userStatus !== 'FULL_USER') {
    throw DomainError.notEligible(`user status must be FULL_USER to pull from a bank account (is ${customer.userStatus})`, 'user_not_full_user');
  }
  if (customer.type !== 'individual') {
    throw DomainError.notEligible('ACH pulls are only supported for individual users', 'individual_users_only');
  }
  if (link.status !== 'ACTIVE') {
    if (link.status === 'NONE' || link.status === 'UNLINKED') {
      throw DomainError.notEligible('no bank account is linked; link one first (PUT /user/linked-bank-account/link)', 'bank_account_not_linked');
    }
    throw DomainError.notEligible(
      `the linked bank account is ${link.status}, not ACTIVE; check lastError and have the user retry the link flow`,
      'bank_link_not_active',
    );
  }
  if (data.source_account_uuid !== undefined && data.source_account_uuid !== link.link_id) {
    throw DomainError.notFound('linked bank account', 'source_account_uuid');
  }
  if (destination !== undefined) {
    if (destination.owner_user_id !== data.user_id) throw DomainError.notFound('account', 'account_uuid');
    if (destination.currency !== undefined && destination.currency !== 'USD') {
      throw DomainError.invalidField('account_uuid', 'unsupported_currency', `ACH pulls credit USD accounts only, not ${destination.currency}`);
    }
  }
  return link;
}

/** A repeat of the same request (e.g. a pull id derived from an idempotency key) is a no-op; anything else conflicts. */
function sameRequest(stored: AchPullRequestedData, data: RequestAchPullData, receiverType: AchPullReceiverType): boolean {
  return (
    stored.user_id === data.user_id &&
    stored.amount_minor === minorToString(data.amount.amountMinor) &&
    stored.currency === data.amount.currency &&
    stored.via === data.via &&
    stored.receiver_type === receiverType &&
    (data.source_account_uuid === undefined || stored.source.link_id === data.source_account_uuid) &&
    stored.destination_account_uuid === data.destination?.account_uuid &&
    stored.ip_address === data.ip_address &&
    stored.target_account_uuid === data.target_account_uuid &&
    stored.user_note === data.user_note
  );
}

type Outcome = 'PENDING' | 'SETTLED' | 'FAILED' | 'RETURNED' | 'CANCELLED';
/**
 * apply: the outcome moves the pull; noop: duplicate or late (already reflected), nothing appended;
 * settle_first: a return reported before the posting it implies (settle, then return, so the ledger sees both);
 * conflict: contradicts a terminal outcome the provider already reported (goes to ops, never silently dropped).
 */
type Transition = 'apply' | 'noop' | 'settle_first' | 'conflict';

export const ACH_PULL_TRANSITIONS: Readonly<Record<AchPullStatus, Readonly<Record<Outcome, Transition>>>> = {
  CREATED: { PENDING: 'apply', SETTLED: 'apply', FAILED: 'apply', RETURNED: 'settle_first', CANCELLED: 'apply' },
  PENDING: { PENDING: 'noop', SETTLED: 'apply', FAILED: 'apply', RETURNED: 'settle_first', CANCELLED: 'apply' },
  SETTLED: { PENDING: 'noop', SETTLED: 'noop', FAILED: 'conflict', RETURNED: 'apply', CANCELLED: 'conflict' },
  FAILED: { PENDING: 'noop', SETTLED: 'conflict', FAILED: 'noop', RETURNED: 'conflict', CANCELLED: 'conflict' },
  RETURNED: { PENDING: 'noop', SETTLED: 'noop', FAILED: 'conflict', RETURNED: 'noop', CANCELLED: 'conflict' },
  CANCELLED: { PENDING: 'noop', SETTLED: 'conflict', FAILED: 'conflict', RETURNED: 'conflict', CANCELLED: 'noop' },
};

function existing(state: AchPullState): ExistingPull {
  if (state.status === 'NONE') throw DomainError.notFound('ach pull', 'pull_id');
  return state;
}

function assertSameTransfer(state: ExistingPull, providerTransferId: string | undefined): void {
  if (providerTransferId !== undefined && state.providerTransferId !== undefined && state.providerTransferId !== providerTransferId) {
    throw DomainError.invalidState(
      `ach pull ${state.request.pull_id} belongs to provider transfer ${state.providerTransferId}, not ${providerTransferId}`,
      'provider_transfer_mismatch',
    );
  }
}

/** AchPullSubmitted when a provider outcome is the first we hear of the provider transfer id. */
function submittedIfNew(state: ExistingPull, providerTransferId: string | undefined): AchPullEvent[] {
  if (providerTransferId === undefined || state.providerTransferId !== undefined) return [];
  return [{ type: 'AchPullSubmitted', data: { pull_id: state.request.pull_id, user_id: state.request.user_id, provider_transfer_id: providerTransferId } }];
}

function decideOutcome(state: ExistingPull, outcome: Outcome, providerTransferId: string | undefined, events: () => AchPullEvent[]): AchPullEvent[] {
  assertSameTransfer(state, providerTransferId);
  const transition = ACH_PULL_TRANSITIONS[state.status][outcome];
  switch (transition) {
    case 'noop':
      return [];
    case 'conflict':
      throw DomainError.invalidState(`ach pull is ${state.status}; the provider reported ${outcome} afterwards`, 'ach_pull_outcome_conflict');
    case 'apply':
      return [...submittedIfNew(state, providerTransferId), ...events()];
    case 'settle_first':
      // Only MarkReturned settles first, and its provider_transfer_id is required.
      return [...submittedIfNew(state, providerTransferId), settled(state, providerTransferId as string), ...events()];
    default:
      return assertNever(transition, 'ach pull transition');
  }
}

function settled(state: ExistingPull, providerTransferId: string): AchPullEvent {
  const { pull_id, user_id, amount_minor, currency } = state.request;
  return { type: 'AchPullSettled', data: { pull_id, user_id, provider_transfer_id: providerTransferId, amount_minor, currency } };
}

export const achPullDecider: Decider<AchPullState, AchPullCommand, AchPullEvent> = {
  initialState: () => ({ status: 'NONE' }),

  decide(command, state) {
    switch (command.type) {
      case 'RequestAchPull': {
        const data = command.data;
        const receiverType = validateRequest(data);
        if (state.status !== 'NONE') {
          if (sameRequest(state.request, data, receiverType)) return [];
          throw new DomainError('ErrorAlreadyExists', 'an ach pull with this id already exists with different details', 'CategoryConflict', [
            { key: 'issue', details: 'ach_pull_exists' },
          ]);
        }
        const link = assertEligible(data);
        const requested: AchPullRequestedData = {
          pull_id: data.pull_id,
          user_id: data.user_id,
          amount_minor: minorToString(data.amount.amountMinor),
          currency: 'USD',
          via: data.via,
          source: { link_id: link.link_id, account_id: link.account_id, mask: link.mask },
          receiver_type: receiverType,
          ...(data.destination ? { destination_account_uuid: data.destination.account_uuid } : {}),
          ...(data.ip_address !== undefined ? { ip_address: data.ip_address } : {}),
          ...(data.target_account_uuid !== undefined ? { target_account_uuid: data.target_account_uuid } : {}),
          ...(data.user_note !== undefined ? { user_note: data.user_note } : {}),
        };
        return [{ type: 'AchPullRequested', data: requested }];
      }
      case 'RecordProviderSubmission': {
        const pull = existing(state);
        assertSameTransfer(pull, command.data.provider_transfer_id);
        return submittedIfNew(pull, command.data.provider_transfer_id);
      }
      case 'MarkPending': {
        const pull = existing(state);
        const { provider_transfer_id } = command.data;
        return decideOutcome(pull, 'PENDING', provider_transfer_id, () => [
          { type: 'AchPullPending', data: { pull_id: pull.request.pull_id, user_id: pull.request.user_id, provider_transfer_id } },
        ]);
      }
      case 'MarkSettled': {
        const pull = existing(state);
        const { provider_transfer_id } = command.data;
        return decideOutcome(pull, 'SETTLED', provider_transfer_id, () => [settled(pull, provider_transfer_id)]);
      }
      case 'MarkFailed': {
        const pull = existing(state);
        const { provider_transfer_id, code, description } = command.data;
        const transferId = provider_transfer_id ?? pull.providerTransferId;
        return decideOutcome(pull, 'FAILED', provider_transfer_id, () => [
          {
            type: 'AchPullFailed',
            data: {
              pull_id: pull.request.pull_id,
              user_id: pull.request.user_id,
              ...(transferId !== undefined ? { provider_transfer_id: transferId } : {}),
              reason: { code, description: describeAchReturn(code, description) },
            },
          },
        ]);
      }
      case 'MarkReturned': {
        const pull = existing(state);
        const { provider_transfer_id, ach_return_code, description } = command.data;
        const { pull_id, user_id, amount_minor, currency } = pull.request;
        return decideOutcome(pull, 'RETURNED', provider_transfer_id, () => [
          {
            type: 'AchPullReturned',
            data: { pull_id, user_id, provider_transfer_id, ach_return_code, description: describeAchReturn(ach_return_code, description), amount_minor, currency },
          },
        ]);
      }
      case 'MarkCancelled': {
        const pull = existing(state);
        const transferId = command.data.provider_transfer_id ?? pull.providerTransferId;
        return decideOutcome(pull, 'CANCELLED', command.data.provider_transfer_id, () => [
          {
            type: 'AchPullCancelled',
            data: { pull_id: pull.request.pull_id, user_id: pull.request.user_id, ...(transferId !== undefined ? { provider_transfer_id: transferId } : {}) },
          },
        ]);
      }
      case 'RequestCancel': {
        const pull = existing(state);
        switch (pull.status) {
          case 'CREATED':
          case 'PENDING':
            return pull.cancelRequested ? [] : [{ type: 'AchPullCancelRequested', data: { pull_id: pull.request.pull_id, user_id: pull.request.user_id } }];
          case 'CANCELLED':
            return [];
          case 'SETTLED':
          case 'FAILED':
          case 'RETURNED':
            throw DomainError.invalidState(`ach pull is ${pull.status} and can no longer be cancelled`, 'ach_pull_not_cancellable');
          default:
            return assertNever(pull.status, 'ach pull status');
        }
      }
      case 'DeclineCancel': {
        const pull = existing(state);
        if (!pull.cancelRequested) return [];
        return [{ type: 'AchPullCancelDeclined', data: { pull_id: pull.request.pull_id, user_id: pull.request.user_id, reason: command.data.reason } }];
      }
      default:
        return assertNever(command, 'ach pull command');
    }
  },

  evolve(state, event) {
    if (event.type === 'AchPullRequested') return { status: 'CREATED', request: event.data, cancelRequested: false };
    if (state.status === 'NONE') return state;
    switch (event.type) {
      case 'AchPullSubmitted':
        return { ...state, providerTransferId: event.data.provider_transfer_id };
      case 'AchPullPending':
        return { ...state, status: 'PENDING', providerTransferId: event.data.provider_transfer_id };
      case 'AchPullSettled':
        return { ...state, status: 'SETTLED', providerTransferId: event.data.provider_transfer_id, cancelRequested: false };
      case 'AchPullFailed':
        return {
          ...state,
          status: 'FAILED',
          providerTransferId: event.data.provider_transfer_id ?? state.providerTransferId,
          failure: event.data.reason,
          cancelRequested: false,
        };
      case 'AchPullReturned':
        return {
          ...state,
          status: 'RETURNED',
          providerTransferId: event.data.provider_transfer_id,
          returned: { ach_return_code: event.data.ach_return_code, description: event.data.description },
        };
      case 'AchPullCancelRequested':
        return { ...state, cancelRequested: true };
      case 'AchPullCancelDeclined':
        return { ...state, cancelRequested: false };
      case 'AchPullCancelled':
        return { ...state, status: 'CANCELLED', providerTransferId: event.data.provider_transfer_id ?? state.providerTransferId, cancelRequested: false };
      default:
        return assertNever(event, 'ach pull event');
    }
  },
};
