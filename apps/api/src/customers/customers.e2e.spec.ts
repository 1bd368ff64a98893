import { Client } from 'pg';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { ObservabilityWiring } from '../observability/observability.wiring';
import { PlaidWebhookTranslator } from '../../../worker/src/translating-provider-webhooks/plaid-webhook-translator';

interface ErrorBody {
  error_reason: string;
  error_description: string;
  error_category: { category: string; http_status_code: number };
  error_details: { key: string; details: string }[];
}

/** Runs in the embedded configuration (no Kafka: webhooks go to the translator in-process). */
describe('Customers and bad input on every endpoint of the first slices (embedded messaging)', () => {
  let service: ServiceHarness;
  let db: Client;

  beforeAll(async () => {
    service = await startService('customers', { kafka: false });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  const eventCount = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0].n);
  const fieldsOf = (body: ErrorBody) => body.error_details.filter((d) => d.key === 'field').map((d) => d.details);

  function expectErrorShape(body: unknown, status: number, reason: string): ErrorBody {
    const error = body as ErrorBody;
    expect(error).toEqual({
      error_reason: reason,
      error_description: expect.any(String),
      error_category: { category: expect.stringMatching(/^Category/), http_status_code: status },
      error_details: expect.any(Array),
    });
    return error;
  }

  it('creates a profile (201), ensures it again (200), reports PENDING_KYC then FULL_USER after ops approval', async () => {
    const profile = { type: 'individual', first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' };
    const created = await service.request('POST', '/user/linked-bank-account/profile', { userId: 'ada', body: profile });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ user_id: 'ada', status: 'PENDING_KYC', kyc_status: 'pending', type: 'individual' });
    const again = await service.request('POST', '/user/linked-bank-account/profile', { userId: 'ada', body: profile });
    expect(again.status).toBe(200);
    const conflicting = await service.request('POST', '/user/linked-bank-account/profile', { userId: 'ada', body: { ...profile, type: 'joint' } });
    expect(conflicting.status).toBe(409);
    expectErrorShape(conflicting.body, 409, 'ErrorAlreadyExists');

    const approved = await service.request('PUT', '/ops/users/ada/kyc', { key: service.opsKey, body: { kyc_status: 'approved' } });
    expect(approved.body).toEqual({ user_id: 'ada', kyc_status: 'approved', status: 'FULL_USER' });
    const user = await service.eventually(async () => {
      const r = await service.request<{ status: string }>('GET', '/user', { userId: 'ada' });
      return r.body.status === 'FULL_USER' && r.body;
    });
    expect(user).toMatchObject({ user_id: 'ada', first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com' });
  });

  it('completes a link through the in-process translator and keeps users apart', async () => {
    await service.request('POST', '/user/linked-bank-account/profile', { userId: 'owner', body: { type: 'individual', first_name: 'O', last_name: 'W' } });
    await service.request('PUT', '/ops/users/owner/kyc', { key: service.opsKey, body: { kyc_status: 'approved' } });
    const link = await service.request<{ link_url: string }>('PUT', '/user/linked-bank-account/link', { userId: 'owner' });
    const token = new URL(link.body.link_url).searchParams.get('token');
    const done = await fetch(`${service.sandboxUrl}/sandbox/link/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ link_token: token, outcome: 'success' }),
    });
    expect(done.status).toBe(200);
    await service.eventually(async () => (await service.request<{ status: string }>('GET', '/user/linked-bank-account', { userId: 'owner' })).body.status === 'ACTIVE');

    // A redelivered provider webhook (Kafka redelivery, provider retry) changes nothing.
    const translator = service.app.get(PlaidWebhookTranslator);
    const redelivered = JSON.stringify({
      webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', status: 'SUCCESS', link_session_id: 'redelivery',
      link_token: token, public_tokens: ['public-sandbox-redelivered'], environment: 'sandbox',
    });
    const beforeRedelivery = await eventCount();
    await translator.handle({ key: String(token), body: Buffer.from(redelivered), headers: {}, receivedAt: new Date() });
    await translator.handle({ key: String(token), body: Buffer.from(redelivered), headers: {}, receivedAt: new Date() });
    expect(await eventCount()).toBe(beforeRedelivery);

    const before = await eventCount();
    const peek = await service.request('GET', '/user/linked-bank-account', { userId: 'intruder' });
    expect(peek.status).toBe(404);
    expectErrorShape(peek.body, 404, 'ErrorNotFound');
    expect((await service.request('DELETE', '/user/linked-bank-account/unlink', { userId: 'intruder' })).status).toBe(404);
    expect((await service.request('GET', '/user', { userId: 'intruder' })).status).toBe(404);
    expect((await service.request<{ status: string }>('GET', '/user/linked-bank-account', { userId: 'owner' })).body.status).toBe('ACTIVE');
    expect(await eventCount()).toBe(before);
  });

  it('exposes command latency and projection lag on /metrics and reports readiness of Postgres and the event store', async () => {
    const profile = { type: 'individual', first_name: 'M', last_name: 'T' };
    await service.request('POST', '/user/linked-bank-account/profile', { userId: 'metrics', body: profile });
    await service.request('POST', '/user/linked-bank-account/profile', { userId: 'metrics', body: { ...profile, type: 'joint' } });
    await service.eventually(async () => (await service.request('GET', '/user', { userId: 'metrics' })).status === 200);
    await service.app.get(ObservabilityWiring).refreshLag();
    const metrics = await fetch(`${service.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/payments_command_duration_seconds_count\{command="RegisterCustomer",outcome="success"\} \d+/);
    expect(metrics).toMatch(/payments_command_duration_seconds_count\{command="RegisterCustomer",outcome="rejected"\} \d+/);
    expect(metrics).toMatch(/payments_projection_lag_events\{projection="customers"\} 0/);
    const ready = await fetch(`${service.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: { name: string }[] }).checks.map((c) => c.name)).toEqual(expect.arrayContaining(['postgres', 'event-store']));
  });

  describe('bad input gets a 4xx in the seed error shape and appends nothing', () => {
    let before: number;
    beforeEach(async () => {
      before = await eventCount();
    });
    afterEach(async () => {
      expect(await eventCount()).toBe(before);
    });

    // Every row has three entries: jest would take a third parameter missing from a row for a `done` callback.
    const endpoints: [string, string, unknown][] = [
      ['POST', '/user/linked-bank-account/profile', { type: 'individual', first_name: 'A', last_name: 'B' }],
      ['GET', '/user', undefined],
      ['PUT', '/user/linked-bank-account/link', undefined],
      ['GET', '/user/linked-bank-account', undefined],
      ['DELETE', '/user/linked-bank-account/unlink', undefined],
      ['PUT', '/ops/users/ada/kyc', { kyc_status: 'rejected' }],
    ];

    it.each(endpoints)('%s %s without an API key -> 401', async (method, path, body) => {
      const r = await service.request(method, path, { userId: 'ada', key: null, body });
      expect(r.status).toBe(401);
      expectErrorShape(r.body, 401, 'ErrorUnauthorized');
    });

    it.each(endpoints)('%s %s with a wrong API key -> 401', async (method, path, body) => {
      const r = await service.request(method, path, { userId: 'ada', key: 'pk_not-a-real-key', body });
      expect(r.status).toBe(401);
      expectErrorShape(r.body, 401, 'ErrorUnauthorized');
    });

    it.each(endpoints.filter(([, path]) => !path.startsWith('/ops')))('%s %s without X-User-Id -> 400 naming the header', async (method, path, body) => {
      const r = await service.request(method, path, { body });
      expect(r.status).toBe(400);
      const error = expectErrorShape(r.body, 400, 'ErrorMissingField');
      expect(fieldsOf(error)).toContain('X-User-Id');
    });

    it('profile with every field missing lists each one', async () => {
      const r = await service.request('POST', '/user/linked-bank-account/profile', { userId: 'newbie', body: {} });
      expect(r.status).toBe(400);
      const error = expectErrorShape(r.body, 400, 'ErrorMissingField');
      expect(fieldsOf(error)).toEqual(expect.arrayContaining(['type', 'first_name', 'last_name']));
    });

    it('profile with wrong types and a wrong customer type lists each field', async () => {
      const r = await service.request('POST', '/user/linked-bank-account/profile', {
        userId: 'newbie',
        body: { type: 'corporate', first_name: 12, last_name: true, email: 'not-an-email' },
      });
      expect(r.status).toBe(400);
      const error = expectErrorShape(r.body, 400, 'ErrorInvalidField');
      expect(fieldsOf(error)).toEqual(expect.arrayContaining(['type', 'first_name', 'last_name', 'email']));
    });

    it('profile with an unknown field is refused', async () => {
      const r = await service.request('POST', '/user/linked-bank-account/profile', {
        userId: 'newbie',
        body: { type: 'individual', first_name: 'A', last_name: 'B', ssn: '123-45-6789' },
      });
      expect(r.status).toBe(400);
      const error = expectErrorShape(r.body, 400, 'ErrorUnknownField');
      expect(fieldsOf(error)).toContain('ssn');
    });

    it('malformed JSON is a 400 in the seed shape', async () => {
      const r = await service.request('POST', '/user/linked-bank-account/profile', { userId: 'newbie', rawBody: '{"type": "individual",' });
      expect(r.status).toBe(400);
      expectErrorShape(r.body, 400, 'ErrorInvalidField');
    });

    it('an X-User-Id that is not a sane id is refused', async () => {
      const r = await service.request('GET', '/user', { userId: "'; drop table customers; --" });
      expect(r.status).toBe(400);
      expectErrorShape(r.body, 400, 'ErrorInvalidField');
    });

    it('KYC changes need an ops key, a known status and an existing user', async () => {
      const appKey = await service.request('PUT', '/ops/users/ada/kyc', { body: { kyc_status: 'rejected' } });
      expect(appKey.status).toBe(403);
      expectErrorShape(appKey.body, 403, 'ErrorForbidden');
      const badStatus = await service.request('PUT', '/ops/users/ada/kyc', { key: service.opsKey, body: { kyc_status: 'maybe' } });
      expect(badStatus.status).toBe(400);
      expect(fieldsOf(expectErrorShape(badStatus.body, 400, 'ErrorInvalidField'))).toContain('kyc_status');
      const unknown = await service.request('PUT', '/ops/users/nobody/kyc', { key: service.opsKey, body: { kyc_status: 'approved' } });
      expect(unknown.status).toBe(404);
      expectErrorShape(unknown.body, 404, 'ErrorNotFound');
    });

    it('linking without a profile is refused before the provider is called', async () => {
      const r = await service.request('PUT', '/user/linked-bank-account/link', { userId: 'no-profile' });
      expect(r.status).toBe(422);
      expect(expectErrorShape(r.body, 422, 'ErrorNotEligible').error_details).toContainEqual({ key: 'issue', details: 'profile_missing' });
    });

    it('unknown routes answer 404 in the seed shape', async () => {
      const r = await service.request('GET', '/user/nope', { userId: 'ada' });
      expect(r.status).toBe(404);
      expectErrorShape(r.body, 404, 'ErrorNotFound');
    });
  });
});
