import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { parseTrimmedText, SealedRecipientAccount } from './recipient-account';

/**
 * A saved recipient: an external bank account the user pays out to (seed: "Recipient Management").
 *
 * The recipient's own stream holds its details; the user-level rules (one default per user, no duplicate account)
 * live in the user's recipient index (recipient-index.decider.ts), because no single recipient stream can see the
 * user's other recipients. The account details arrive already sealed: the account and routing numbers are
 * ciphertext + last 4 (sealRecipientAccount), so no event ever holds them in plaintext.
 */
export const recipientStreamId = (recipientId: string): string => `recipient-${recipientId}`;

export const RECIPIENT_ACCOUNT_NAME_MAX_LENGTH = 100;

export interface RecipientAddedData {
  recipient_id: string;
  user_id: string;
  account_name: string;
  account: SealedRecipientAccount;
  /** Keyed HMAC of currency + routing code + account identifier (duplicate detection). */
  fingerprint: string;
  /** ISO-8601, from the command's time. */
  added_at: string;
}

export type RecipientEvent =
  | DomainEvent<'RecipientAdded', RecipientAddedData>
  | DomainEvent<'RecipientRemoved', { recipient_id: string; user_id: string; removed_at: string }>;

export type RecipientCommand =
  | CommandEnvelope<'AddRecipient', Omit<RecipientAddedData, 'added_at'>>
  /** `user_id` is who asks: another user's recipient is "not found", never "forbidden". */
  | CommandEnvelope<'RemoveRecipient', { user_id: string }>;

export type RecipientStatus = 'ACTIVE' | 'DELETED';

export type RecipientState =
  | { status: 'NONE' }
  | {
      status: RecipientStatus;
      recipientId: string;
      userId: string;
      accountName: string;
      account: SealedRecipientAccount;
      fingerprint: string;
      addedAt: string;
    };

/** The account name the user gave: trimmed, 1–100 characters. */
export const parseAccountName = (value: unknown, field = 'account_name'): string => parseTrimmedText(value, field, RECIPIENT_ACCOUNT_NAME_MAX_LENGTH);

export const recipientDecider: Decider<RecipientState, RecipientCommand, RecipientEvent> = {
  initialState: () => ({ status: 'NONE' }),

  decide(command, state) {
    switch (command.type) {
      case 'AddRecipient': {
        const data = { ...command.data, account_name: parseAccountName(command.data.account_name), added_at: command.now.toISOString() };
        if (state.status === 'NONE') return [{ type: 'RecipientAdded', data }];
        // The same account added again under this id (a retried request) changes nothing; anything else is a clash.
        if (state.status === 'ACTIVE' && state.userId === data.user_id && state.fingerprint === data.fingerprint) return [];
        throw DomainError.invalidState('this recipient id is already used by another recipient', 'recipient_id_conflict');
      }
      case 'RemoveRecipient': {
        if (state.status !== 'ACTIVE' || state.userId !== command.data.user_id) throw DomainError.notFound('recipient', 'uuid');
        return [{ type: 'RecipientRemoved', data: { recipient_id: state.recipientId, user_id: state.userId, removed_at: command.now.toISOString() } }];
      }
      default:
        return assertNever(command, 'recipient command');
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'RecipientAdded': {
        const d = event.data;
        return {
          status: 'ACTIVE',
          recipientId: d.recipient_id,
          userId: d.user_id,
          accountName: d.account_name,
          account: d.account,
          fingerprint: d.fingerprint,
          addedAt: d.added_at,
        };
      }
      case 'RecipientRemoved':
        return state.status === 'NONE' ? state : { ...state, status: 'DELETED' };
      default:
        return assertNever(event, 'recipient event');
    }
  },
};
