import { Client } from 'pg';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';

interface LinkView {
  uuid: string;
  status: string;
  bank_name: string | null;
  account_mask: string | null;
  lastError: { error_code: string; error_message: string } | null;
}

describe('Bank linking end to end (HTTP -> provider-sandbox -> signed webhook -> Kafka -> worker -> read model)', () => {
  let service: ServiceHarness;
  let db: Client;

  beforeAll(async () => {
    service = await startService('bank-linking');
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  const streamEvents = async (stream: string): Promise<string[]> =>
    (await db.query<{ type: string }>('SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_revision', [stream])).rows.map((r) => r.type);

  async function fullUser(userId: string, type = 'individual'): Promise<void> {
    const created = await service.request('POST', '/user/linked-bank-account/profile', {
      userId,
      body: { type, first_name: 'Alex', last_name: 'Grey', email: 'alex@example.com' },
    });
    expect(created.status).toBe(201);
    const approved = await service.request('PUT', `/ops/users/${userId}/kyc`, { key: service.opsKey, body: { kyc_status: 'approved' } });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ user_id: userId, status: 'FULL_USER' });
  }

  async function completeLink(linkUrl: string, body: Record<string, unknown>) {
    const token = new URL(linkUrl).searchParams.get('token');
    expect(token).toMatch(/^link-sandbox-/);
    const response = await fetch(`${service.sandboxUrl}/sandbox/link/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ link_token: token, ...body }),
    });
    expect(response.status).toBe(200);
    return (await response.json()) as { webhook: { delivered: boolean; status_code: number } };
  }

  it('links, refuses a relink, unlinks, relinks, and reports a failed flow with lastError', async () => {
    const userId = 'user-link-happy';
    await service.request('POST', '/user/linked-bank-account/profile', { userId, body: { type: 'individual', first_name: 'Alex', last_name: 'Grey' } });
    const user = await service.eventually(async () => {
      const r = await service.request<{ status: string }>('GET', '/user', { userId });
      return r.status === 200 && r.body;
    });
    expect(user.status).toBe('PENDING_KYC');

    const tooEarly = await service.request('PUT', '/user/linked-bank-account/link', { userId });
    expect(tooEarly.status).toBe(422);
    expect(tooEarly.body).toMatchObject({ error_reason: 'ErrorNotEligible', error_details: expect.arrayContaining([{ key: 'issue', details: 'user_not_full_user' }]) });
    expect(await streamEvents(`bank-link-${userId}`)).toEqual([]);

    await service.request('PUT', `/ops/users/${userId}/kyc`, { key: service.opsKey, body: { kyc_status: 'approved' } });
    await service.eventually(async () => (await service.request<{ status: string }>('GET', '/user', { userId })).body.status === 'FULL_USER');

    const link = await service.request<{ link_url: string; status: string }>('PUT', '/user/linked-bank-account/link', { userId });
    expect(link.status).toBe(200);
    expect(link.body.status).toBe('pending');
    expect(link.body.link_url.startsWith(`${service.sandboxUrl}/link?token=link-sandbox-`)).toBe(true);

    const page = await fetch(link.body.link_url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form');

    const pending = await service.eventually(async () => {
      const r = await service.request<LinkView>('GET', '/user/linked-bank-account', { userId });
      return r.status === 200 && r.body;
    });
    expect(pending.status).toBe('PENDING');

    const completed = await completeLink(link.body.link_url, { outcome: 'success' });
    expect(completed.webhook).toMatchObject({ delivered: true, status_code: 200 });

    const active = await service.eventually(async () => {
      const r = await service.request<LinkView>('GET', '/user/linked-bank-account', { userId });
      return r.body.status === 'ACTIVE' && r.body;
    });
    expect(active.account_mask).toMatch(/^\d{4}$/);
    expect(active.bank_name).toEqual(expect.any(String));
    expect(active.lastError).toBeNull();

    const relink = await service.request('PUT', '/user/linked-bank-account/link', { userId });
    expect(relink.status).toBe(409);
    expect(relink.body).toMatchObject({ error_reason: 'ErrorInvalidState', error_category: { category: 'CategoryConflict', http_status_code: 409 } });

    // The access token is stored only encrypted.
    const { rows } = await db.query<{ data: Record<string, unknown> }>(`SELECT data FROM events WHERE type = 'BankLinkActivated' AND stream_id = $1`, [`bank-link-${userId}`]);
    expect(JSON.stringify(rows[0].data)).not.toMatch(/access-sandbox-/);
    expect(String(rows[0].data.access_token_encrypted)).toMatch(/^v1\./);

    const unlinked = await service.request('DELETE', '/user/linked-bank-account/unlink', { userId });
    expect(unlinked.status).toBe(200);
    expect(unlinked.body).toMatchObject({ status: 'UNLINKED' });
    await service.eventually(async () => (await service.request('GET', '/user/linked-bank-account', { userId })).status === 404);
    expect((await service.request('DELETE', '/user/linked-bank-account/unlink', { userId })).status).toBe(404);

    const again = await service.request<{ link_url: string }>('PUT', '/user/linked-bank-account/link', { userId });
    expect(again.status).toBe(200);
    await completeLink(again.body.link_url, { outcome: 'failure', error_code: 'INVALID_CREDENTIALS', error_message: 'the provided credentials were not correct' });
    const failed = await service.eventually(async () => {
      const r = await service.request<LinkView>('GET', '/user/linked-bank-account', { userId });
      return r.body.status === 'ERROR' && r.body;
    });
    expect(failed.lastError).toEqual({ error_code: 'INVALID_CREDENTIALS', error_message: 'the provided credentials were not correct' });

    expect(await streamEvents(`bank-link-${userId}`)).toEqual([
      'BankLinkRequested',
      'BankLinkActivated',
      'BankLinkUnlinked',
      'BankLinkRequested',
      'BankLinkFailed',
    ]);
  });

  it.each(['joint', 'business'])('refuses to link a %s user', async (type) => {
    const userId = `user-${type}`;
    await fullUser(userId, type);
    const response = await service.request('PUT', '/user/linked-bank-account/link', { userId });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ error_reason: 'ErrorNotEligible', error_details: [{ key: 'issue', details: 'individual_users_only' }] });
    expect(await streamEvents(`bank-link-${userId}`)).toEqual([]);
  });

  it('requests one link for 20 concurrent PUTs with the same Idempotency-Key', async () => {
    const userId = 'user-idem';
    await fullUser(userId);
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => service.request('PUT', '/user/linked-bank-account/link', { userId, headers: { 'idempotency-key': 'link-once-1' } })),
    );
    const ok = responses.filter((r) => r.status === 200);
    const inFlight = responses.filter((r) => r.status === 409);
    expect(ok.length + inFlight.length).toBe(20);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => JSON.stringify(r.body))).size).toBe(1);
    for (const r of inFlight) expect(r.body).toMatchObject({ error_reason: 'ErrorIdempotencyKeyInFlight' });
    expect(await streamEvents(`bank-link-${userId}`)).toEqual(['BankLinkRequested']);

    const replay = await service.request('PUT', '/user/linked-bank-account/link', { userId, headers: { 'idempotency-key': 'link-once-1' } });
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotency-replayed')).toBe('true');
    expect(replay.body).toEqual(ok[0].body);
    expect(await streamEvents(`bank-link-${userId}`)).toEqual(['BankLinkRequested']);
  });

  it('rejects a provider webhook with a bad signature with 401 and changes nothing', async () => {
    const userId = 'user-forged';
    await fullUser(userId);
    const link = await service.request<{ link_url: string }>('PUT', '/user/linked-bank-account/link', { userId });
    const token = new URL(link.body.link_url).searchParams.get('token');
    const forged = JSON.stringify({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', status: 'SUCCESS', link_token: token, public_tokens: ['public-sandbox-x'], environment: 'sandbox' });
    const unsigned = await fetch(`${service.url}/webhooks/plaid`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: forged });
    expect(unsigned.status).toBe(401);
    const garbage = await fetch(`${service.url}/webhooks/plaid`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'plaid-verification': 'eyJhbGciOiJub25lIn0.e30.' },
      body: forged,
    });
    expect(garbage.status).toBe(401);
    expect(await garbage.json()).toMatchObject({ error_reason: 'ErrorUnauthorized', error_category: { http_status_code: 401 } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await streamEvents(`bank-link-${userId}`)).toEqual(['BankLinkRequested']);
  });
});
