/**
 * Issue 6 item 6: one W3C trace flows end to end (real Kafka, worker in this process). A pull requested over HTTP with
 * a `traceparent` keeps that trace id on its events, on `payments.events` and on the outbound webhook POST. A provider
 * webhook that arrives with a `traceparent` (a proxy in front of the API adds one to the sandbox's signed webhooks)
 * keeps its trace id through the `provider.webhooks` Kafka header, the translator's events, `payments.events` and the
 * outbound webhook POST.
 */
import { randomBytes } from 'node:crypto';
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { Client } from 'pg';
import { ConsumedMessage, ConsumerHandle, createKafka, runConsumer } from '@payments/messaging';
import { freePort, ServiceHarness, startService } from '../../../../test/support/service-harness';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';
import { testKafkaBrokers, uniqueName } from '../../../../test/support/kafka';
import { PublicEventsReader } from '../../../../test/support/public-events-reader';
import { BankTransfersService } from '../../../provider-sandbox/src';

const USER = 'trace-user';
const traceIdOf = (traceparent: unknown): string | undefined =>
  typeof traceparent === 'string' ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent)?.[1] : undefined;
const newTraceId = (): string => randomBytes(16).toString('hex');
const traceparentFor = (traceId: string): string => `00-${traceId}-${randomBytes(8).toString('hex')}-01`;

/** Listens on a port and records every request (headers, body); answers 200. */
async function recordingServer(onRequest: (headers: IncomingHttpHeaders, body: Buffer, url: string) => Promise<number>): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      onRequest(req.headers, Buffer.concat(chunks), req.url ?? '/').then(
        (status) => res.writeHead(status).end(),
        () => res.writeHead(502).end(),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, port };
}
const closeServer = (server: Server | undefined) =>
  server ? new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) : Promise.resolve();

describe('trace context from the HTTP request to the outbound webhook (real Kafka)', () => {
  let service: ServiceHarness;
  let db: Client;
  let pulls: AchPullDriver;
  let reader: PublicEventsReader;
  let webhookTopic: ConsumerHandle;
  const providerWebhookMessages: ConsumedMessage[] = [];
  let proxy: Server;
  /** Trace ids the proxy put on each provider webhook it forwarded, in order. */
  const proxiedTraceIds: string[] = [];
  let receiver: Server;
  const outbound: { headers: IncomingHttpHeaders; body: { id: string; type: string; subject: string } }[] = [];

  beforeAll(async () => {
    service = await startService('trace-context', { kafka: true });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    // The sandbox's signed webhooks go through a proxy that adds a fresh traceparent, as a traced provider would.
    const forwarding = await recordingServer(async (headers, body, url) => {
      const traceId = newTraceId();
      proxiedTraceIds.push(traceId);
      const forwarded: Record<string, string> = { traceparent: traceparentFor(traceId) };
      for (const [name, value] of Object.entries(headers)) {
        if (typeof value === 'string' && !['host', 'content-length', 'connection', 'traceparent'].includes(name)) forwarded[name] = value;
      }
      const response = await fetch(`${service.url}${url}`, { method: 'POST', headers: forwarded, body });
      return response.status;
    });
    proxy = forwarding.server;
    service.sandbox!.get(BankTransfersService).setWebhookUrl(`http://127.0.0.1:${forwarding.port}/webhooks/plaid`);
    const receiving = await recordingServer(async (headers, body) => {
      outbound.push({ headers, body: JSON.parse(body.toString('utf8')) as (typeof outbound)[number]['body'] });
      return 200;
    });
    receiver = receiving.server;

    const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName('trace-reader') });
    reader = await PublicEventsReader.start(kafka, `${service.topicPrefix}payments.events`);
    webhookTopic = runConsumer({
      kafka,
      groupId: uniqueName('trace-webhooks-reader'),
      topic: `${service.topicPrefix}provider.webhooks`,
      dlqTopic: `${service.topicPrefix}provider.webhooks.unused-dlq`,
      maxAttempts: 1,
      backoffMs: { initial: 10, max: 10 },
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 100,
      fromBeginning: true,
      handle: async (message) => {
        providerWebhookMessages.push(message);
      },
    });
    await webhookTopic.ready;
    const endpoint = await service.request('POST', '/webhook-endpoints', {
      body: { url: `http://127.0.0.1:${receiving.port}/hooks`, event_types: ['ach_pull.initiated', 'ach_pull.completed'] },
    });
    expect(endpoint.status).toBe(201);
  }, 180_000);

  afterAll(async () => {
    await webhookTopic?.stop();
    await reader?.stop();
    await closeServer(proxy);
    await closeServer(receiver);
    await db?.end();
    await service?.close();
  });

  const eventTrace = async (pullId: string, type: string): Promise<string | undefined> => {
    const { rows } = await db.query<{ traceparent: string | null }>(
      "SELECT metadata->>'traceparent' AS traceparent FROM events WHERE stream_id = $1 AND type = $2",
      [`ach-pull-${pullId}`, type],
    );
    return traceIdOf(rows[0]?.traceparent);
  };

  it('starts a trace for a request without one and echoes it', async () => {
    const response = await service.request('GET', '/user', { userId: 'nobody' });
    expect(traceIdOf(response.headers.get('traceparent'))).toMatch(/^[0-9a-f]{32}$/);
  });

  it('keeps one trace id from the HTTP request, and one from the provider webhook, to the outbound webhook', async () => {
    await pulls.linkBankAccount(USER);

    // 1. The pull request's trace: response header, event metadata, payments.events header, outbound webhook header.
    const requestTrace = newTraceId();
    const created = await service.request<{ uuid: string }>('POST', '/user/linked-bank-account/pull', {
      userId: USER,
      body: { amount: '30.00' },
      headers: { traceparent: traceparentFor(requestTrace) },
    });
    expect(created.status).toBe(201);
    expect(traceIdOf(created.headers.get('traceparent'))).toBe(requestTrace);
    expect(created.headers.get('traceparent')).not.toContain(traceparentFor(requestTrace).slice(36, 52));
    const pullId = created.body.uuid;
    expect(await eventTrace(pullId, 'AchPullRequested')).toBe(requestTrace);
    // The submission process manager continues it on its follow-up event.
    await service.eventually(async () => (await eventTrace(pullId, 'AchPullSubmitted')) !== undefined, 20_000);
    expect(await eventTrace(pullId, 'AchPullSubmitted')).toBe(requestTrace);

    // 2. The provider settles it: its webhook's trace goes through Kafka and the translator.
    const transferId = await service.eventually(async () => {
      const { rows } = await db.query<{ provider_transfer_id: string | null }>('SELECT provider_transfer_id FROM ach_pulls WHERE pull_id = $1', [pullId]);
      return rows[0]?.provider_transfer_id ?? undefined;
    });
    await service.eventually(async () => (await pulls.eventTypes(pullId)).includes('AchPullPending'), 20_000);
    const webhooksBefore = proxiedTraceIds.length;
    await pulls.simulate(transferId, 'posted');
    await pulls.waitForStatus(USER, pullId, 'SETTLED');
    const settleTraces = proxiedTraceIds.slice(webhooksBefore);
    expect(settleTraces.length).toBeGreaterThan(0);
    const settledTrace = await eventTrace(pullId, 'AchPullSettled');
    expect(settleTraces).toContain(settledTrace);
    // The provider.webhooks message for that webhook carries the same trace in its traceparent header.
    const webhookMessage = await service.eventually(async () => providerWebhookMessages.find((m) => traceIdOf(m.headers['traceparent']) === settledTrace), 20_000);
    expect(webhookMessage.headers['webhook_code']).toBe('BANK_TRANSFERS_EVENTS_UPDATE');

    // 3. payments.events: each public event's traceparent header has its domain event's trace id.
    const initiated = await service.eventually(async () => reader.received.find((r) => r.event.subject === `ach-pull-${pullId}` && r.event.type === 'ach_pull.initiated'), 20_000);
    const completed = await service.eventually(async () => reader.received.find((r) => r.event.subject === `ach-pull-${pullId}` && r.event.type === 'ach_pull.completed'), 20_000);
    expect(traceIdOf(initiated.message.headers['traceparent'])).toBe(requestTrace);
    expect(traceIdOf(completed.message.headers['traceparent'])).toBe(settledTrace);

    // 4. The outbound webhook POSTs carry them on.
    const posted = await service.eventually(async () => {
      const mine = outbound.filter((o) => o.body.subject === `ach-pull-${pullId}`);
      return mine.length === 2 && mine;
    }, 20_000);
    const byType = new Map(posted.map((o) => [o.body.type, o]));
    expect(traceIdOf(byType.get('ach_pull.initiated')!.headers['traceparent'])).toBe(requestTrace);
    expect(traceIdOf(byType.get('ach_pull.completed')!.headers['traceparent'])).toBe(settledTrace);
  });
});
