/**
 * ACH pulls end to end against real Kafka and the provider-sandbox over HTTP: HTTP pull -> process manager submits
 * the provider debit -> provider outcome -> signed BANK_TRANSFERS_EVENTS_UPDATE -> receiver -> Kafka -> translator
 * -> event/sync -> pull status over HTTP.
 */
import { createHash } from 'node:crypto';
import { CompactSign, generateKeyPair } from 'jose';
import { Client } from 'pg';
import { createKafka } from '@payments/messaging';
import { WebhookKeyRing } from '../../../provider-sandbox/src';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { testKafkaBrokers } from '../../../../test/support/kafka';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';

interface PullView {
  uuid: string;
  status: string;
  failure_reason: { code: string; description: string } | null;
  settled_at: string | null;
  returned_at: string | null;
  cancelled_at: string | null;
}

describe('ACH pull lifecycle over HTTP, provider-sandbox and Kafka', () => {
  let service: ServiceHarness;
  let db: Client;
  const userId = 'lifecycle-user';

  let pulls: AchPullDriver;

  const eventTypes = (uuid: string) => pulls.eventTypes(uuid);
  const pendingPull = (amount: number | string = 25) => pulls.pendingPull(userId, amount);
  const simulate = (transferId: string, eventType: string, achReturnCode?: string) => pulls.simulate(transferId, eventType, achReturnCode);
  const sandboxCall = (path: string, body: Record<string, unknown>) => pulls.sandboxCall(path, body);
  const waitForStatus = (uuid: string, status: string) => pulls.waitForStatus<PullView>(userId, uuid, status);

  beforeAll(async () => {
    service = await startService('ach-pull-lifecycle', { kafka: true });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    await pulls.linkBankAccount(userId);
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  it('settles a $25.00 pull when the provider posts it', async () => {
    const pull = await pendingPull('25.00');
    await simulate(pull.transferId, 'posted');
    const settled = await waitForStatus(pull.uuid, 'SETTLED');
    expect(settled.settled_at).toEqual(expect.any(String));
    expect(settled.failure_reason).toBeNull();
    expect(await eventTypes(pull.uuid)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled']);
  });

  it('fails a pull with the provider\'s return code when the debit fails', async () => {
    const pull = await pendingPull();
    await simulate(pull.transferId, 'failed', 'R01');
    const failed = await waitForStatus(pull.uuid, 'FAILED');
    expect(failed.failure_reason).toEqual({ code: 'R01', description: expect.any(String) });
  });

  it('returns a settled pull with R01 when the provider reverses it after posting', async () => {
    const pull = await pendingPull();
    await simulate(pull.transferId, 'posted');
    await waitForStatus(pull.uuid, 'SETTLED');
    await simulate(pull.transferId, 'reversed', 'R01');
    const returned = await waitForStatus(pull.uuid, 'RETURNED');
    expect(returned.failure_reason?.code).toBe('R01');
    expect(returned.returned_at).toEqual(expect.any(String));
    expect(await eventTypes(pull.uuid)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled', 'AchPullReturned']);
  });

  it('cancels a pending pull at the provider on request, and declines once it has posted', async () => {
    const pull = await pendingPull();
    const cancel = await service.request('POST', `/user/linked-bank-account/pulls/${pull.uuid}/cancel`, { userId });
    expect(cancel.status).toBe(202);
    const cancelled = await waitForStatus(pull.uuid, 'CANCELLED');
    expect(cancelled.cancelled_at).toEqual(expect.any(String));

    const posted = await pendingPull();
    await simulate(posted.transferId, 'posted');
    await waitForStatus(posted.uuid, 'SETTLED');
    const refused = await service.request('POST', `/user/linked-bank-account/pulls/${posted.uuid}/cancel`, { userId });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ error_details: expect.arrayContaining([{ key: 'issue', details: 'ach_pull_not_cancellable' }]) });
  });

  it('a webhook delivered three times produces one set of domain events', async () => {
    const pull = await pendingPull();
    await simulate(pull.transferId, 'posted');
    await waitForStatus(pull.uuid, 'SETTLED');
    const before = Number((await db.query('SELECT count(*)::int AS n FROM events')).rows[0].n);
    for (let i = 0; i < 3; i++) await sandboxCall('/sandbox/bank_transfer/fire_webhook', { webhook: `${service.url}/webhooks/plaid` });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(Number((await db.query('SELECT count(*)::int AS n FROM events')).rows[0].n)).toBe(before);
    expect(await eventTypes(pull.uuid)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled']);
  });

  it('answers 401 to tampered, wrongly signed or unknown-key webhooks and puts nothing on Kafka', async () => {
    const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: 'lifecycle-offsets' });
    const admin = kafka.admin();
    await admin.connect();
    const topic = `${service.topicPrefix}provider.webhooks`;
    const endOffsets = async () => (await admin.fetchTopicOffsets(topic)).map((p) => `${p.partition}:${p.high}`).join(',');
    try {
      const before = await endOffsets();
      const body = JSON.stringify({ webhook_type: 'BANK_TRANSFERS', webhook_code: 'BANK_TRANSFERS_EVENTS_UPDATE', environment: 'sandbox' }, null, 2);
      const send = (payload: string, verification: string) =>
        fetch(`${service.url}/webhooks/plaid`, { method: 'POST', headers: { 'content-type': 'application/json', 'plaid-verification': verification }, body: payload });

      const genuine = await service.sandbox!.get(WebhookKeyRing).sign(Buffer.from(body));
      const tampered = await send(body.replace('sandbox', 'production'), genuine);
      expect(tampered.status).toBe(401);

      const [header, payload] = genuine.split('.');
      const hs256Header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: JSON.parse(Buffer.from(header, 'base64url').toString()).kid, typ: 'JWT' })).toString('base64url');
      expect((await send(body, `${hs256Header}.${payload}.c2lnbmF0dXJl`)).status).toBe(401);

      const { privateKey } = await generateKeyPair('ES256');
      const claims = { iat: Math.floor(Date.now() / 1000), request_body_sha256: createHash('sha256').update(body).digest('hex') };
      const unknownKid = await new CompactSign(Buffer.from(JSON.stringify(claims))).setProtectedHeader({ alg: 'ES256', kid: 'not-a-plaid-key', typ: 'JWT' }).sign(privateKey);
      const unknown = await send(body, unknownKid);
      expect(unknown.status).toBe(401);
      expect(await unknown.json()).toMatchObject({ error_reason: 'ErrorUnauthorized' });

      expect(await endOffsets()).toBe(before);
    } finally {
      await admin.disconnect();
    }
  });
});
