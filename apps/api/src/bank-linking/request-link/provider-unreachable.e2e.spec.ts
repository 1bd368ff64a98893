import { Client } from 'pg';
import { ServiceHarness, startService } from '../../../../../test/support/service-harness';

describe('PUT /user/linked-bank-account/link when the provider cannot be reached', () => {
  let service: ServiceHarness;

  beforeAll(async () => {
    service = await startService('provider-down', { kafka: false, providerUnreachable: true });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('answers 502 ErrorProvider in the seed shape, retryable, and appends nothing', async () => {
    await service.request('POST', '/user/linked-bank-account/profile', { userId: 'pd', body: { type: 'individual', first_name: 'P', last_name: 'D' } });
    await service.request('PUT', '/ops/users/pd/kyc', { key: service.opsKey, body: { kyc_status: 'approved' } });
    const response = await service.request('PUT', '/user/linked-bank-account/link', { userId: 'pd' });
    expect(response.status).toBe(502);
    expect(response.body).toEqual({
      error_reason: 'ErrorProvider',
      error_description: expect.stringContaining('PROVIDER_UNREACHABLE'),
      error_category: { category: 'CategoryProviderFailure', http_status_code: 502 },
      error_details: [
        { key: 'provider_code', details: 'PROVIDER_UNREACHABLE' },
        { key: 'retryable', details: 'true' },
      ],
    });
    const db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM events WHERE stream_id = 'bank-link-pd'`);
    await db.end();
    expect(rows[0].n).toBe(0);
  });
});
