import { deciderSpec } from '../testing/decider-spec';
import { FxQuote } from '../funding/fx-rates';
import { QuoteRemittanceData, remittanceAmounts, RemittanceEvent, remittanceDecider, RemittanceDestination } from './remittance.decider';

const spec = deciderSpec(remittanceDecider);
const now = new Date('2026-11-21T12:00:00.000Z');
const later = (ms: number) => new Date(now.getTime() + ms);
const fx = (base: FxQuote['base'], quote: FxQuote['quote'], rate: string): FxQuote => ({ base, quote, rate, as_of: now.toISOString(), source: 'sandbox' });
const ngnPkr = fx('NGN', 'PKR', '0.1796774194');

const quoteData = (over: Partial<QuoteRemittanceData> = {}): QuoteRemittanceData => ({
  remittance_id: 'r-1',
  user_id: 'u-1',
  amount: { amountMinor: 1_000_000n, currency: 'NGN' },
  fixed_side: 'source',
  source_currency: 'NGN',
  target_currency: 'PKR',
  fx: ngnPkr,
  ...over,
});
const quoted: RemittanceEvent = {
  type: 'RemittanceQuoted',
  data: {
    remittance_id: 'r-1',
    user_id: 'u-1',
    source_currency: 'NGN',
    target_currency: 'PKR',
    source_amount_minor: '1000000',
    target_amount_minor: '179677', // 10,000.00 NGN × 0.1796774194 = 1,796.774194 PKR → 1,796.77 (down)
    fixed_side: 'source',
    fx: ngnPkr,
    quoted_at: now.toISOString(),
    expires_at: later(5 * 60_000).toISOString(),
  },
};
const beneficiary: RemittanceDestination = { kind: 'beneficiary', first_name: 'Ayesha', last_name: 'Khan', country: 'PK', account_number_sealed: 'v1.a.b.c', account_last4: '4321' };
const started: RemittanceEvent = {
  type: 'RemittanceStarted',
  data: { remittance_id: 'r-1', user_id: 'u-1', source_currency: 'NGN', source_amount_minor: '1000000', destination: beneficiary, started_at: later(1000).toISOString() },
};
const ref = { remittance_id: 'r-1', user_id: 'u-1' };

describe('Remittance decider', () => {
  describe('amounts (exact, rounded once)', () => {
    it('a fixed source amount converts DOWN into the target currency', () => {
      expect(remittanceAmounts(ngnPkr, 'source', 1_000_000n)).toEqual({ sourceMinor: 1_000_000n, targetMinor: 179_677n });
      // USD 100.00 → JPY at 150.2 = 15,020 (0 decimals); → OMR at 0.385 = 38.500 (3 decimals)
      expect(remittanceAmounts(fx('USD', 'JPY', '150.2'), 'source', 10_000n).targetMinor).toBe(15_020n);
      expect(remittanceAmounts(fx('USD', 'OMR', '0.385'), 'source', 10_000n).targetMinor).toBe(38_500n);
    });

    it('a fixed target amount needs a source amount rounded UP, which converts back to at least the target', () => {
      const { sourceMinor, targetMinor } = remittanceAmounts(ngnPkr, 'target', 100_000n); // PKR 1,000.00
      expect(targetMinor).toBe(100_000n);
      expect(sourceMinor).toBe(556_553n); // 1000 / 0.1796774194 = 5,565.5296… NGN → 5,565.53
      expect(remittanceAmounts(ngnPkr, 'source', sourceMinor).targetMinor).toBeGreaterThanOrEqual(targetMinor);
      expect(remittanceAmounts(ngnPkr, 'source', sourceMinor - 1n).targetMinor).toBeLessThan(targetMinor);
    });
  });

  describe('quote', () => {
    it('records the amounts, the whole FX quote and the expiry', () => {
      spec.given([]).when({ type: 'QuoteRemittance', data: quoteData(), now }).then([quoted]);
    });

    it('a repeat of the same quote id and request is a no-op; other details conflict', () => {
      spec.given([quoted]).when({ type: 'QuoteRemittance', data: quoteData({ fx: fx('NGN', 'PKR', '0.2') }), now }).then([]);
      spec
        .given([quoted])
        .when({ type: 'QuoteRemittance', data: quoteData({ amount: { amountMinor: 2_000_000n, currency: 'NGN' } }), now })
        .thenThrows('ErrorInvalidState', 'remittance_id_conflict');
    });

    it('refuses the same currency on both sides, and amounts that convert to nothing', () => {
      spec
        .given([])
        .when({ type: 'QuoteRemittance', data: quoteData({ target_currency: 'NGN', fx: fx('NGN', 'NGN', '1') }), now })
        .thenThrows('ErrorInvalidField', 'same_currency');
      spec
        .given([])
        .when({ type: 'QuoteRemittance', data: quoteData({ source_currency: 'USD', target_currency: 'JPY', fx: fx('USD', 'JPY', '150'), amount: { amountMinor: 0n, currency: 'USD' } }), now })
        .thenThrows('ErrorInvalidField', 'not_positive');
      // NGN 0.01 → PKR 0.0017… rounds down to 0
      spec.given([]).when({ type: 'QuoteRemittance', data: quoteData({ amount: { amountMinor: 1n, currency: 'NGN' } }), now }).thenThrows('ErrorInvalidField', 'too_small');
    });
  });

  describe('start', () => {
    const start = (destination: RemittanceDestination = beneficiary, userId = 'u-1') => ({ type: 'StartRemittance' as const, data: { remittance_id: 'r-1', user_id: userId, destination }, now: later(1000) });

    it('starts a quoted remittance once; the same start again is a no-op, another destination conflicts', () => {
      spec.given([quoted]).when(start()).then([started]);
      spec.given([quoted, started]).when(start({ ...beneficiary, account_number_sealed: 'v1.other' })).then([]);
      spec.given([quoted, started]).when(start({ ...beneficiary, last_name: 'Other' })).thenThrows('ErrorInvalidState', 'quote_already_started');
    });

    it("refuses another user's or an unknown quote (404), an expired quote, a source currency without accounts and a recipient in another currency", () => {
      spec.given([quoted]).when(start(beneficiary, 'u-2')).thenThrows('ErrorNotFound');
      spec.given([]).when(start()).thenThrows('ErrorNotFound');
      spec.given([quoted]).when({ ...start(), now: later(5 * 60_000) }).thenThrows('ErrorInvalidState', 'quote_expired');
      const pkrSource: RemittanceEvent = { type: 'RemittanceQuoted', data: { ...quoted.data, source_currency: 'PKR', target_currency: 'NGN' } as never };
      spec.given([pkrSource]).when(start()).thenThrows('ErrorNotEligible', 'no_account_in_currency');
      spec.given([quoted]).when(start({ kind: 'recipient', recipient_id: 'rc-1', currency: 'NGN' })).thenThrows('ErrorInvalidField', 'currency_mismatch');
    });
  });

  describe('outcomes', () => {
    const submitted: RemittanceEvent = { type: 'RemittanceSubmitted', data: { ...ref, provider: 'payment_rails', provider_remittance_id: 'pr-1' } };
    const settled: RemittanceEvent = { type: 'RemittanceSettled', data: { ...ref, source_currency: 'NGN', source_amount_minor: '1000000' } };
    const reason = { code: 'AC01', description: 'Incorrect account number' };

    it('PENDING → SUBMITTED → SETTLED; repeats are no-ops', () => {
      spec.given([quoted, started]).when({ type: 'RecordProviderSubmission', data: { provider: 'payment_rails', provider_remittance_id: 'pr-1' }, now }).then([submitted]);
      spec.given([quoted, started, submitted]).when({ type: 'MarkSettled', data: {}, now }).then([settled]);
      spec.given([quoted, started, submitted, settled]).when({ type: 'MarkSettled', data: {}, now }).then([]);
    });

    it('fails a pending or submitted remittance; a settled one cannot fail and a quote that never started has no outcome', () => {
      spec.given([quoted, started, submitted]).when({ type: 'MarkFailed', data: { reason }, now }).then([{ type: 'RemittanceFailed', data: { ...ref, source_currency: 'NGN', reason } }]);
      spec.given([quoted, started, submitted, settled]).when({ type: 'MarkFailed', data: { reason }, now }).thenThrows('ErrorInvalidState', 'remittance_outcome_conflict');
      spec.given([quoted]).when({ type: 'MarkSettled', data: {}, now }).thenThrows('ErrorInvalidState', 'remittance_not_started');
    });
  });

  describe('AbandonRemittance (orphaned hold)', () => {
    const reason = { code: 'ORPHANED_HOLD', description: 'the remittance start did not complete within 300 s' };
    const abandon = (userId = 'u-1') => ({ type: 'AbandonRemittance' as const, data: { remittance_id: 'r-1', user_id: userId, reason }, now: later(10 * 60_000) });
    const abandoned: RemittanceEvent = { type: 'RemittanceAbandoned', data: { ...ref, source_currency: 'NGN', reason, at: later(10 * 60_000).toISOString() } };
    const start = { type: 'StartRemittance' as const, data: { remittance_id: 'r-1', user_id: 'u-1', destination: beneficiary }, now: later(1000) };

    it('abandons a quote that was never started, once; the remittance is FAILED with the reason', () => {
      spec.given([quoted]).when(abandon()).then([abandoned]);
      spec.given([quoted, abandoned]).when(abandon()).then([]);
      const folded = [quoted, abandoned].reduce(remittanceDecider.evolve, remittanceDecider.initialState());
      expect(folded).toMatchObject({ status: 'FAILED', reason, abandonedAt: later(10 * 60_000).toISOString() });
    });

    it('does nothing to a started remittance, whatever happened after, nor to an unknown id or another user', () => {
      spec.given([quoted, started]).when(abandon()).then([]);
      const settled: RemittanceEvent = { type: 'RemittanceSettled', data: { ...ref, source_currency: 'NGN', source_amount_minor: '1000000' } };
      spec.given([quoted, started, settled]).when(abandon()).then([]);
      spec.given([]).when(abandon()).then([]);
      spec.given([quoted]).when(abandon('u-2')).then([]);
    });

    it('refuses a late start of an abandoned quote (409 remittance_abandoned), even within the quote lifetime', () => {
      spec.given([quoted, abandoned]).when(start).thenThrows('ErrorInvalidState', 'remittance_abandoned');
      // Another user's start is still only "not found": nothing about the abandon leaks.
      spec.given([quoted, abandoned]).when({ ...start, data: { ...start.data, user_id: 'u-2' } }).thenThrows('ErrorNotFound');
      // An abandoned remittance has no provider outcome to record beyond its failure.
      spec.given([quoted, abandoned]).when({ type: 'MarkSettled', data: {}, now }).thenThrows('ErrorInvalidState', 'remittance_outcome_conflict');
    });
  });
});
