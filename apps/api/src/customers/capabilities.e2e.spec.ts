import { Client, Pool } from 'pg';
import { EVENT_STORE, EventStore } from '@payments/event-store';
import { customersProjection, PG_POOL, rebuildProjection } from '@payments/read-models';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';

interface ErrorBody {
  error_reason: string;
  error_category: { category: string; http_status_code: number };
  error_details: { key: string; details: string }[];
}
interface Capability {
  name: string;
  status: string;
  reason: string | null;
  granted_at: string | null;
  revoked_at: string | null;
}
interface UserV2 {
  id: string;
  name: string;
  status: string;
  kyc_status: string;
  capabilities: Capability[];
}

describe('Capabilities: GET /api/v2/user and ops grant/revoke (embedded messaging)', () => {
  let service: ServiceHarness;
  let db: Client;

  beforeAll(async () => {
    service = await startService('capabilities', { kafka: false });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    await service.request('POST', '/user/linked-bank-account/profile', { userId: 'cap-user', body: { type: 'individual', first_name: 'Grace', last_name: 'Hopper' } });
    await service.request('PUT', '/ops/users/cap-user/kyc', { key: service.opsKey, body: { kyc_status: 'approved' } });
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  const eventCount = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0].n);
  const userV2 = (userId = 'cap-user') => service.request<UserV2>('GET', '/api/v2/user', { userId });
  const capability = (user: UserV2, name: string) => user.capabilities.find((c) => c.name === name);
  const grant = (capabilityName: string, body?: unknown, key = service.opsKey, userId = 'cap-user') =>
    service.request<Record<string, unknown>>('PUT', `/ops/users/${userId}/capabilities/${capabilityName}`, { key, body });
  const revoke = (capabilityName: string, body?: unknown) =>
    service.request<Record<string, unknown>>('DELETE', `/ops/users/cap-user/capabilities/${capabilityName}`, { key: service.opsKey, body });

  it('lists the user with both capabilities Inactive before any grant', async () => {
    const user = await service.eventually(async () => {
      const r = await userV2();
      return r.status === 200 && r.body.status === 'FULL_USER' && r.body;
    });
    expect(user).toMatchObject({ id: 'cap-user', name: 'Grace Hopper', status: 'FULL_USER', kyc_status: 'approved' });
    expect(user.capabilities).toEqual([
      { name: 'AchOut1stParty', status: 'Inactive', reason: null, granted_at: null, revoked_at: null },
      { name: 'AchOut3rdParty', status: 'Inactive', reason: null, granted_at: null, revoked_at: null },
    ]);
  });

  it('grants a capability once (a repeat records nothing), shows it Active with the reason, and revokes it the same way', async () => {
    const granted = await grant('AchOut3rdParty', { reason: 'ops ticket 42' });
    expect(granted.status).toBe(200);
    expect(granted.body).toEqual({ user_id: 'cap-user', capability: 'AchOut3rdParty', status: 'Active', changed: true, active_capabilities: ['AchOut3rdParty'] });
    const afterGrant = await eventCount();
    const again = await grant('AchOut3rdParty');
    expect(again.body).toMatchObject({ status: 'Active', changed: false });
    expect(await eventCount()).toBe(afterGrant);

    const active = await service.eventually(async () => {
      const user = (await userV2()).body;
      return capability(user, 'AchOut3rdParty')?.status === 'Active' && user;
    });
    expect(capability(active, 'AchOut3rdParty')).toMatchObject({ reason: 'ops ticket 42', granted_at: expect.any(String), revoked_at: null });
    expect(capability(active, 'AchOut1stParty')?.status).toBe('Inactive');

    const revoked = await revoke('AchOut3rdParty', { reason: 'closed' });
    expect(revoked.body).toMatchObject({ status: 'Inactive', changed: true, active_capabilities: [] });
    const afterRevoke = await eventCount();
    expect((await revoke('AchOut3rdParty')).body).toMatchObject({ status: 'Inactive', changed: false });
    expect(await eventCount()).toBe(afterRevoke);
    const inactive = await service.eventually(async () => {
      const user = (await userV2()).body;
      return capability(user, 'AchOut3rdParty')?.status === 'Inactive' && user;
    });
    expect(capability(inactive, 'AchOut3rdParty')).toMatchObject({ reason: 'closed', granted_at: expect.any(String), revoked_at: expect.any(String) });

    // Without a body the PUT works too.
    expect((await grant('AchOut1stParty')).body).toMatchObject({ status: 'Active', changed: true });
    await service.eventually(async () => capability((await userV2()).body, 'AchOut1stParty')?.status === 'Active');
  });

  it('rebuilt from position 0 the capabilities equal the live rows', async () => {
    const rows = async () => (await db.query('SELECT * FROM customer_capabilities ORDER BY user_id, capability')).rows;
    const live = await rows();
    expect(live).toHaveLength(2);
    await rebuildProjection(service.app.get<EventStore>(EVENT_STORE), service.app.get<Pool>(PG_POOL), customersProjection);
    expect(await rows()).toEqual(live);
  });

  describe('refusals change nothing', () => {
    let before: number;
    beforeEach(async () => {
      before = await eventCount();
    });
    afterEach(async () => {
      expect(await eventCount()).toBe(before);
    });

    it('an unknown capability is a seed-shaped 400 on capability', async () => {
      const response = await grant('AchOut4thParty', { reason: 'x' });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        error_reason: 'ErrorInvalidField',
        error_category: { category: 'CategoryValidationFailure', http_status_code: 400 },
        error_details: [
          { key: 'field', details: 'capability' },
          { key: 'issue', details: 'unknown_capability' },
        ],
      });
    });

    it('an app key cannot grant (403), an unknown user is 404, a too-long reason is 400', async () => {
      expect((await grant('AchOut3rdParty', undefined, service.appKey)).status).toBe(403);
      const unknown = await grant('AchOut3rdParty', undefined, service.opsKey, 'nobody');
      expect(unknown.status).toBe(404);
      expect((unknown.body as unknown as ErrorBody).error_reason).toBe('ErrorNotFound');
      const long = await grant('AchOut3rdParty', { reason: 'r'.repeat(501) });
      expect(long.status).toBe(400);
      expect((await userV2('nobody')).status).toBe(404);
    });
  });
});
