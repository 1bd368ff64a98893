import { SandboxFxRates } from './sandbox-fx-rates';

describe('sandbox FX rates', () => {
  const at = new Date('2026-11-21T12:00:00.000Z');

  it('quotes USD→X from the table, X→Y as a cross rate, and stamps each quote', async () => {
    const fx = new SandboxFxRates({}, () => at);
    expect(await fx.quote('USD', 'EUR')).toEqual({ base: 'USD', quote: 'EUR', rate: '0.9217', as_of: at.toISOString(), source: 'sandbox' });
    expect((await fx.quote('NGN', 'PKR')).rate).toBe('0.1796774194');
    expect((await fx.quote('GBP', 'GBP')).rate).toBe('1');
  });

  it('changes a rate at run time; quotes taken before keep their rate', async () => {
    const fx = new SandboxFxRates({ EUR: '0.9' });
    const before = await fx.quote('USD', 'EUR');
    fx.setRatePerUsd('EUR', '0.95');
    expect(before.rate).toBe('0.9');
    expect((await fx.quote('USD', 'EUR')).rate).toBe('0.95');
    expect(fx.table().EUR).toBe('0.95');
    expect(() => fx.setRatePerUsd('USD', '2')).toThrow(/USD/);
    expect(() => fx.setRatePerUsd('EUR', '-1')).toThrow();
  });
});
