import { accountDecider, AccountEvent } from './account.decider';
import { CustomerFacts } from '../customer/customer.decider';
import { deciderSpec } from '../testing/decider-spec';

const now = new Date('2026-01-01T00:00:00Z');
const spec = deciderSpec(accountDecider);
const customer: CustomerFacts = { exists: true, type: 'individual', userStatus: 'FULL_USER' };
const open = (account_type: 'checking' | 'savings' = 'checking', facts: CustomerFacts = customer) =>
  ({ type: 'OpenAccount', data: { account_id: 'a1', user_id: 'u1', currency: 'USD', account_type, customer: facts }, now }) as const;
const opened: AccountEvent = { type: 'AccountOpened', data: { account_id: 'a1', user_id: 'u1', currency: 'USD', account_type: 'checking' } };

describe('Account decider (opening)', () => {
  it('opens an account for a user with a profile', () => {
    spec.given([]).when(open()).then([opened]);
  });
  it('treats opening the same account again as a no-op', () => {
    spec.given([opened]).when(open()).then([]);
  });
  it('refuses a second account of another type in the same currency', () => {
    spec.given([opened]).when(open('savings')).thenThrows('ErrorAlreadyExists', 'account_exists');
  });
  it('refuses a user without a profile', () => {
    spec.given([]).when(open('checking', { exists: false })).thenThrows('ErrorNotEligible', 'profile_missing');
  });
});
