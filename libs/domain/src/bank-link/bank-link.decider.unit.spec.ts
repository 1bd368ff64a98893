import { bankLinkDecider, BankLinkEvent, LinkedAccount } from './bank-link.decider';
import { CustomerFacts } from '../customer/customer.decider';
import { deciderSpec } from '../testing/decider-spec';

const now = new Date('2026-01-02T03:04:05Z');
const spec = deciderSpec(bankLinkDecider);
const eligible: CustomerFacts = { exists: true, type: 'individual', userStatus: 'FULL_USER' };
const request = (customer: CustomerFacts, link_token = 'link-1') =>
  ({
    type: 'RequestLink',
    data: { link_id: 'l1', user_id: 'u1', customer, link_token, link_url: `https://sandbox/link?token=${link_token}`, expires_at: '2026-01-02T07:04:05Z' },
    now,
  }) as const;
const requested = (link_token = 'link-1'): BankLinkEvent => ({
  type: 'BankLinkRequested',
  data: { link_id: 'l1', user_id: 'u1', link_token, link_url: `https://sandbox/link?token=${link_token}`, expires_at: '2026-01-02T07:04:05Z' },
});
const account: LinkedAccount = {
  item_id: 'item-1',
  account_id: 'acc-1',
  mask: '0000',
  account_name: 'Plaid Checking',
  account_subtype: 'checking',
  institution_id: 'ins_1',
  bank_name: 'First Platypus Bank',
  access_token_encrypted: 'v1:abc',
};
const activated = (link_token = 'link-1'): BankLinkEvent => ({
  type: 'BankLinkActivated',
  data: { ...account, link_id: 'l1', user_id: 'u1', link_token },
});

describe('BankLink decider', () => {
  it('requests a link for an eligible individual FULL_USER', () => {
    spec.given([]).when(request(eligible)).then([requested()]);
  });

  it.each([
    [{ exists: false }, 'profile_missing'],
    [{ exists: true, type: 'individual', userStatus: 'PENDING_KYC' }, 'user_not_full_user'],
    [{ exists: true, type: 'joint', userStatus: 'FULL_USER' }, 'individual_users_only'],
    [{ exists: true, type: 'business', userStatus: 'FULL_USER' }, 'individual_users_only'],
  ] as [CustomerFacts, string][])('refuses an ineligible customer %j (%s)', (customer, issue) => {
    spec.given([]).when(request(customer)).thenThrows('ErrorNotEligible', issue);
  });

  it('refuses relinking while a link is ACTIVE', () => {
    spec.given([requested(), activated()]).when(request(eligible, 'link-2')).thenThrows('ErrorInvalidState', 'already_linked');
  });

  it('allows a new link URL while PENDING or after an ERROR (user retries the flow)', () => {
    spec.given([requested()]).when(request(eligible, 'link-2')).then([requested('link-2')]);
    const failed: BankLinkEvent = {
      type: 'BankLinkFailed',
      data: { link_id: 'l1', user_id: 'u1', link_token: 'link-1', last_error: { error_code: 'USER_EXITED', error_message: 'closed' } },
    };
    spec.given([requested(), failed]).when(request(eligible, 'link-2')).then([requested('link-2')]);
  });

  it('relinks after unlinking', () => {
    const unlinked: BankLinkEvent = { type: 'BankLinkUnlinked', data: { link_id: 'l1', user_id: 'u1', previous_status: 'ACTIVE' } };
    spec.given([requested(), activated(), unlinked]).when(request(eligible, 'link-2')).then([requested('link-2')]);
  });

  it('activates a pending link when the provider completes it', () => {
    spec.given([requested()]).when({ type: 'CompleteLink', data: { ...account, link_token: 'link-1' }, now }).then([activated()]);
  });

  it('ignores a duplicate completion and a completion for a superseded link token', () => {
    spec.given([requested(), activated()]).when({ type: 'CompleteLink', data: { ...account, link_token: 'link-1' }, now }).then([]);
    spec.given([requested(), requested('link-2')]).when({ type: 'CompleteLink', data: { ...account, link_token: 'link-1' }, now }).then([]);
  });

  it('records the provider error when the flow fails', () => {
    const lastError = { error_code: 'INVALID_CREDENTIALS', error_message: 'the credentials were not correct' };
    spec
      .given([requested()])
      .when({ type: 'FailLink', data: { link_token: 'link-1', last_error: lastError }, now })
      .then([{ type: 'BankLinkFailed', data: { link_id: 'l1', user_id: 'u1', link_token: 'link-1', last_error: lastError } }]);
  });

  it('unlinks an active link and refuses to unlink when nothing is linked', () => {
    spec
      .given([requested(), activated()])
      .when({ type: 'Unlink', data: {}, now })
      .then([{ type: 'BankLinkUnlinked', data: { link_id: 'l1', user_id: 'u1', previous_status: 'ACTIVE' } }]);
    spec.given([]).when({ type: 'Unlink', data: {}, now }).thenThrows('ErrorNotFound');
    spec
      .given([requested(), activated(), { type: 'BankLinkUnlinked', data: { link_id: 'l1', user_id: 'u1', previous_status: 'ACTIVE' } }])
      .when({ type: 'Unlink', data: {}, now })
      .thenThrows('ErrorNotFound');
  });
});
