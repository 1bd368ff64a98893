import { ServiceHarness, startService } from '../../../../test/support/service-harness';

interface Table {
  base: string;
  source: string;
  rates_per_usd: Record<string, string>;
}

describe('Ops sandbox FX table (embedded messaging)', () => {
  let service: ServiceHarness;

  beforeAll(async () => {
    service = await startService('fx-rates', { kafka: false });
  });
  afterAll(async () => {
    await service?.close();
  });

  const table = (key = service.opsKey) => service.request<Table>('GET', '/ops/sandbox/fx-rates', { key });
  const set = (currency: string, body: unknown) => service.request<Table>('PUT', `/ops/sandbox/fx-rates/${currency}`, { key: service.opsKey, body });

  it('shows all 20 currencies per USD and changes one at run time', async () => {
    const before = await table();
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ base: 'USD', source: 'sandbox' });
    expect(Object.keys(before.body.rates_per_usd)).toHaveLength(20);
    expect(before.body.rates_per_usd).toMatchObject({ USD: '1', EUR: '0.9217', NGN: '1550' });

    const changed = await set('NGN', { rate_per_usd: '1600.50' });
    expect(changed.status).toBe(200);
    expect(changed.body.rates_per_usd.NGN).toBe('1600.5');
    expect((await table()).body.rates_per_usd).toMatchObject({ NGN: '1600.5', EUR: '0.9217' });
  });

  it('refuses app keys, USD, unknown currencies and bad rates, leaving the table as it was', async () => {
    const before = (await table()).body.rates_per_usd;
    expect((await table(service.appKey)).status).toBe(403);
    const usd = await set('USD', { rate_per_usd: '2' });
    expect(usd.status).toBe(400);
    expect(usd.body).toMatchObject({ error_reason: 'ErrorInvalidField', error_details: [{ key: 'field', details: 'currency' }, { key: 'issue', details: 'base_currency' }] });
    expect((await set('XXX', { rate_per_usd: '2' })).body).toMatchObject({ error_details: [{ key: 'field', details: 'currency' }, { key: 'issue', details: 'unsupported_currency' }] });
    for (const rate of ['-1', '0', '1e3', 'abc', '1.1234567890123456789']) {
      const bad = await set('EUR', { rate_per_usd: rate });
      expect(bad.status).toBe(400);
      expect(bad.body).toMatchObject({ error_details: [{ key: 'field', details: 'rate_per_usd' }, { key: 'issue', details: 'invalid_rate' }] });
    }
    expect((await set('EUR', { rate_per_usd: 0.95 })).status).toBe(400);
    expect((await set('EUR', {})).status).toBe(400);
    expect((await table()).body.rates_per_usd).toEqual(before);
  });
});
