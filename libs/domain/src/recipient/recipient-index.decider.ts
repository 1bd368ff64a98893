import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';

/**
 * The user's recipient index, stream `recipients-{userId}`: which recipients the user has (with their account
 * fingerprints) and which one is the default.
 *
 * Why a stream of its own: "one default per user" and "no duplicate recipient" are rules over all of a user's
 * recipients, and the event store only guarantees consistency within one stream (optimistic concurrency on its
 * revision). Every command that could break either rule — register a new recipient, set or clear the default,
 * release a removed recipient — is decided against this one stream's latest state and appended with its expected
 * revision, so two concurrent requests can never both become the default or both save the same account: the loser
 * is re-decided against the winner's events. Keeping the details out of it keeps it small (ids and fingerprints).
 *
 * The two streams are written one after the other, never atomically, so the API orders the writes to make every
 * intermediate state safe:
 *   - add: register here first (the claim), then RecipientAdded in `recipient-{id}`. A crash in between leaves a
 *     claim with no recipient: it shows nowhere (read models follow RecipientAdded), and once it is older than
 *     STALE_CLAIM_AFTER_MS the next add of the same account completes it instead of reporting a duplicate (see the
 *     create handler). A younger one is an add still in flight: a concurrent add of the same account is a duplicate.
 *   - remove: RecipientRemoved in `recipient-{id}` first, then release here (which also clears the default). A crash
 *     in between leaves a claim on a removed recipient: payouts refuse removed recipients, and the next add of the
 *     same account or a repeated DELETE releases it.
 */
export const recipientIndexStreamId = (userId: string): string => `recipients-${userId}`;

export type RecipientIndexEvent =
  | DomainEvent<'RecipientRegistered', { user_id: string; recipient_id: string; fingerprint: string; registered_at: string }>
  | DomainEvent<'DefaultRecipientChanged', { user_id: string; recipient_id: string | null; previous_recipient_id: string | null }>
  | DomainEvent<'RecipientReleased', { user_id: string; recipient_id: string }>;

export type RecipientIndexCommand =
  | CommandEnvelope<'RegisterRecipient', { user_id: string; recipient_id: string; fingerprint: string; main_recipient: boolean }>
  /** main_recipient true: make it the default; false: if it is the default, the user has no default any more. */
  | CommandEnvelope<'SetDefaultRecipient', { user_id: string; recipient_id: string; main_recipient: boolean }>
  | CommandEnvelope<'ReleaseRecipient', { user_id: string; recipient_id: string }>;

export interface RegisteredRecipient {
  fingerprint: string;
  registered_at: string;
}

export interface RecipientIndexState {
  /** Each registered (not released) recipient, by recipient id. */
  recipients: Readonly<Record<string, RegisteredRecipient>>;
  defaultRecipientId: string | null;
}

/** The registered recipient holding this account fingerprint, if any. */
export function recipientWithFingerprint(state: RecipientIndexState, fingerprint: string): string | undefined {
  return Object.keys(state.recipients).find((id) => state.recipients[id].fingerprint === fingerprint);
}

/** A claim whose recipient stream is still empty after this long was left by an interrupted add, not one in flight. */
export const STALE_CLAIM_AFTER_MS = 60_000;

export function isStaleClaim(state: RecipientIndexState, recipientId: string, now: Date): boolean {
  const registered = state.recipients[recipientId];
  return registered !== undefined && now.getTime() - Date.parse(registered.registered_at) > STALE_CLAIM_AFTER_MS;
}

export const DUPLICATE_RECIPIENT_ISSUE = 'duplicate_recipient';

/** 409: the user already has a recipient for this bank account (same fingerprint). Names the existing recipient. */
export function duplicateRecipientError(existingRecipientId: string): DomainError {
  return new DomainError('ErrorAlreadyExists', 'a recipient with these bank account details already exists', 'CategoryConflict', [
    { key: 'field', details: 'account_details.account_number' },
    { key: 'issue', details: DUPLICATE_RECIPIENT_ISSUE },
    { key: 'recipient_uuid', details: existingRecipientId },
  ]);
}

/** The recipient a duplicateRecipientError names, or undefined for any other error. */
export function duplicateRecipientOf(error: unknown): string | undefined {
  if (!(error instanceof DomainError) || !error.details.some((d) => d.key === 'issue' && d.details === DUPLICATE_RECIPIENT_ISSUE)) return undefined;
  return error.details.find((d) => d.key === 'recipient_uuid')?.details;
}

const changeDefault = (user_id: string, state: RecipientIndexState, recipient_id: string | null): RecipientIndexEvent => ({
  type: 'DefaultRecipientChanged',
  data: { user_id, recipient_id, previous_recipient_id: state.defaultRecipientId },
});

export const recipientIndexDecider: Decider<RecipientIndexState, RecipientIndexCommand, RecipientIndexEvent> = {
  initialState: () => ({ recipients: {}, defaultRecipientId: null }),

  decide(command, state) {
    switch (command.type) {
      case 'RegisterRecipient': {
        const { user_id, recipient_id, fingerprint, main_recipient } = command.data;
        const registered = state.recipients[recipient_id];
        if (registered !== undefined) {
          // A retried registration of the same recipient changes nothing.
          if (registered.fingerprint === fingerprint) return [];
          throw DomainError.invalidState('this recipient id is already used by another recipient', 'recipient_id_conflict');
        }
        const duplicate = recipientWithFingerprint(state, fingerprint);
        if (duplicate !== undefined) throw duplicateRecipientError(duplicate);
        const registeredEvent: RecipientIndexEvent = {
          type: 'RecipientRegistered',
          data: { user_id, recipient_id, fingerprint, registered_at: command.now.toISOString() },
        };
        return main_recipient ? [registeredEvent, changeDefault(user_id, state, recipient_id)] : [registeredEvent];
      }
      case 'SetDefaultRecipient': {
        const { user_id, recipient_id, main_recipient } = command.data;
        if (state.recipients[recipient_id] === undefined) throw DomainError.notFound('recipient', 'uuid');
        const isDefault = state.defaultRecipientId === recipient_id;
        if (main_recipient === isDefault) return [];
        return [changeDefault(user_id, state, main_recipient ? recipient_id : null)];
      }
      case 'ReleaseRecipient': {
        const { user_id, recipient_id } = command.data;
        if (state.recipients[recipient_id] === undefined) return [];
        const released: RecipientIndexEvent = { type: 'RecipientReleased', data: { user_id, recipient_id } };
        return state.defaultRecipientId === recipient_id ? [released, changeDefault(user_id, state, null)] : [released];
      }
      default:
        return assertNever(command, 'recipient index command');
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'RecipientRegistered': {
        const { recipient_id, fingerprint, registered_at } = event.data;
        return { ...state, recipients: { ...state.recipients, [recipient_id]: { fingerprint, registered_at } } };
      }
      case 'DefaultRecipientChanged':
        return { ...state, defaultRecipientId: event.data.recipient_id };
      case 'RecipientReleased': {
        const { [event.data.recipient_id]: _released, ...recipients } = state.recipients;
        return { ...state, recipients };
      }
      default:
        return assertNever(event, 'recipient index event');
    }
  },
};
