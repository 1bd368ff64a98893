import { Client } from 'pg';
import { SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';

interface PullView {
  uuid: string;
  status: string;
  amount: string;
  currency: string;
  failure_reason: unknown;
}

describe('ACH pulls from the linked bank account: request rules and reads (embedded messaging)', () => {
  let service: ServiceHarness;
  let db: Client;

  beforeAll(async () => {
    service = await startService('ach-pulls', { kafka: false });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  const pullEvents = async () => Number((await db.query(`SELECT count(*)::int AS n FROM events WHERE stream_id LIKE 'ach-pull-%'`)).rows[0].n);
  const providerTransfers = async (): Promise<number> => {
    const response = await fetch(`${service.sandboxUrl}/bank_transfer/list`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'plaid-client-id': SANDBOX_PLAID_CREDENTIALS.clientId, 'plaid-secret': SANDBOX_PLAID_CREDENTIALS.secret },
      body: JSON.stringify({ count: 25 }),
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { bank_transfers: unknown[] }).bank_transfers.length;
  };

  /** Around each test of the block: no ACH pull event appended and no provider transfer created. */
  function expectEachTestChangesNothing(): void {
    let events: number;
    let transfers: number;
    beforeEach(async () => {
      // Let the process manager finish with earlier valid pulls before counting.
      await new Promise((resolve) => setTimeout(resolve, 300));
      events = await pullEvents();
      transfers = await providerTransfers();
    });
    afterEach(async () => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(await pullEvents()).toBe(events);
      expect(await providerTransfers()).toBe(transfers);
    });
  }

  async function user(userId: string, opts: { type?: string; approve?: boolean; link?: 'success' | 'failure' | 'none' } = {}) {
    await service.request('POST', '/user/linked-bank-account/profile', { userId, body: { type: opts.type ?? 'individual', first_name: 'Pat', last_name: 'Puller' } });
    if (opts.approve !== false) await service.request('PUT', `/ops/users/${userId}/kyc`, { key: service.opsKey, body: { kyc_status: 'approved' } });
    if ((opts.link ?? 'success') === 'none' || opts.approve === false || opts.type === 'business') return;
    const link = await service.request<{ link_url: string }>('PUT', '/user/linked-bank-account/link', { userId });
    const token = new URL(link.body.link_url).searchParams.get('token');
    await fetch(`${service.sandboxUrl}/sandbox/link/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ link_token: token, outcome: opts.link ?? 'success', ...(opts.link === 'failure' ? { error_code: 'INVALID_CREDENTIALS', error_message: 'bad' } : {}) }),
    });
    const expected = opts.link === 'failure' ? 'ERROR' : 'ACTIVE';
    await service.eventually(async () => (await service.request<{ status: string }>('GET', '/user/linked-bank-account', { userId })).body.status === expected);
  }

  beforeAll(async () => {
    await user('puller');
  });

  it('records a $25.00 pull as PENDING and reads it back by id and in the list', async () => {
    const created = await service.request<{ uuid: string; status: string }>('POST', '/user/linked-bank-account/pull', { userId: 'puller', body: { amount: 25 } });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ uuid: expect.stringMatching(/^[0-9a-f-]{36}$/), status: 'PENDING' });
    const view = await service.eventually(async () => {
      const r = await service.request<PullView>('GET', `/user/linked-bank-account/pulls/${created.body.uuid}`, { userId: 'puller' });
      return r.status === 200 && r.body;
    });
    expect(view).toMatchObject({ uuid: created.body.uuid, amount: '25.00', currency: 'USD', failure_reason: null });
    expect(['PENDING', 'SETTLED']).toContain(view.status);
    const list = await service.request<PullView[]>('GET', '/user/linked-bank-account/pulls?limit=10', { userId: 'puller' });
    expect(list.body.map((p) => p.uuid)).toContain(created.body.uuid);
    expect((await service.request('GET', `/user/linked-bank-account/pulls/${created.body.uuid}`, { userId: 'someone-else' })).status).toBe(404);
  });

  it('a repeated Idempotency-Key creates one pull', async () => {
    const headers = { 'idempotency-key': 'pull-once' };
    const first = await service.request<{ uuid: string }>('POST', '/user/linked-bank-account/pull', { userId: 'puller', body: { amount: '10.00' }, headers });
    const again = await service.request<{ uuid: string }>('POST', '/user/linked-bank-account/pull', { userId: 'puller', body: { amount: '10.00' }, headers });
    expect(again.body.uuid).toBe(first.body.uuid);
    expect(again.headers.get('idempotency-replayed')).toBe('true');
    const { rows } = await db.query(`SELECT count(*)::int AS n FROM events WHERE stream_id = $1 AND type = 'AchPullRequested'`, [`ach-pull-${first.body.uuid}`]);
    expect(rows[0].n).toBe(1);
  });

  describe('bad input: 4xx in the seed shape, nothing appended, nothing sent to the provider', () => {
    beforeAll(async () => {
      await user('pending-kyc', { approve: false });
      await user('business-user', { type: 'business' });
      await user('not-linked', { link: 'none' });
      await user('error-link', { link: 'failure' });
    });
    expectEachTestChangesNothing();

    it.each([
      [9.99, 'below_minimum'],
      [10.001, 'too_many_decimals'],
      [-5, 'negative'],
      [0, 'not_positive'],
      ['abc', 'not_a_decimal'],
      ['1e3', 'exponent_notation'],
    ])('amount %j -> 400 (%s)', async (amount, issue) => {
      const r = await service.request('POST', '/user/linked-bank-account/pull', { userId: 'puller', body: { amount } });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ error_category: { category: 'CategoryValidationFailure', http_status_code: 400 }, error_details: expect.arrayContaining([{ key: 'issue', details: issue }]) });
    });

    it('a missing amount and an unknown field (account_uuid in the body) are refused', async () => {
      const missing = await service.request('POST', '/user/linked-bank-account/pull', { userId: 'puller', body: {} });
      expect(missing.status).toBe(400);
      expect(missing.body).toMatchObject({ error_reason: 'ErrorMissingField' });
      const unknown = await service.request('POST', '/user/linked-bank-account/pull', { userId: 'puller', body: { amount: 25, account_uuid: 'x' } });
      expect(unknown.status).toBe(400);
      expect(unknown.body).toMatchObject({ error_reason: 'ErrorUnknownField' });
    });

    it.each([
      ['pending-kyc', 'user_not_full_user'],
      ['business-user', 'individual_users_only'],
      ['not-linked', 'bank_account_not_linked'],
      ['error-link', 'bank_link_not_active'],
      ['no-such-user', 'profile_missing'],
    ])('user %s -> 422 (%s)', async (userId, issue) => {
      const r = await service.request('POST', '/user/linked-bank-account/pull', { userId, body: { amount: 25 } });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ error_reason: 'ErrorNotEligible', error_details: expect.arrayContaining([{ key: 'issue', details: issue }]) });
    });

    it('another user cannot cancel or read a pull', async () => {
      const { rows } = await db.query<{ pull_id: string }>(`SELECT pull_id FROM ach_pulls WHERE user_id = 'puller' LIMIT 1`);
      const r = await service.request('POST', `/user/linked-bank-account/pulls/${rows[0].pull_id}/cancel`, { userId: 'intruder' });
      expect(r.status).toBe(404);
      const bad = await service.request('GET', '/user/linked-bank-account/pulls/not-a-uuid', { userId: 'puller' });
      expect(bad.status).toBe(400);
    });
  });

  describe('POST /accounts/user/account/{account_uuid}/ach-pull (Accounts API)', () => {
    let usd: string;
    let eur: string;
    let linkUuid: string;
    let othersUsd: string;
    const body = () => ({ amount: 100.5, currency: 'USD', source_account_uuid: linkUuid, ip_address: '203.0.113.1' });
    const pullInto = (account: string, payload: Record<string, unknown>, userId = 'puller') =>
      service.request('POST', `/accounts/user/account/${account}/ach-pull`, { userId, body: payload });

    beforeAll(async () => {
      const opened = await service.request<{ account_uuid: string; status: string }>('POST', '/user/accounts', { userId: 'puller', body: { currency: 'USD', account_type: 'checking' } });
      // 201, or 200 when the worker already opened it to credit one of this user's earlier pulls (create-or-ensure).
      expect([200, 201]).toContain(opened.status);
      expect(opened.body).toMatchObject({ currency: 'USD', account_type: 'checking', status: 'OPEN' });
      usd = opened.body.account_uuid;
      const again = await service.request<{ account_uuid: string }>('POST', '/user/accounts', { userId: 'puller', body: { currency: 'USD', account_type: 'checking' } });
      expect(again.status).toBe(200);
      expect(again.body.account_uuid).toBe(usd);
      const eurOpened = await service.request<{ account_uuid: string }>('POST', '/user/accounts', { userId: 'puller', body: { currency: 'EUR', account_type: 'savings' } });
      expect(eurOpened.status).toBe(201);
      eur = eurOpened.body.account_uuid;
      await user('other-owner');
      othersUsd = (await service.request<{ account_uuid: string }>('POST', '/user/accounts', { userId: 'other-owner', body: { currency: 'USD', account_type: 'checking' } })).body.account_uuid;
      linkUuid = (await service.request<{ uuid: string }>('GET', '/user/linked-bank-account', { userId: 'puller' })).body.uuid;
      await service.eventually(async () => (await service.request<unknown[]>('GET', '/user/accounts', { userId: 'puller' })).body.length === 2);
      await service.eventually(async () => (await service.request<unknown[]>('GET', '/user/accounts', { userId: 'other-owner' })).body.length === 1);
    });

    it('creates a pull into the user\'s USD account in the seed\'s 201 shape (also on the seed\'s /bakkt/ path)', async () => {
      const created = await pullInto(usd, body());
      expect(created.status).toBe(201);
      const result = created.body as { transaction_id: string; process_uuid: string };
      expect(created.body).toEqual({ transaction_id: expect.any(String), process_uuid: result.transaction_id, user_uuid: 'puller', amount: 100.5, currency: 'USD' });
      const view = await service.eventually(async () => {
        const r = await service.request<PullView>('GET', `/user/linked-bank-account/pulls/${result.transaction_id}`, { userId: 'puller' });
        return r.status === 200 && r.body;
      });
      expect(view.amount).toBe('100.50');
      const seedPath = await service.request('POST', `/accounts/user/account/bakkt/${usd}/ach-pull`, { userId: 'puller', body: body() });
      expect(seedPath.status).toBe(201);
    });

    describe('bad input: nothing appended, nothing sent to the provider', () => {
      expectEachTestChangesNothing();

      it.each([
        ['currency EUR', { currency: 'EUR' }, 'unsupported_currency'],
        ['a bad ip address', { ip_address: '300.1.1.1' }, 'invalid_ip_address'],
        ['a note of 501 characters', { user_note: 'x'.repeat(501) }, 'too_long'],
        ['amount 9.99', { amount: 9.99 }, 'below_minimum'],
        ['amount 10.001', { amount: 10.001 }, 'too_many_decimals'],
      ])('%s -> 400', async (_name, change, issue) => {
        const r = await pullInto(usd, { ...body(), ...change });
        expect(r.status).toBe(400);
        expect(r.body).toMatchObject({ error_details: expect.arrayContaining([{ key: 'issue', details: issue }]) });
      });

      it('account_uuid in the body is refused (path only)', async () => {
        const r = await pullInto(usd, { ...body(), account_uuid: usd });
        expect(r.status).toBe(400);
        expect(r.body).toMatchObject({ error_reason: 'ErrorUnknownField' });
      });

      it('another user\'s account, an unknown account and a non-USD account are refused', async () => {
        expect((await pullInto(othersUsd, body())).status).toBe(404);
        expect((await pullInto('6f1b7a52-3c1e-4f7e-9a0c-000000000000', body())).status).toBe(404);
        const nonUsd = await pullInto(eur, body());
        expect(nonUsd.status).toBe(400);
        expect(nonUsd.body).toMatchObject({ error_details: expect.arrayContaining([{ key: 'issue', details: 'unsupported_currency' }]) });
      });

      it('a source account that is not the user\'s linked account is refused', async () => {
        const r = await pullInto(usd, { ...body(), source_account_uuid: '6f1b7a52-3c1e-4f7e-9a0c-000000000001' });
        expect(r.status).toBe(404);
      });
    });
  });
});
