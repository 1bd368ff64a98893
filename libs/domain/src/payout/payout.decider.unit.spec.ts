import { deciderSpec } from '../testing/decider-spec';
import { checkPayoutRequest, parsePayoutMoney, PayoutEvent, payoutDecider, RequestPayoutData } from './payout.decider';
import { domainErrorOf } from '../testing/decider-spec';

const spec = deciderSpec(payoutDecider);
// Tuesday 2026-03-10 12:00 New York: ACH processes that day, settles 2-3 business days later.
const now = new Date('2026-03-10T16:00:00Z');
const request = (over: Partial<RequestPayoutData> = {}): RequestPayoutData => ({
  payout_id: 'p-1',
  user_id: 'u-1',
  amount: { amountMinor: 4000n, currency: 'USD' },
  recipient: { recipient_id: 'r-1', user_id: 'u-1', currency: 'USD' },
  account_currencies: ['USD'],
  ...over,
});
const requested: PayoutEvent = {
  type: 'PayoutRequested',
  data: {
    payout_id: 'p-1',
    user_id: 'u-1',
    recipient_id: 'r-1',
    amount_minor: '4000',
    currency: 'USD',
    rail: 'ACH',
    requested_at: '2026-03-10T16:00:00.000Z',
    expected_settlement: { earliest: '2026-03-12', latest: '2026-03-13' },
  },
};
const ref = { payout_id: 'p-1', user_id: 'u-1' };
const submitted: PayoutEvent = { type: 'PayoutSubmitted', data: { ...ref, provider: 'plaid', provider_payout_id: 'bt-1' } };
const settled: PayoutEvent = { type: 'PayoutSettled', data: { ...ref, amount_minor: '4000', currency: 'USD' } };
const reason = { code: 'R03', description: 'No account' };

describe('payout decider', () => {
  it('requests a payout on the rail of the recipient currency, with its settlement window', () => {
    spec.given([]).when({ type: 'RequestPayout', data: request(), now }).then([requested]);
  });

  it('a EUR payout goes on SEPA and settles the same business day or the next', () => {
    const [event] = payoutDecider.decide(
      { type: 'RequestPayout', data: request({ amount: { amountMinor: 100n, currency: 'EUR' }, recipient: { recipient_id: 'r-2', user_id: 'u-1', currency: 'EUR' }, account_currencies: ['EUR'], reference: 'rent' }), now: new Date('2026-03-10T09:00:00Z') },
      { status: 'NONE' },
    );
    expect(event).toMatchObject({ type: 'PayoutRequested', data: { rail: 'SEPA', currency: 'EUR', reference: 'rent', expected_settlement: { earliest: '2026-03-10', latest: '2026-03-11' } } });
  });

  it('repeating the same request appends nothing; another request under the same id is refused', () => {
    spec.given([requested]).when({ type: 'RequestPayout', data: request(), now }).then([]);
    spec.given([requested]).when({ type: 'RequestPayout', data: request({ amount: { amountMinor: 4001n, currency: 'USD' } }), now }).thenThrows('ErrorInvalidState', 'payout_id_conflict');
  });

  it('refuses a currency other than the recipient\'s, a currency without an account, another user\'s recipient, a long FPS reference', () => {
    spec.given([]).when({ type: 'RequestPayout', data: request({ amount: { amountMinor: 100n, currency: 'EUR' }, account_currencies: ['USD', 'EUR'] }), now }).thenThrows('ErrorInvalidField', 'currency_mismatch');
    spec.given([]).when({ type: 'RequestPayout', data: request({ account_currencies: ['EUR'] }), now }).thenThrows('ErrorNotEligible', 'no_account_in_currency');
    spec.given([]).when({ type: 'RequestPayout', data: request({ recipient: { recipient_id: 'r-1', user_id: 'u-2', currency: 'USD' } }), now }).thenThrows('ErrorNotFound');
    expect(domainErrorOf(() => checkPayoutRequest(request({ amount: { amountMinor: 1n, currency: 'GBP' }, recipient: { recipient_id: 'r', user_id: 'u-1', currency: 'GBP' }, account_currencies: ['GBP'], reference: 'x'.repeat(19) }))).details).toContainEqual({ key: 'issue', details: 'too_long' });
  });

  it('parses amounts: at most 2 decimals, positive, account currencies only', () => {
    expect(parsePayoutMoney('40.00', 'USD')).toEqual({ amountMinor: 4000n, currency: 'USD' });
    expect(domainErrorOf(() => parsePayoutMoney('10.001', 'USD')).details).toContainEqual({ key: 'issue', details: 'too_many_decimals' });
    expect(domainErrorOf(() => parsePayoutMoney(0, 'USD')).details).toContainEqual({ key: 'issue', details: 'not_positive' });
    expect(domainErrorOf(() => parsePayoutMoney(10, 'JPY')).details).toContainEqual({ key: 'issue', details: 'unsupported_currency' });
  });

  it('moves through submitted and settled; repeats and late events are no-ops', () => {
    spec.given([requested]).when({ type: 'RecordProviderSubmission', data: { provider: 'plaid', provider_payout_id: 'bt-1' }, now }).then([submitted]);
    spec.given([requested, submitted]).when({ type: 'RecordProviderSubmission', data: { provider: 'plaid', provider_payout_id: 'bt-1' }, now }).then([]);
    spec.given([requested, submitted]).when({ type: 'RecordProviderSubmission', data: { provider: 'plaid', provider_payout_id: 'bt-2' }, now }).thenThrows('ErrorInvalidState', 'provider_payout_mismatch');
    spec.given([requested, submitted]).when({ type: 'MarkSettled', data: {}, now }).then([settled]);
    spec.given([requested, submitted, settled]).when({ type: 'MarkSettled', data: {}, now }).then([]);
    spec.given([requested, submitted, settled]).when({ type: 'RecordProviderSubmission', data: { provider: 'plaid', provider_payout_id: 'bt-1' }, now }).then([]);
  });

  it('fails, or returns after settling (a return reported first settles first); contradictions are refused', () => {
    spec.given([requested, submitted]).when({ type: 'MarkFailed', data: { reason }, now }).then([{ type: 'PayoutFailed', data: { ...ref, reason } }]);
    const returned: PayoutEvent = { type: 'PayoutReturned', data: { ...ref, amount_minor: '4000', currency: 'USD', reason } };
    spec.given([requested, submitted, settled]).when({ type: 'MarkReturned', data: { reason }, now }).then([returned]);
    spec.given([requested, submitted]).when({ type: 'MarkReturned', data: { reason }, now }).then([settled, returned]);
    spec.given([requested, submitted, settled]).when({ type: 'MarkFailed', data: { reason }, now }).thenThrows('ErrorInvalidState', 'payout_outcome_conflict');
    spec.given([requested, { type: 'PayoutFailed', data: { ...ref, reason } }]).when({ type: 'MarkSettled', data: {}, now }).thenThrows('ErrorInvalidState', 'payout_outcome_conflict');
    spec.given([requested, { type: 'PayoutFailed', data: { ...ref, reason } }]).when({ type: 'MarkFailed', data: { reason }, now }).then([]);
    spec.given([]).when({ type: 'MarkSettled', data: {}, now }).thenThrows('ErrorNotFound');
  });

  it('abandons only an id nobody requested; a request for an abandoned id is refused', () => {
    const abandon = { type: 'AbandonPayout' as const, data: { ...ref, currency: 'USD' as const, reason: { code: 'ABANDONED', description: 'x' } }, now };
    spec.given([]).when(abandon).then([{ type: 'PayoutAbandoned', data: abandon.data }]);
    spec.given([requested]).when(abandon).then([]);
    spec.given([{ type: 'PayoutAbandoned', data: abandon.data }]).when({ type: 'RequestPayout', data: request(), now }).thenThrows('ErrorInvalidState', 'payout_abandoned');
  });
});
