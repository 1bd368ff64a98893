import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { CustomerFacts } from '../customer/customer.decider';

/** One linked external bank account per user (seed: "Single Account Limitation"). */
export const bankLinkStreamId = (userId: string): string => `bank-link-${userId}`;

export type BankLinkStatus = 'PENDING' | 'ACTIVE' | 'ERROR' | 'UNLINKED';

export interface LinkError {
  error_code: string;
  error_message: string;
}

export interface LinkedAccount {
  item_id: string;
  account_id: string;
  /** Last 4 digits of the account number, as the provider reports it. */
  mask: string;
  account_name: string;
  account_subtype: string;
  institution_id: string;
  bank_name: string;
  /** The provider access token, already encrypted (AES-256-GCM) by the caller. Never plaintext in an event. */
  access_token_encrypted: string;
}

export type BankLinkEvent =
  | DomainEvent<'BankLinkRequested', { link_id: string; user_id: string; link_token: string; link_url: string; expires_at: string }>
  | DomainEvent<'BankLinkActivated', LinkedAccount & { link_id: string; user_id: string; link_token: string }>
  | DomainEvent<'BankLinkFailed', { link_id: string; user_id: string; link_token: string; last_error: LinkError }>
  | DomainEvent<'BankLinkUnlinked', { link_id: string; user_id: string; previous_status: Exclude<BankLinkStatus, 'UNLINKED'> }>;

export type BankLinkCommand =
  | CommandEnvelope<
      'RequestLink',
      { link_id: string; user_id: string; customer: CustomerFacts; link_token: string; link_url: string; expires_at: string }
    >
  | CommandEnvelope<'CompleteLink', LinkedAccount & { link_token: string }>
  | CommandEnvelope<'FailLink', { link_token: string; last_error: LinkError }>
  | CommandEnvelope<'Unlink', Record<string, never>>;

export type BankLinkState =
  | { status: 'NONE' }
  | {
      status: BankLinkStatus;
      linkId: string;
      userId: string;
      linkToken: string;
      account?: LinkedAccount;
      lastError?: LinkError;
    };

/**
 * Eligibility to start a link, checked before the provider is asked for a link token (and again in decide):
 * the customer must exist, be FULL_USER and be an individual; an ACTIVE link must be unlinked first.
 */
export function assertCanRequestLink(state: BankLinkState, customer: CustomerFacts): void {
  if (!customer.exists) {
    throw DomainError.notEligible('create the user profile first (POST /user/linked-bank-account/profile)', 'profile_missing');
  }
  if (customer.userStatus !== 'FULL_USER') {
    throw DomainError.notEligible(`user status must be FULL_USER to link a bank account (is ${customer.userStatus})`, 'user_not_full_user');
  }
  if (customer.type !== 'individual') {
    throw DomainError.notEligible('bank linking is only supported for individual users', 'individual_users_only');
  }
  if (state.status === 'ACTIVE') {
    throw DomainError.invalidState('a bank account is already linked; unlink it before linking a new one', 'already_linked');
  }
}

export const bankLinkDecider: Decider<BankLinkState, BankLinkCommand, BankLinkEvent> = {
  initialState: () => ({ status: 'NONE' }),

  decide(command, state) {
    switch (command.type) {
      case 'RequestLink': {
        const { customer, ...data } = command.data;
        assertCanRequestLink(state, customer);
        return [{ type: 'BankLinkRequested', data }];
      }
      case 'CompleteLink': {
        if (state.status === 'NONE') throw DomainError.notFound('bank link');
        // Provider webhooks can repeat or arrive late: an outcome for another (older) link token, or for a link that
        // is no longer pending, changes nothing.
        if (state.linkToken !== command.data.link_token || state.status !== 'PENDING') return [];
        const { link_token, ...account } = command.data;
        return [{ type: 'BankLinkActivated', data: { ...account, link_token, link_id: state.linkId, user_id: state.userId } }];
      }
      case 'FailLink': {
        if (state.status === 'NONE') throw DomainError.notFound('bank link');
        if (state.linkToken !== command.data.link_token || state.status !== 'PENDING') return [];
        return [
          {
            type: 'BankLinkFailed',
            data: { link_id: state.linkId, user_id: state.userId, link_token: command.data.link_token, last_error: command.data.last_error },
          },
        ];
      }
      case 'Unlink': {
        if (state.status === 'NONE' || state.status === 'UNLINKED') throw DomainError.notFound('linked bank account');
        return [{ type: 'BankLinkUnlinked', data: { link_id: state.linkId, user_id: state.userId, previous_status: state.status } }];
      }
      default:
        return assertNever(command, 'bank link command');
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'BankLinkRequested':
        return { status: 'PENDING', linkId: event.data.link_id, userId: event.data.user_id, linkToken: event.data.link_token };
      case 'BankLinkActivated': {
        if (state.status === 'NONE') return state;
        const { link_id: _l, user_id: _u, link_token: _t, ...account } = event.data;
        return { ...state, status: 'ACTIVE', account, lastError: undefined };
      }
      case 'BankLinkFailed':
        return state.status === 'NONE' ? state : { ...state, status: 'ERROR', lastError: event.data.last_error };
      case 'BankLinkUnlinked':
        return state.status === 'NONE' ? state : { ...state, status: 'UNLINKED', account: undefined };
      default:
        return assertNever(event, 'bank link event');
    }
  },
};
