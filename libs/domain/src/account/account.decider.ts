import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { CustomerFacts } from '../customer/customer.decider';

/** Currencies a user can hold an account in (seed: "Supported Recipient Currencies" = bank account currencies). */
export const ACCOUNT_CURRENCIES = ['USD', 'EUR', 'GBP', 'NGN'] as const;
export type AccountCurrency = (typeof ACCOUNT_CURRENCIES)[number];
export const ACCOUNT_TYPES = ['checking', 'savings'] as const;
export type AccountType = (typeof ACCOUNT_TYPES)[number];

/** One account per user and currency: the money consistency boundary (ARCHITECTURE §5). */
export const accountStreamId = (userId: string, currency: AccountCurrency): string => `account-${userId}-${currency}`;

export type AccountEvent = DomainEvent<
  'AccountOpened',
  { account_id: string; user_id: string; currency: AccountCurrency; account_type: AccountType }
>;

export type AccountCommand = CommandEnvelope<
  'OpenAccount',
  { account_id: string; user_id: string; currency: AccountCurrency; account_type: AccountType; customer: CustomerFacts }
>;

export type AccountState =
  | { status: 'NONE' }
  | { status: 'OPEN'; accountId: string; userId: string; currency: AccountCurrency; accountType: AccountType };

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
      default:
        return assertNever(command.type, 'account command');
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'AccountOpened':
        return { status: 'OPEN', accountId: event.data.account_id, userId: event.data.user_id, currency: event.data.currency, accountType: event.data.account_type };
      default:
        return assertNever(event.type, 'account event');
    }
  },
};
