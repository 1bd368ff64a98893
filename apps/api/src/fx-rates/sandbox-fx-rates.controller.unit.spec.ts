import { DomainError, FxRatePort } from '@payments/domain';
import { SandboxFxRates } from '@payments/providers/fx';
import { SandboxFxRatesController } from './sandbox-fx-rates.controller';

describe('sandbox FX rates controller', () => {
  it('refuses to read or change rates when the FX port is not the sandbox table', () => {
    const live: FxRatePort = { quote: async () => ({ base: 'USD', quote: 'EUR', rate: '0.9', as_of: '2026-01-01T00:00:00.000Z', source: 'live' }) };
    const controller = new SandboxFxRatesController(live);
    for (const call of [() => controller.get(), () => controller.set({ currency: 'NGN' }, { rate_per_usd: '1600' })]) {
      expect(call).toThrow(DomainError);
      expect(call).toThrow(/not the sandbox/);
    }
  });

  it('changes the sandbox table it was given', () => {
    const controller = new SandboxFxRatesController(new SandboxFxRates());
    expect(controller.set({ currency: 'PKR' }, { rate_per_usd: '280' }).rates_per_usd.PKR).toBe('280');
  });
});
