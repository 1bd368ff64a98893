/**
 * Outbound webhooks end to end: a product app registers an endpoint over HTTP, ACH pulls move (HTTP pull, provider
 * sandbox webhooks), the worker fans the public events out and POSTs them signed to a real HTTP receiver that is down
 * (503, then connection refused) for a while and then comes back. The retry schedule is shrunk by configuration.
 */
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { Client } from 'pg';
import { verifySignature } from '@payments/messaging';
import { freePort, ServiceHarness, startService } from '../../../../test/support/service-harness';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A product app's webhook receiver on a fixed port: answers 503 while `failing`, 200 otherwise; can be stopped and restarted. */
class Receiver {
  readonly received: Received[] = [];
  failing = false;
  private server?: Server;
  constructor(readonly port: number) {}

  async start(): Promise<void> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        res.statusCode = this.failing ? 503 : 200;
        if (!this.failing) this.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

interface Attempt {
  attempt: number;
  status_code: number | null;
  error: string | null;
  outcome: string;
  duration_ms: number;
  attempted_at: string;
  next_attempt_at: string | null;
}
interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: number;
  attempt_log: Attempt[];
}

describe('outbound webhooks to a product app', () => {
  let service: ServiceHarness;
  let db: Client;
  let pulls: AchPullDriver;
  let receiver: Receiver;
  const userId = 'webhook-user';

  beforeAll(async () => {
    service = await startService('outbound-webhooks', {
      kafka: false,
      env: { OUTBOUND_WEBHOOK_RETRY_BASE_MS: '200', OUTBOUND_WEBHOOK_RETRY_MAX_MS: '800', OUTBOUND_WEBHOOK_GIVE_UP_AFTER_MS: '120000', OUTBOUND_WEBHOOK_TIMEOUT_MS: '2000' },
    });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    receiver = new Receiver(await freePort());
  });
  afterAll(async () => {
    await receiver?.stop();
    await db?.end();
    await service?.close();
  });

  const deliveries = async (endpointId: string) =>
    (await service.request<{ deliveries: Delivery[] }>('GET', `/webhook-endpoints/${endpointId}/deliveries`)).body.deliveries;

  it('refuses bad registrations in the seed error shape and never shows the secret again', async () => {
    const bad = await service.request<Record<string, unknown>>('POST', '/webhook-endpoints', { body: { url: 'ftp://example.com/hook', event_types: ['ach_pull.completed'] } });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_reason: 'ErrorInvalidField', error_category: { category: 'CategoryValidationFailure', http_status_code: 400 } });
    expect(bad.body.error_details).toEqual(expect.arrayContaining([{ key: 'field', details: 'url' }]));

    const unknownType = await service.request<Record<string, unknown>>('POST', '/webhook-endpoints', { body: { url: 'https://example.com/hook', event_types: ['ach_pull.nope'] } });
    expect(unknownType.status).toBe(400);
    expect(JSON.stringify(unknownType.body.error_details)).toContain('event_types');

    const created = await service.request<{ id: string; secret: string; status: string }>('POST', '/webhook-endpoints', {
      body: { url: 'https://example.com/hook', event_types: ['*'], secret: 'a-secret-of-the-app-1234' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ secret: 'a-secret-of-the-app-1234', status: 'ENABLED' });
    const read = await service.request<Record<string, unknown>>('GET', `/webhook-endpoints/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(JSON.stringify(read.body)).not.toContain('a-secret-of-the-app');
    const { rows } = await db.query<{ secret_encrypted: string }>('SELECT secret_encrypted FROM webhook_endpoints WHERE endpoint_id = $1', [created.body.id]);
    expect(rows[0]!.secret_encrypted).not.toContain('a-secret-of-the-app');
    // Another API key does not see it.
    expect((await service.request('GET', `/webhook-endpoints/${created.body.id}`, { key: service.opsKey })).status).toBe(404);
    expect((await service.request('DELETE', `/webhook-endpoints/${created.body.id}`)).status).toBe(200);
    expect((await service.request('GET', `/webhook-endpoints/${created.body.id}`)).status).toBe(404);
  });

  it('delivers every event, signed, once the endpoint comes back after being down; the log shows the failed attempts', async () => {
    const created = await service.request<{ id: string; secret: string }>('POST', '/webhook-endpoints', {
      body: { url: `http://127.0.0.1:${receiver.port}/v2/webhooks/activities`, event_types: ['ach_pull.initiated', 'ach_pull.pending', 'ach_pull.completed'] },
    });
    expect(created.status).toBe(201);
    const { id: endpointId, secret } = created.body;
    expect(secret).toMatch(/^whsec_/);

    // Down, first answering 503 …
    receiver.failing = true;
    await receiver.start();
    await pulls.linkBankAccount(userId);
    const pull = await pulls.pendingPull(userId, '25.00');
    await pulls.simulate(pull.transferId, 'posted');
    await pulls.waitForStatus(userId, pull.uuid, 'SETTLED');
    await service.eventually(async () => {
      const all = await deliveries(endpointId);
      return all.length === 3 && all.every((d) => d.attempt_log.some((a) => a.status_code === 503));
    }, 20_000);
    // … then not listening at all (connection refused) …
    await receiver.stop();
    await service.eventually(async () => (await deliveries(endpointId)).every((d) => d.attempt_log.some((a) => a.error !== null && a.status_code === null)), 20_000);
    // … then back.
    receiver.failing = false;
    await receiver.start();
    const done = await service.eventually(async () => {
      const all = await deliveries(endpointId);
      return all.every((d) => d.status === 'delivered') && all;
    }, 20_000);

    expect(done.map((d) => d.event_type).sort()).toEqual(['ach_pull.completed', 'ach_pull.initiated', 'ach_pull.pending']);
    for (const delivery of done) {
      const log = delivery.attempt_log;
      expect(log.length).toBeGreaterThanOrEqual(3);
      expect(log.slice(0, -1).every((a) => a.outcome === 'retry' && a.next_attempt_at !== null)).toBe(true);
      expect(log.some((a) => a.status_code === 503)).toBe(true);
      expect(log.some((a) => a.status_code === null && /ECONNREFUSED|fetch failed/.test(a.error ?? ''))).toBe(true);
      expect(log[log.length - 1]).toMatchObject({ outcome: 'delivered', status_code: 200, error: null, next_attempt_at: null });
      // Waits grow: each next attempt is scheduled later after each failure (base 200 ms doubling, ±10 %).
      const waits = log.slice(0, -1).map((a) => Date.parse(a.next_attempt_at!) - Date.parse(a.attempted_at));
      expect(waits[1]!).toBeGreaterThan(waits[0]!);
    }

    const byType = new Map(receiver.received.map((r) => [r.headers['payments-event-type'] as string, r]));
    expect([...byType.keys()].sort()).toEqual(['ach_pull.completed', 'ach_pull.initiated', 'ach_pull.pending']);
    for (const message of receiver.received) {
      expect(verifySignature(message.headers['payments-signature'] as string, message.body, secret)).toBe(true);
      expect(verifySignature(message.headers['payments-signature'] as string, message.body, 'whsec_wrong')).toBe(false);
      const body = JSON.parse(message.body) as { id: string; type: string; subject: string; data: Record<string, unknown> };
      expect(body.id).toBe(message.headers['payments-event-id']);
      expect(body.type).toBe(message.headers['payments-event-type']);
      expect(body.subject).toBe(`ach-pull-${pull.uuid}`);
      expect(body.data).toMatchObject({ pull_id: pull.uuid, user_id: userId });
    }
    expect(byType.get('ach_pull.completed')!.body).toContain('"amount":"25.00"');

    // Manual redelivery of one delivery: the same event (same id) arrives again, logged as one more attempt.
    const completed = done.find((d) => d.event_type === 'ach_pull.completed')!;
    const before = receiver.received.length;
    const redeliver = await service.request<{ redelivered: string[] }>('POST', `/webhook-endpoints/${endpointId}/deliveries/${completed.id}/redeliver`);
    expect(redeliver.status).toBe(202);
    expect(redeliver.body.redelivered).toEqual([completed.id]);
    await service.eventually(async () => receiver.received.length > before);
    expect(receiver.received[receiver.received.length - 1]!.headers['payments-event-id']).toBe(completed.event_id);
    const again = await service.eventually(async () => {
      const d = (await service.request<Delivery>('GET', `/webhook-endpoints/${endpointId}/deliveries/${completed.id}`)).body;
      return d.status === 'delivered' && d.attempts === completed.attempts + 1 && d;
    });
    expect(again.attempt_log).toHaveLength(completed.attempts + 1);
  });
});
