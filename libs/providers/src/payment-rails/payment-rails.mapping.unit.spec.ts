import { ProviderPayoutStatus, RAILS_PAYOUT_CURRENCY, toProviderPayoutStatus, toRailsPayoutRail, toWireRail } from './payment-rails.mapping';

describe('payment rails status and rail map', () => {
  it('maps every provider payout status to a distinct status of ours (failed and returned never collapse)', () => {
    const wire = ['pending', 'settled', 'failed', 'returned'];
    expect(Object.fromEntries(wire.map((status) => [status, toProviderPayoutStatus(status)]))).toEqual({
      pending: 'PENDING',
      settled: 'SETTLED',
      failed: 'FAILED',
      returned: 'RETURNED',
    });
    expect(new Set(wire.map(toProviderPayoutStatus))).toEqual(new Set(Object.values(ProviderPayoutStatus)));
  });

  it.each(['posted', 'reversed', 'cancelled', 'PENDING', '', null, 3])('refuses the unknown status %j instead of guessing', (value) => {
    expect(() => toProviderPayoutStatus(value)).toThrow(expect.objectContaining({ code: 'PROVIDER_BAD_RESPONSE', httpStatus: 502, retryable: false }));
  });

  it('maps rails both ways, each with its currency', () => {
    expect(['sepa', 'fps', 'ngn_local'].map(toRailsPayoutRail)).toEqual(['SEPA', 'FPS', 'NGN_LOCAL']);
    expect((['SEPA', 'FPS', 'NGN_LOCAL'] as const).map(toWireRail)).toEqual(['sepa', 'fps', 'ngn_local']);
    expect(RAILS_PAYOUT_CURRENCY).toEqual({ SEPA: 'EUR', FPS: 'GBP', NGN_LOCAL: 'NGN' });
    expect(() => toRailsPayoutRail('ach')).toThrow(expect.objectContaining({ code: 'PROVIDER_BAD_RESPONSE' }));
  });
});
