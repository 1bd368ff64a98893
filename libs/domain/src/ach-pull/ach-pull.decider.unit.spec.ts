import {
  achPullDecider,
  AchPullEvent,
  achPullLinkFacts,
  AchPullLinkFacts,
  AchPullRequestedData,
  achPullStreamId,
  parseAchPullMoney,
  RequestAchPullData,
} from './ach-pull.decider';
import { CustomerFacts } from '../customer/customer.decider';
import { BankLinkState } from '../bank-link/bank-link.decider';
import { DomainError } from '../shared/domain-error';
import { fold } from '../shared/decider';
import { deciderSpec } from '../testing/decider-spec';

const now = new Date('2026-01-02T03:04:05Z');
const spec = deciderSpec(achPullDecider);
const eligible: CustomerFacts = { exists: true, type: 'individual', userStatus: 'FULL_USER' };
const activeLink: AchPullLinkFacts = { status: 'ACTIVE', link_id: 'link-1', account_id: 'acc-1', mask: '0000' };
const usd = (amountMinor: bigint) => ({ amountMinor, currency: 'USD' as const });

/** The Accounts API request of the seed: {amount: 100.5, currency: USD, source_account_uuid, ip_address} on account a1. */
const accountsApi = (overrides: Partial<RequestAchPullData> = {}) =>
  ({
    type: 'RequestAchPull',
    data: {
      pull_id: 'p1',
      user_id: 'u1',
      amount: usd(10050n),
      via: 'ACCOUNTS_API',
      customer: eligible,
      link: activeLink,
      source_account_uuid: 'link-1',
      destination: { account_uuid: 'a1', owner_user_id: 'u1', currency: 'USD' },
      ip_address: '203.0.113.1',
      ...overrides,
    },
    now,
  }) as const;
/** The linked-bank-account request: {amount} only. */
const linkedBankAccount = (overrides: Partial<RequestAchPullData> = {}) =>
  ({ type: 'RequestAchPull', data: { pull_id: 'p1', user_id: 'u1', amount: usd(2500n), via: 'LINKED_BANK_ACCOUNT', customer: eligible, link: activeLink, ...overrides }, now }) as const;

const requestedData: AchPullRequestedData = {
  pull_id: 'p1',
  user_id: 'u1',
  amount_minor: '10050',
  currency: 'USD',
  via: 'ACCOUNTS_API',
  source: { link_id: 'link-1', account_id: 'acc-1', mask: '0000' },
  receiver_type: 'BANK_ACCOUNT',
  destination_account_uuid: 'a1',
  ip_address: '203.0.113.1',
};
const ids = { pull_id: 'p1', user_id: 'u1' };
const requested: AchPullEvent = { type: 'AchPullRequested', data: requestedData };
const submitted: AchPullEvent = { type: 'AchPullSubmitted', data: { ...ids, provider_transfer_id: 't1' } };
const pending: AchPullEvent = { type: 'AchPullPending', data: { ...ids, provider_transfer_id: 't1' } };
const settled: AchPullEvent = { type: 'AchPullSettled', data: { ...ids, provider_transfer_id: 't1', amount_minor: '10050', currency: 'USD' } };
const failed: AchPullEvent = {
  type: 'AchPullFailed',
  data: { ...ids, provider_transfer_id: 't1', reason: { code: 'R13', description: 'Invalid ACH routing number' } },
};
const returned: AchPullEvent = {
  type: 'AchPullReturned',
  data: { ...ids, provider_transfer_id: 't1', ach_return_code: 'R01', description: 'Insufficient funds', amount_minor: '10050', currency: 'USD' },
};
const cancelRequested: AchPullEvent = { type: 'AchPullCancelRequested', data: ids };
const cancelled: AchPullEvent = { type: 'AchPullCancelled', data: { ...ids, provider_transfer_id: 't1' } };

const markPending = { type: 'MarkPending', data: { provider_transfer_id: 't1' }, now } as const;
const markSettled = { type: 'MarkSettled', data: { provider_transfer_id: 't1' }, now } as const;
const markFailed = { type: 'MarkFailed', data: { provider_transfer_id: 't1', code: 'R13', description: null }, now } as const;
const markReturned = { type: 'MarkReturned', data: { provider_transfer_id: 't1', ach_return_code: 'R01' }, now } as const;
const markCancelled = { type: 'MarkCancelled', data: { provider_transfer_id: 't1' }, now } as const;

describe('AchPull decider', () => {
  it('names its stream ach-pull-{id}', () => {
    expect(achPullStreamId('p1')).toBe('ach-pull-p1');
  });

  describe('requesting a pull', () => {
    it('records the Accounts API request with the amount as a minor-unit string and BANK_ACCOUNT by default', () => {
      spec.given([]).when(accountsApi()).then([requested]);
    });

    it('keeps the optional fields it was given', () => {
      spec
        .given([])
        .when(accountsApi({ receiver_type: 'BANK_ACCOUNT', target_account_uuid: 't-acc', user_note: 'rent', ip_address: '2001:db8::1' }))
        .then([{ type: 'AchPullRequested', data: { ...requestedData, target_account_uuid: 't-acc', user_note: 'rent', ip_address: '2001:db8::1' } }]);
    });

    it('records the linked-bank-account request (amount only) from the ACTIVE link', () => {
      spec
        .given([])
        .when(linkedBankAccount())
        .then([
          {
            type: 'AchPullRequested',
            data: { ...ids, amount_minor: '2500', currency: 'USD', via: 'LINKED_BANK_ACCOUNT', source: { link_id: 'link-1', account_id: 'acc-1', mask: '0000' }, receiver_type: 'BANK_ACCOUNT' },
          },
        ]);
    });

    it('produces JSON-safe events (no bigint, survives a JSON round trip)', () => {
      const events = achPullDecider.decide(accountsApi(), achPullDecider.initialState());
      expect(JSON.parse(JSON.stringify(events))).toEqual(events);
    });

    it('accepts exactly $10.00 and refuses $9.99 (below the minimum)', () => {
      spec.given([]).when(linkedBankAccount({ amount: usd(1000n) })).then([expect.objectContaining({ type: 'AchPullRequested' })]);
      spec.given([]).when(linkedBankAccount({ amount: usd(999n) })).thenThrows('ErrorInvalidField', 'below_minimum');
    });

    it('refuses zero, negative and non-USD amounts even if handed an already parsed Money', () => {
      spec.given([]).when(accountsApi({ amount: usd(0n) })).thenThrows('ErrorInvalidField', 'not_positive');
      spec.given([]).when(accountsApi({ amount: usd(-500n) })).thenThrows('ErrorInvalidField', 'not_positive');
      spec.given([]).when(accountsApi({ amount: { amountMinor: 10050n, currency: 'EUR' } })).thenThrows('ErrorInvalidField', 'unsupported_currency');
    });

    it.each(['not-an-ip', '256.1.1.1', '1.2.3', '203.0.113.1 ', '', '1::2::3', 'fe80::1%eth0'])('refuses ip_address %p', (ip_address) => {
      spec.given([]).when(accountsApi({ ip_address })).thenThrows('ErrorInvalidField', 'invalid_ip_address');
    });

    it('requires ip_address, source_account_uuid and the path account on the Accounts API only', () => {
      spec.given([]).when(accountsApi({ ip_address: undefined })).thenThrows('ErrorMissingField');
      spec.given([]).when(accountsApi({ source_account_uuid: undefined })).thenThrows('ErrorMissingField');
      spec.given([]).when(accountsApi({ destination: undefined })).thenThrows('ErrorMissingField');
      spec.given([]).when(linkedBankAccount({ ip_address: '203.0.113.1' })).then([expect.objectContaining({ type: 'AchPullRequested' })]);
      spec.given([]).when(linkedBankAccount({ ip_address: 'nope' })).thenThrows('ErrorInvalidField', 'invalid_ip_address');
    });

    it('accepts a 500-character note (counted in characters, not UTF-16 units) and refuses 501', () => {
      spec.given([]).when(accountsApi({ user_note: 'x'.repeat(500) })).then([expect.objectContaining({ type: 'AchPullRequested' })]);
      spec.given([]).when(accountsApi({ user_note: '💸'.repeat(500) })).then([expect.objectContaining({ type: 'AchPullRequested' })]);
      spec.given([]).when(accountsApi({ user_note: 'x'.repeat(501) })).thenThrows('ErrorInvalidField', 'too_long');
    });

    it('refuses receiver types other than BANK_ACCOUNT', () => {
      spec.given([]).when(accountsApi({ receiver_type: 'CRYPTO_ADDRESS' })).thenThrows('ErrorInvalidField', 'unsupported_receiver_type');
      spec.given([]).when(accountsApi({ receiver_type: 'bank_account' })).thenThrows('ErrorInvalidField', 'unsupported_receiver_type');
    });

    it.each([
      [{ exists: false }, 'profile_missing'],
      [{ exists: true, type: 'individual', userStatus: 'PENDING_KYC' }, 'user_not_full_user'],
      [{ exists: true, type: 'individual', userStatus: 'KYC_REJECTED' }, 'user_not_full_user'],
      [{ exists: true, type: 'business', userStatus: 'FULL_USER' }, 'individual_users_only'],
      [{ exists: true, type: 'joint', userStatus: 'FULL_USER' }, 'individual_users_only'],
    ] as [CustomerFacts, string][])('refuses an ineligible customer %j (%s)', (customer, issue) => {
      spec.given([]).when(accountsApi({ customer })).thenThrows('ErrorNotEligible', issue);
    });

    it.each([
      [{ status: 'NONE' }, 'bank_account_not_linked'],
      [{ status: 'UNLINKED' }, 'bank_account_not_linked'],
      [{ status: 'PENDING' }, 'bank_link_not_active'],
      [{ status: 'ERROR' }, 'bank_link_not_active'],
    ] as [AchPullLinkFacts, string][])('refuses a link that is not ACTIVE: %j', (link, issue) => {
      spec.given([]).when(accountsApi({ link })).thenThrows('ErrorNotEligible', issue);
    });

    it("refuses another user's linked account or destination account as not found", () => {
      spec.given([]).when(accountsApi({ source_account_uuid: 'someone-elses-link' })).thenThrows('ErrorNotFound');
      spec.given([]).when(accountsApi({ destination: { account_uuid: 'a2', owner_user_id: 'u2', currency: 'USD' } })).thenThrows('ErrorNotFound');
      spec.given([]).when(accountsApi({ destination: { account_uuid: 'missing' } })).thenThrows('ErrorNotFound');
      spec.given([]).when(accountsApi({ destination: { account_uuid: 'a1', owner_user_id: 'u1', currency: 'EUR' } })).thenThrows('ErrorInvalidField', 'unsupported_currency');
    });

    it('checks the fields (400) before eligibility (422)', () => {
      spec.given([]).when(accountsApi({ amount: usd(999n), customer: { exists: false } })).thenThrows('ErrorInvalidField', 'below_minimum');
    });

    it('treats the same request for the same pull id as a no-op and a different one as a conflict', () => {
      spec.given([requested]).when(accountsApi()).then([]);
      // Still a no-op once the customer or link changed: the pull was accepted when they were fine.
      spec.given([requested, submitted]).when(accountsApi({ link: { status: 'UNLINKED' } })).then([]);
      spec.given([requested]).when(accountsApi({ amount: usd(10051n) })).thenThrows('ErrorAlreadyExists', 'ach_pull_exists');
      spec.given([requested]).when(accountsApi({ user_id: 'u2' })).thenThrows('ErrorAlreadyExists', 'ach_pull_exists');
    });
  });

  describe('provider submission and outcomes', () => {
    it('records the provider transfer once', () => {
      spec.given([requested]).when({ type: 'RecordProviderSubmission', data: { provider_transfer_id: 't1' }, now }).then([submitted]);
      spec.given([requested, submitted]).when({ type: 'RecordProviderSubmission', data: { provider_transfer_id: 't1' }, now }).then([]);
      spec
        .given([requested, submitted])
        .when({ type: 'RecordProviderSubmission', data: { provider_transfer_id: 't2' }, now })
        .thenThrows('ErrorInvalidState', 'provider_transfer_mismatch');
    });

    it('follows created → pending → settled', () => {
      spec.given([requested, submitted]).when(markPending).then([pending]);
      spec.given([requested, submitted, pending]).when(markSettled).then([settled]);
      expect(fold(achPullDecider, [requested, submitted, pending, settled])).toMatchObject({ status: 'SETTLED', providerTransferId: 't1' });
    });

    it('fails a pending pull with the reason, filling the description from the R-code table when the provider gives none', () => {
      spec.given([requested, submitted, pending]).when(markFailed).then([failed]);
      spec
        .given([requested, submitted, pending])
        .when({ type: 'MarkFailed', data: { provider_transfer_id: 't1', code: 'R02', description: 'Account closed by customer' }, now })
        .then([{ type: 'AchPullFailed', data: { ...ids, provider_transfer_id: 't1', reason: { code: 'R02', description: 'Account closed by customer' } } }]);
      expect(fold(achPullDecider, [requested, submitted, pending, failed])).toMatchObject({
        status: 'FAILED',
        failure: { code: 'R13', description: 'Invalid ACH routing number' },
      });
    });

    it('fails a pull the provider never accepted (no provider transfer)', () => {
      spec
        .given([requested])
        .when({ type: 'MarkFailed', data: { code: 'bank_link_not_active', description: 'the link was removed before submission' }, now })
        .then([{ type: 'AchPullFailed', data: { ...ids, reason: { code: 'bank_link_not_active', description: 'the link was removed before submission' } } }]);
    });

    it('returns a settled pull with the R-code and its description (R01 after posting)', () => {
      spec.given([requested, submitted, pending, settled]).when(markReturned).then([returned]);
      expect(fold(achPullDecider, [requested, submitted, pending, settled, returned])).toMatchObject({
        status: 'RETURNED',
        returned: { ach_return_code: 'R01', description: 'Insufficient funds' },
      });
    });

    it('cancels a pending pull when the provider reports it cancelled', () => {
      spec.given([requested, submitted, pending]).when(markCancelled).then([cancelled]);
      spec.given([requested, submitted]).when({ type: 'MarkCancelled', data: {}, now }).then([cancelled]);
    });

    it('converges when the posting arrives before pending, and ignores the late pending', () => {
      spec.given([requested, submitted]).when(markSettled).then([settled]);
      spec.given([requested, submitted, settled]).when(markPending).then([]);
      expect(fold(achPullDecider, [requested, submitted, settled]).status).toBe('SETTLED');
    });

    it('records the provider transfer from an outcome that arrives before the submission was recorded', () => {
      spec.given([requested]).when(markPending).then([submitted, pending]);
      spec.given([requested]).when(markSettled).then([submitted, settled]);
      spec.given([requested, submitted, settled]).when({ type: 'RecordProviderSubmission', data: { provider_transfer_id: 't1' }, now }).then([]);
    });

    it('settles before returning when the reversal arrives before the posting (the ledger sees both)', () => {
      spec.given([requested, submitted, pending]).when(markReturned).then([settled, returned]);
      spec.given([requested]).when(markReturned).then([submitted, settled, returned]);
      spec.given([requested, submitted, pending, settled, returned]).when(markSettled).then([]);
      spec.given([requested, submitted, pending, settled, returned]).when(markPending).then([]);
    });

    it.each([
      ['pending', [requested, submitted, pending], markPending],
      ['settled', [requested, submitted, pending, settled], markSettled],
      ['failed', [requested, submitted, pending, failed], markFailed],
      ['returned', [requested, submitted, pending, settled, returned], markReturned],
      ['cancelled', [requested, submitted, pending, cancelled], markCancelled],
    ] as const)('changes nothing for a duplicate %s outcome', (_name, given, command) => {
      spec.given([...given]).when(command).then([]);
    });

    it.each([
      ['failed after settled', [requested, submitted, settled], markFailed],
      ['cancelled after settled', [requested, submitted, settled], markCancelled],
      ['settled after failed', [requested, submitted, failed], markSettled],
      ['returned after failed', [requested, submitted, failed], markReturned],
      ['cancelled after failed', [requested, submitted, failed], markCancelled],
      ['failed after returned', [requested, submitted, settled, returned], markFailed],
      ['settled after cancelled', [requested, submitted, cancelled], markSettled],
      ['failed after cancelled', [requested, submitted, cancelled], markFailed],
      ['returned after cancelled', [requested, submitted, cancelled], markReturned],
    ] as const)('refuses a contradictory outcome (%s) instead of dropping it', (_name, given, command) => {
      spec.given([...given]).when(command).thenThrows('ErrorInvalidState', 'ach_pull_outcome_conflict');
    });

    it('ignores a late pending after any terminal outcome', () => {
      for (const terminal of [failed, cancelled]) spec.given([requested, submitted, terminal]).when(markPending).then([]);
    });

    it('refuses an outcome for another provider transfer', () => {
      spec
        .given([requested, submitted])
        .when({ type: 'MarkSettled', data: { provider_transfer_id: 't2' }, now })
        .thenThrows('ErrorInvalidState', 'provider_transfer_mismatch');
    });

    it('refuses outcomes and cancels for a pull that does not exist', () => {
      for (const command of [markPending, markSettled, markFailed, markReturned, markCancelled, { type: 'RequestCancel', data: {}, now } as const]) {
        spec.given([]).when(command).thenThrows('ErrorNotFound');
      }
    });
  });

  describe('cancelling', () => {
    const requestCancel = { type: 'RequestCancel', data: {}, now } as const;

    it('records a cancel request while the pull is created or pending, once', () => {
      spec.given([requested]).when(requestCancel).then([cancelRequested]);
      spec.given([requested, submitted, pending]).when(requestCancel).then([cancelRequested]);
      spec.given([requested, submitted, pending, cancelRequested]).when(requestCancel).then([]);
      spec.given([requested, submitted, pending, cancelRequested, cancelled]).when(requestCancel).then([]);
    });

    it('refuses to cancel once settled, failed or returned', () => {
      for (const given of [[settled], [failed], [settled, returned]]) {
        spec.given([requested, submitted, ...given]).when(requestCancel).thenThrows('ErrorInvalidState', 'ach_pull_not_cancellable');
      }
    });

    it('records that the provider declined the cancel, after which the pull carries on and may be asked again', () => {
      const declined: AchPullEvent = { type: 'AchPullCancelDeclined', data: { ...ids, reason: 'bank transfer is not cancellable' } };
      spec.given([requested, submitted, pending, cancelRequested]).when({ type: 'DeclineCancel', data: { reason: 'bank transfer is not cancellable' }, now }).then([declined]);
      spec.given([requested, submitted, pending]).when({ type: 'DeclineCancel', data: { reason: 'x' }, now }).then([]);
      spec.given([requested, submitted, pending, cancelRequested, declined]).when(markSettled).then([settled]);
      spec.given([requested, submitted, pending, cancelRequested, declined]).when(requestCancel).then([cancelRequested]);
    });

    it('settles normally when the posting wins the race with a cancel request', () => {
      spec.given([requested, submitted, pending, cancelRequested]).when(markSettled).then([settled]);
      expect(fold(achPullDecider, [requested, submitted, pending, cancelRequested, settled])).toMatchObject({ status: 'SETTLED', cancelRequested: false });
    });
  });

  describe('helpers for the edge', () => {
    it.each([
      [9.99, 'USD', 999n],
      ['25.00', 'USD', 2500n],
      [100.5, 'USD', 10050n],
    ])('parses amount %p %s', (amount, currency, minor) => {
      expect(parseAchPullMoney(amount, currency)).toEqual(usd(minor));
    });

    it.each([
      [10.001, 'USD', 'ErrorInvalidField', 'too_many_decimals'],
      [-5, 'USD', 'ErrorInvalidField', 'negative'],
      [0, 'USD', 'ErrorInvalidField', 'not_positive'],
      ['abc', 'USD', 'ErrorInvalidField', 'not_a_decimal'],
      ['1e3', 'USD', 'ErrorInvalidField', 'exponent_notation'],
      [25, 'EUR', 'ErrorInvalidField', 'unsupported_currency'],
      [25, 'usd', 'ErrorInvalidField', 'unsupported_currency'],
      [25, 'XYZ', 'ErrorInvalidField', 'unsupported_currency'],
      [25, undefined, 'ErrorMissingField', 'required'],
      [undefined, 'USD', 'ErrorMissingField', 'required'],
    ])('refuses amount %p currency %p', (amount, currency, reason, issue) => {
      let caught: unknown;
      try {
        parseAchPullMoney(amount, currency);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DomainError);
      expect((caught as DomainError).reason).toBe(reason);
      expect((caught as DomainError).details).toContainEqual({ key: 'issue', details: issue });
    });

    it('derives link facts from the bank-link state', () => {
      const active: BankLinkState = {
        status: 'ACTIVE',
        linkId: 'link-1',
        userId: 'u1',
        linkToken: 'tok',
        account: {
          item_id: 'item-1',
          account_id: 'acc-1',
          mask: '0000',
          account_name: 'Plaid Checking',
          account_subtype: 'checking',
          institution_id: 'ins_1',
          bank_name: 'First Platypus Bank',
          access_token_encrypted: 'v1:abc',
        },
      };
      expect(achPullLinkFacts(active)).toEqual(activeLink);
      expect(achPullLinkFacts({ status: 'NONE' })).toEqual({ status: 'NONE' });
      expect(achPullLinkFacts({ status: 'ERROR', linkId: 'link-1', userId: 'u1', linkToken: 'tok' })).toEqual({ status: 'ERROR' });
      expect(achPullLinkFacts({ status: 'UNLINKED', linkId: 'link-1', userId: 'u1', linkToken: 'tok' })).toEqual({ status: 'UNLINKED' });
    });
  });
});
