/**
 * Provider webhook ingestion: provider event -> signed BANK_TRANSFERS_EVENTS_UPDATE -> POST /webhooks/plaid (signature
 * verified) -> Kafka provider.webhooks -> translator -> /bank_transfer/event/sync -> AchPullPending / AchPullSettled
 * appended; beside raw kafkajs produce+consume of the same message bytes, same process, same run.
 *
 *   npm run bench:webhooks                      (starts its own Kafka with test/infra/kafka.sh, stops it at the end)
 *   KAFKA_BROKERS=127.0.0.1:9092 npm run bench:webhooks
 *   BENCH_WEBHOOK_PULLS=3000 BENCH_SECONDS=3 npm run bench:webhooks
 *   BENCH_WEBHOOK_COALESCE_MS=0 npm run bench:webhooks   (one webhook per provider event instead of Plaid-like coalescing)
 *
 * The service (API + worker: receiver, webhook translator, process managers, projections) runs in this process on a
 * fresh database (dropped at the end) and a unique Kafka topic prefix; the provider-sandbox runs in a process of its
 * own (bench/support/sandbox-process.ts), as the real provider is elsewhere: its signing and sending of webhooks and
 * its /event/sync answers are not the service's CPU time. The bench drives it over IPC (posting transfers).
 *
 *  1. setup: a few users link a bank account over HTTP; 1.5 x BENCH_WEBHOOK_PULLS AchPullRequested go through the
 *     CommandProcessor; the process manager submits them to the sandbox (webhooks off meanwhile), then one webhook
 *     syncs all their PENDING events (timed: the translator's sync loop without webhook overhead).
 *  Before each measured phase the bench waits until the worker is quiet (no process manager appending, every
 *  projection at the last event), so a phase measures its own events, not the backlog of the one before.
 *  2. peak: the sandbox posts BENCH_WEBHOOK_PULLS transfers at once (one provider event each; one webhook each, or
 *     with BENCH_WEBHOOK_COALESCE_MS > 0 (default 50) one webhook per window, as Plaid documents for transfer events).
 *     Throughput = provider events / (first webhook received .. last AchPullSettled appended).
 *  3. latency: the sandbox posts further transfers paced at half the peak rate for 4 x BENCH_SECONDS (at least 5 s);
 *     latency per event = AchPullSettled appended - provider event created (the webhook carries no data, so the
 *     provider event's creation is the only per-event start there is).
 *  4. raw kafkajs: the same message bytes and headers, one message per send with the service publisher's producer
 *     settings (idempotent, acks all, 1 in flight), consumed by a consumer group: peak messages/s with the same count
 *     sent at once, then p50/p99 produce->consume at the same half-peak rate.
 *
 * The stages are timed by wrapping the service's own instances in this process (Fastify onRequest/onResponse hooks,
 * WEBHOOK_SINK.publish, PlaidWebhookTranslator.handle, BankTransferEventsSync.sync, the provider feed's syncEvents,
 * CommandProcessor.execute); no production code changes for the benchmark.
 */
import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadBenchSettings, loadConfig } from '@payments/config';
import {
  achPullDecider,
  achPullLinkFacts,
  achPullStreamId,
  bankLinkDecider,
  bankLinkStreamId,
  customerDecider,
  customerFacts,
  customerStreamId,
  parseAchPullMoney,
} from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { ensureKafkaTopology, SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { PG_POOL } from '@payments/read-models';
import { ReceivedWebhook, WEBHOOK_SINK, WebhookSink } from '@payments/messaging';
import { PLAID_BANK_TRANSFERS } from '@payments/providers/nest/provider-tokens';
import { SyncBankTransferEventsInput, SyncedBankTransferEvents } from '@payments/providers/plaid';
import { SandboxProcess, startSandboxProcess } from './support/sandbox-process';
import { createServiceApp } from '../apps/api/src/create-api-app';
import { WorkerModule } from '../apps/worker/src/worker.module';
import { BankTransferEventsSync, BankTransferSyncSummary, BankTransferSyncTrigger } from '../apps/worker/src/translating-provider-webhooks/bank-transfer-events';
import { PlaidWebhookTranslator } from '../apps/worker/src/translating-provider-webhooks/plaid-webhook-translator';
import { ProjectionsService } from '../apps/worker/src/projecting/projections.service';
import { startBenchKafka, BenchKafka } from './support/kafka-broker';
import { freePort } from './support/bench-api';
import { fmt, mean, quantile, sleep, sum, table } from './support/stats';

const SETTINGS = loadBenchSettings();
const PULLS = SETTINGS.webhookPulls;
const LATENCY_SECONDS = Math.max(5, SETTINGS.seconds * 4);
const USERS = 8;
const TARGET_EVENTS_PER_SECOND = 2000;
const TARGET_P99_MS = 250;
const SETUP_TIMEOUT_MS = 300_000;
const DRAIN_TIMEOUT_MS = 60_000;
const now = (): number => performance.now();

// ---------------------------------------------------------------------------------------------------------------
// Instrumentation: timestamps (performance.now(), ms) of every stage, from wrappers around the running instances.

interface WebhookTrace {
  httpIn?: number;
  httpOut?: number;
  publishStart?: number;
  publishEnd?: number;
  handleStart?: number;
  handleEnd?: number;
}
interface Span {
  start: number;
  end: number;
}
interface SyncSpan extends Span {
  seen: number;
}

class Probe {
  readonly webhooks = new Map<string, WebhookTrace>();
  readonly sends: Span[] = [];
  readonly syncs: SyncSpan[] = [];
  readonly feedCalls: Span[] = [];
  readonly executes: Span[] = [];
  readonly pendingAt = new Map<string, number>();
  readonly settledAt = new Map<string, number>();
  submitted = 0;
  readonly simulatedAt = new Map<string, number>();
  sample?: { body: Buffer; headers: Record<string, string> };
  published = 0;
  handled = 0;
  coalesced = 0;

  trace(correlationId: string): WebhookTrace {
    let trace = this.webhooks.get(correlationId);
    if (!trace) {
      trace = {};
      this.webhooks.set(correlationId, trace);
    }
    return trace;
  }
}

/** Fastify hooks on the receiver: must be added before listen(). */
function instrumentHttp(app: NestFastifyApplication, probe: Probe): void {
  const fastify = app.getHttpAdapter().getInstance();
  type Req = { url: string; correlationId?: string };
  fastify.addHook('onRequest', async (request: Req) => {
    if (request.url === '/webhooks/plaid' && request.correlationId) probe.trace(request.correlationId).httpIn = now();
  });
  fastify.addHook('onResponse', async (request: Req) => {
    if (request.url === '/webhooks/plaid' && request.correlationId) probe.trace(request.correlationId).httpOut = now();
  });
}

function instrumentService(app: NestFastifyApplication, probe: Probe): void {
  const sink = app.get<WebhookSink>(WEBHOOK_SINK);
  const publish = sink.publish.bind(sink);
  sink.publish = async (webhook: ReceivedWebhook) => {
    const trace = probe.trace(webhook.headers['correlation_id'] ?? '');
    trace.publishStart = now();
    probe.sample ??= { body: Buffer.from(webhook.body), headers: { ...webhook.headers } };
    await publish(webhook);
    trace.publishEnd = now();
    probe.published++;
  };

  const translator = app.get(PlaidWebhookTranslator);
  const handle = translator.handle.bind(translator);
  translator.handle = async (webhook: ReceivedWebhook) => {
    const trace = probe.trace(webhook.headers['correlation_id'] ?? '');
    trace.handleStart = now();
    try {
      await handle(webhook);
    } finally {
      trace.handleEnd = now();
      probe.handled++;
    }
  };

  const events = app.get(BankTransferEventsSync);
  const sync = events.sync.bind(events);
  events.sync = async (correlationId: string, trigger?: BankTransferSyncTrigger): Promise<BankTransferSyncSummary> => {
    const start = now();
    const summary = await sync(correlationId, trigger);
    // A coalesced call read nothing (a run that started after the webhook arrived covered it): not a run.
    if (summary.coalesced) probe.coalesced++;
    else probe.syncs.push({ start, end: now(), seen: summary.seen });
    return summary;
  };

  const feed = app.get<{ syncEvents(input: SyncBankTransferEventsInput): Promise<SyncedBankTransferEvents> }>(PLAID_BANK_TRANSFERS);
  const syncEvents = feed.syncEvents.bind(feed);
  feed.syncEvents = async (input) => {
    const start = now();
    try {
      return await syncEvents(input);
    } finally {
      probe.feedCalls.push({ start, end: now() });
    }
  };

  const commands = app.get(CommandProcessor);
  const execute = commands.execute.bind(commands) as (...args: unknown[]) => Promise<unknown>;
  (commands as { execute: unknown }).execute = async (...args: unknown[]) => {
    const command = args[2] as { type: string; data?: { provider_transfer_id?: string } };
    const start = now();
    const result = await execute(...args);
    const end = now();
    if (command.type === 'RecordProviderSubmission') probe.submitted++;
    if (command.type === 'MarkPending' || command.type === 'MarkSettled') {
      probe.executes.push({ start, end });
      const transferId = command.data?.provider_transfer_id;
      const seen = command.type === 'MarkPending' ? probe.pendingAt : probe.settledAt;
      if (transferId && !seen.has(transferId)) seen.set(transferId, end);
    }
    return result;
  };

}

/** This process's performance.now() of a wall-clock time from the sandbox process. */
const fromWall = (wall: number): number => wall - performance.timeOrigin;

// ---------------------------------------------------------------------------------------------------------------
// The service, as the test harness starts it, but on a database and topic prefix of this benchmark.


interface Service {
  app: NestFastifyApplication;
  sandbox: SandboxProcess;
  url: string;
  sandboxUrl: string;
  appKey: string;
  opsKey: string;
}

async function startServiceApp(databaseUrl: string, brokers: string[], topicPrefix: string, probe: Probe): Promise<Service> {
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const appKey = `pk_${randomBytes(32).toString('base64url')}`;
  const opsKey = `pk_${randomBytes(32).toString('base64url')}`;
  const sandbox = await startSandboxProcess({ port: sandboxPort, webhookCoalesceMs: SETTINGS.webhookCoalesceMs });
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    FINGERPRINT_KEY: randomBytes(32).toString('base64'),
    LOCAL_API_KEY: appKey,
    OPS_API_KEY: opsKey,
    PLAID_BASE_URL: `http://127.0.0.1:${sandboxPort}`,
    PLAID_CLIENT_ID: SANDBOX_PLAID_CREDENTIALS.clientId,
    PLAID_SECRET: SANDBOX_PLAID_CREDENTIALS.secret,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'error',
    KAFKA_BROKERS: brokers.join(','),
    KAFKA_TOPIC_PREFIX: topicPrefix,
  });
  await ensureKafkaTopology(config);
  const app = await createServiceApp({
    config,
    kafkaTopicPrefix: topicPrefix,
    extraModules: [WorkerModule.forRoot({ kafkaTopicPrefix: topicPrefix, maxAttempts: 20 })],
    logger: false,
    shutdownHooks: false,
  });
  instrumentHttp(app, probe);
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;
  instrumentService(app, probe);
  return { app, sandbox, url, sandboxUrl: `http://127.0.0.1:${sandboxPort}`, appKey, opsKey };
}

async function call(service: Service, method: string, path: string, options: { userId?: string; key?: string; body?: unknown } = {}): Promise<unknown> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.key ?? service.appKey}` };
  if (options.userId) headers['x-user-id'] = options.userId;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${service.url}${path}`, { method, headers, body: options.body === undefined ? undefined : JSON.stringify(options.body) });
  const text = await response.text();
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

async function waitFor(what: string, timeoutMs: number, check: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = now() + timeoutMs;
  while (!(await check())) {
    if (now() > deadline) throw new Error(`${what}: not done within ${timeoutMs} ms`);
    await sleep(20);
  }
}

/** profile -> ops KYC approval -> PUT link -> the sandbox's Link flow completes -> the link is ACTIVE. */
async function linkedUser(service: Service, commands: CommandProcessor, userId: string): Promise<void> {
  await call(service, 'POST', '/user/linked-bank-account/profile', {
    userId,
    body: { type: 'individual', first_name: 'Bench', last_name: 'User', email: `${userId}@example.com` },
  });
  await call(service, 'PUT', `/ops/users/${userId}/kyc`, { key: service.opsKey, body: { kyc_status: 'approved' } });
  const link = (await call(service, 'PUT', '/user/linked-bank-account/link', { userId })) as { link_url: string };
  const token = new URL(link.link_url).searchParams.get('token');
  const completed = await fetch(`${service.sandboxUrl}/sandbox/link/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link_token: token, outcome: 'success' }),
  });
  if (completed.status !== 200) throw new Error(`sandbox link complete: ${completed.status}`);
  await waitFor(`link of ${userId}`, 30_000, async () => (await commands.load(bankLinkStreamId(userId), bankLinkDecider)).state.status === 'ACTIVE');
}

/** `count` AchPullRequested through the CommandProcessor (as the pull endpoint does), 16 at a time, spread over the users. */
async function requestPulls(commands: CommandProcessor, userIds: string[], count: number): Promise<void> {
  const facts = await Promise.all(
    userIds.map(async (userId) => ({
      userId,
      customer: customerFacts((await commands.load(customerStreamId(userId), customerDecider)).state),
      link: achPullLinkFacts((await commands.load(bankLinkStreamId(userId), bankLinkDecider)).state),
    })),
  );
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < count) {
        const n = next++;
        const { userId, customer, link } = facts[n % facts.length];
        const pullId = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
        await commands.execute(
          achPullStreamId(pullId),
          achPullDecider,
          {
            type: 'RequestAchPull',
            data: { pull_id: pullId, user_id: userId, amount: parseAchPullMoney('25.00', 'USD'), via: 'LINKED_BANK_ACCOUNT', customer, link },
            now: commands.now(),
          },
          { correlationId: `bench-${pullId}`, actor: 'system:bench' },
        );
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Phases

interface PhaseReport {
  name: string;
  events: number;
  start: number;
  firstReceipt: number;
  lastAppend: number;
  cpuMs: number;
  latencies: number[];
}

/** Waits until every webhook received so far was handled by the translator (consumer caught up). */
async function idle(probe: Probe, timeoutMs: number): Promise<void> {
  let quietSince = now();
  let lastHandled = -1;
  await waitFor('translator idle', timeoutMs, () => {
    if (probe.handled !== lastHandled || probe.handled < probe.published) {
      lastHandled = probe.handled;
      quietSince = now();
      return false;
    }
    return now() - quietSince > 500;
  });
}

/**
 * Waits until the service has nothing left to do from earlier phases: no process manager appending (the event count
 * unchanged for a second) and every projection at the last event. A phase then measures its own events, not the
 * worker still crediting accounts and projecting ledgers for the setup's thousands of pulls.
 */
async function quiesce(app: NestFastifyApplication): Promise<number> {
  const started = now();
  const pool = app.get<Pool>(PG_POOL);
  const projections = app.get(ProjectionsService);
  const head = async () =>
    (await pool.query<{ commit: string; prepare: string }>('SELECT tx_id::text AS commit, global_position::text AS prepare FROM events ORDER BY tx_id DESC, global_position DESC LIMIT 1')).rows[0];
  let last = await head();
  let stableSince = now();
  while (now() - stableSince < 1000) {
    if (now() - started > SETUP_TIMEOUT_MS) throw new Error('the service did not go quiet');
    await sleep(200);
    const current = await head();
    if (current?.prepare !== last?.prepare) {
      last = current;
      stableSince = now();
    }
  }
  if (last) await projections.waitFor({ commit: BigInt(last.commit), prepare: BigInt(last.prepare) }, SETUP_TIMEOUT_MS);
  return now() - started;
}

async function settle(probe: Probe, ids: string[], what: string): Promise<void> {
  await waitFor(what, DRAIN_TIMEOUT_MS, () => ids.every((id) => probe.settledAt.has(id)));
}

function firstReceiptAfter(probe: Probe, start: number): number {
  let first = Number.POSITIVE_INFINITY;
  for (const trace of probe.webhooks.values()) if (trace.httpIn !== undefined && trace.httpIn >= start && trace.httpIn < first) first = trace.httpIn;
  return first;
}

/** The provider posts these transfers (in its own process); records when each post happened. */
async function post(sandbox: SandboxProcess, probe: Probe, ids: string[]): Promise<void> {
  const at = await sandbox.post(ids);
  ids.forEach((id, i) => probe.simulatedAt.set(id, fromWall(at[i])));
}

async function peakPhase(sandbox: SandboxProcess, probe: Probe, ids: string[]): Promise<PhaseReport> {
  const cpu = process.cpuUsage();
  const start = now();
  await post(sandbox, probe, ids);
  await settle(probe, ids, 'peak phase');
  const lastAppend = Math.max(...ids.map((id) => probe.settledAt.get(id) ?? 0));
  const used = process.cpuUsage(cpu);
  return {
    name: 'peak (all at once)',
    events: ids.length,
    start,
    firstReceipt: firstReceiptAfter(probe, start),
    lastAppend,
    cpuMs: (used.user + used.system) / 1000,
    latencies: ids.map((id) => probe.settledAt.get(id)! - probe.simulatedAt.get(id)!),
  };
}

/**
 * Emits `count` provider events at `rate` per second: each timer tick emits the ones due by then, as one call
 * `emit(from, to)` for indices from..to-1 (one IPC message to the sandbox per tick, not one per event, so driving the
 * load costs the measured process little), then waits for all of them.
 */
async function pacedPhase(name: string, rate: number, count: number, emit: (from: number, to: number) => void, done: () => boolean): Promise<{ start: number; lastEmit: number }> {
  const start = now();
  let emitted = 0;
  while (emitted < count) {
    const due = Math.min(count, Math.floor(((now() - start) / 1000) * rate) + 1);
    if (due > emitted) {
      emit(emitted, due);
      emitted = due;
    }
    await sleep(1);
  }
  const lastEmit = now();
  await waitFor(name, DRAIN_TIMEOUT_MS, done);
  return { start, lastEmit };
}

async function latencyPhase(sandbox: SandboxProcess, probe: Probe, ids: string[], rate: number): Promise<PhaseReport> {
  const cpu = process.cpuUsage();
  const posts: Promise<void>[] = [];
  const { start } = await pacedPhase(
    'latency phase',
    rate,
    ids.length,
    (from, to) => posts.push(post(sandbox, probe, ids.slice(from, to))),
    () => ids.every((id) => probe.settledAt.has(id)),
  );
  await Promise.all(posts);
  const used = process.cpuUsage(cpu);
  return {
    name: `latency (${fmt(rate)}/s paced)`,
    events: ids.length,
    start,
    firstReceipt: firstReceiptAfter(probe, start),
    lastAppend: Math.max(...ids.map((id) => probe.settledAt.get(id) ?? 0)),
    cpuMs: (used.user + used.system) / 1000,
    latencies: ids.map((id) => probe.settledAt.get(id)! - probe.simulatedAt.get(id)!),
  };
}

interface RawReport {
  peakPerSecond: number;
  latencies: number[];
  rate: number;
}

/** Raw kafkajs: the webhook's bytes and headers through a 1-partition topic, one message per send, consumed by a group. */
async function rawKafka(brokers: string[], topic: string, sample: { body: Buffer; headers: Record<string, string> }, count: number, rate: number, latencyCount: number): Promise<RawReport> {
  const kafka = new Kafka({ clientId: `${topic}-client`, brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const consumer = kafka.consumer({ groupId: `${topic}-group`, maxWaitTimeInMs: 200, sessionTimeout: 10_000, heartbeatInterval: 1000 });
  const sentAt: number[] = [];
  const consumedAt: number[] = [];
  let consumed = 0;
  await producer.connect();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      eachMessage: async ({ message }) => {
        const seq = Number(message.headers?.bench_seq?.toString());
        if (Number.isInteger(seq) && consumedAt[seq] === undefined) {
          consumedAt[seq] = now();
          consumed++;
        }
      },
    });
    await joined;
    const send = (seq: number): Promise<unknown> => {
      sentAt[seq] = now();
      return producer.send({
        topic,
        acks: -1,
        messages: [
          {
            key: 'plaid:bank_transfers',
            value: sample.body,
            headers: { ...sample.headers, received_at: new Date().toISOString(), bench_seq: String(seq) },
          },
        ],
      });
    };
    // Warm-up: connection, metadata, producer id.
    await send(0);
    await waitFor('raw warm-up', DRAIN_TIMEOUT_MS, () => consumed >= 1);

    const base = 1;
    const sends: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) sends.push(send(base + i));
    await Promise.all(sends);
    await waitFor('raw peak', DRAIN_TIMEOUT_MS, () => consumed >= 1 + count);
    const peakSeconds = (Math.max(...consumedAt.slice(base, base + count)) - sentAt[base]) / 1000;

    const latencyBase = base + count;
    const pending: Promise<unknown>[] = [];
    await pacedPhase(
      'raw latency',
      rate,
      latencyCount,
      (from, to) => {
        for (let i = from; i < to; i++) pending.push(send(latencyBase + i));
      },
      () => consumed >= 1 + count + latencyCount,
    );
    await Promise.all(pending);
    const latencies = Array.from({ length: latencyCount }, (_, i) => consumedAt[latencyBase + i] - sentAt[latencyBase + i]);
    return { peakPerSecond: count / peakSeconds, latencies, rate };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Where the time goes, per phase window [start, lastAppend].

function breakdown(probe: Probe, phase: PhaseReport): string[][] {
  const inWindow = (span: { start: number }) => span.start >= phase.start && span.start <= phase.lastAppend + 1;
  const traces = [...probe.webhooks.values()].filter((t) => t.httpIn !== undefined && t.httpIn >= phase.start && t.httpIn <= phase.lastAppend);
  const wall = phase.lastAppend - phase.start;
  const d = (values: number[]) => [fmt(quantile(values, 0.5), 1), fmt(quantile(values, 0.99), 1), fmt(mean(values), 2)];
  const pick = (f: (t: WebhookTrace) => number | undefined) => traces.map(f).filter((v): v is number => v !== undefined && Number.isFinite(v));
  const syncs = probe.syncs.filter(inWindow);
  const feed = probe.feedCalls.filter(inWindow);
  const executes = probe.executes.filter(inWindow);
  const busy = (spans: Span[]) => sum(spans.map((s) => s.end - s.start));
  const syncBusy = busy(syncs);
  const feedBusy = busy(feed);
  const execBusy = busy(executes);
  const nonEmpty = syncs.filter((s) => s.seen > 0);
  const rows: string[][] = [
    ['sandbox: sign + POST webhook (until 200)', ...d(probe.sends.filter(inWindow).map((s) => s.end - s.start)), '', ''],
    ['receiver: request in -> sink.publish (auth, verify, parse)', ...d(pick((t) => (t.publishStart ?? NaN) - t.httpIn!)), '', ''],
    ['receiver: Kafka produce (sink.publish, acks all)', ...d(pick((t) => (t.publishEnd ?? NaN) - (t.publishStart ?? NaN))), '', ''],
    ['receiver: whole request (onRequest -> onResponse)', ...d(pick((t) => (t.httpOut ?? NaN) - t.httpIn!)), '', ''],
    ['Kafka: produced -> translator handle() starts', ...d(pick((t) => (t.handleStart ?? NaN) - (t.publishEnd ?? NaN))), '', ''],
    ['translator: handle() per webhook', ...d(pick((t) => (t.handleEnd ?? NaN) - (t.handleStart ?? NaN))), '', ''],
    [`translator: sync runs (${syncs.length}, ${syncs.length - nonEmpty.length} found nothing; ${probe.coalesced} webhooks coalesced so far)`, ...d(syncs.map((s) => s.end - s.start)), fmt(syncBusy), `${fmt((100 * syncBusy) / wall)}%`],
    [`  provider event/sync calls (${feed.length})`, ...d(feed.map((s) => s.end - s.start)), fmt(feedBusy), `${fmt((100 * feedBusy) / wall)}%`],
    [`  CommandProcessor.execute Mark* (${executes.length})`, ...d(executes.map((s) => s.end - s.start)), fmt(execBusy), `${fmt((100 * execBusy) / wall)}%`],
    [
      '  rest: lock, BEGIN/COMMIT, mapping lookup, cursor UPDATEs',
      '',
      '',
      '',
      fmt(syncBusy - feedBusy - execBusy),
      `${fmt((100 * (syncBusy - feedBusy - execBusy)) / wall)}%`,
    ],
  ];
  rows.push([
    `  provider events per non-empty sync run`,
    fmt(quantile(nonEmpty.map((s) => s.seen), 0.5)),
    fmt(quantile(nonEmpty.map((s) => s.seen), 0.99)),
    fmt(mean(nonEmpty.map((s) => s.seen)), 1),
    '',
    '',
  ]);
  rows.push([`this process CPU (${fmt(phase.cpuMs)} ms over ${fmt(wall)} ms wall)`, '', '', '', fmt(phase.cpuMs), `${fmt((100 * phase.cpuMs) / wall)}%`]);
  return rows;
}

// ---------------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const started = now();
  const adminUrl = SETTINGS.databaseUrl;
  const database = `wh_bench_${Date.now()}_${process.pid}`;
  const topicPrefix = `bench-webhooks-${Date.now()}-${randomBytes(3).toString('hex')}.`;
  let kafka: BenchKafka | undefined;
  let service: Service | undefined;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  const stopKafkaOnSignal = (signal: NodeJS.Signals) => {
    kafka?.stop();
    process.kill(process.pid, signal);
  };
  process.once('SIGINT', stopKafkaOnSignal);
  process.once('SIGTERM', stopKafkaOnSignal);
  try {
    kafka = startBenchKafka(SETTINGS.kafkaBrokers, 'bench-webhooks');
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(adminUrl);
    url.pathname = `/${database}`;
    const probe = new Probe();
    service = await startServiceApp(url.toString(), kafka.brokers, topicPrefix, probe);
    const commands = service.app.get(CommandProcessor);
    const sandbox = service.sandbox;
    process.stdout.write(`service up (${fmt((now() - started) / 1000, 1)} s); linking ${USERS} users...\n`);

    const userIds = Array.from({ length: USERS }, (_, i) => `bench-user-${i}`);
    await Promise.all(userIds.map((userId) => linkedUser(service!, commands, userId)));
    const setupStart = now();
    const total = PULLS + Math.ceil(PULLS / 2);
    // Webhooks off while the process manager submits: the sandbox's PENDING webhook can beat the process manager's
    // transfer -> pull mapping, and the translator's retry backoff then holds the whole (single-key) partition.
    // One webhook afterwards syncs every PENDING event at once.
    await sandbox.setWebhookUrl(null);
    process.stdout.write(`requesting ${total} ACH pulls; the process manager submits them (webhooks off)...\n`);
    const progress = setInterval(() => process.stdout.write(`  submitted ${probe.submitted}, pending ${probe.pendingAt.size}\n`), 5000);
    try {
      await requestPulls(commands, userIds, total);
      await waitFor('all pulls submitted', SETUP_TIMEOUT_MS, () => probe.submitted >= total);
      const submittedSeconds = (now() - setupStart) / 1000;
      process.stdout.write(`setup: ${total} pulls requested and submitted in ${fmt(submittedSeconds, 1)} s; one webhook syncs the PENDING events...\n`);
      const webhookUrl = `${service.url}/webhooks/plaid`;
      await sandbox.setWebhookUrl(webhookUrl);
      const syncStart = now();
      await sandbox.fireWebhook(webhookUrl);
      await waitFor('all pulls PENDING', SETUP_TIMEOUT_MS, () => probe.pendingAt.size >= total);
      await idle(probe, DRAIN_TIMEOUT_MS);
      const syncSeconds = (now() - syncStart) / 1000;
      process.stdout.write(`setup: ${total} PENDING events synced by one webhook in ${fmt(syncSeconds, 2)} s (${fmt(total / syncSeconds)} provider events/s through one sync run)\n`);
    } finally {
      clearInterval(progress);
    }
    const setupSeconds = (now() - setupStart) / 1000;
    process.stdout.write(`setup done in ${fmt(setupSeconds, 1)} s\n`);

    const transfers = [...probe.pendingAt.keys()];
    const peakIds = transfers.slice(0, PULLS);
    process.stdout.write(`peak: posting ${peakIds.length} transfers at once...\n`);
    process.stdout.write(`(worker quiet after ${fmt((await quiesce(service.app)) / 1000, 1)} s)\n`);
    const peak = await peakPhase(sandbox, probe, peakIds);
    const peakRate = peak.events / ((peak.lastAppend - peak.firstReceipt) / 1000);
    await idle(probe, DRAIN_TIMEOUT_MS);

    const halfRate = peakRate / 2;
    const latencyCount = Math.max(10, Math.min(transfers.length - PULLS, Math.round(halfRate * LATENCY_SECONDS)));
    if (latencyCount < Math.round(halfRate * LATENCY_SECONDS)) {
      process.stdout.write(`(only ${latencyCount} transfers left for the latency phase: raise BENCH_WEBHOOK_PULLS for a longer one)\n`);
    }
    const latencyIds = transfers.slice(PULLS, PULLS + latencyCount);
    process.stdout.write(`latency: posting ${latencyIds.length} transfers at ${fmt(halfRate)}/s...\n`);
    process.stdout.write(`(worker quiet after ${fmt((await quiesce(service.app)) / 1000, 1)} s)\n`);
    const latency = await latencyPhase(sandbox, probe, latencyIds, halfRate);
    probe.sends.push(...(await sandbox.sends()).map((send) => ({ start: fromWall(send.start), end: fromWall(send.end) })));
    await idle(probe, DRAIN_TIMEOUT_MS);

    const db = new Client({ connectionString: url.toString() });
    await db.connect();
    // Context for the stage times: one Postgres round trip, and one autocommit INSERT (WAL flush), on this machine now.
    await db.query('CREATE TABLE bench_rtt (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
    const selectRtt: number[] = [];
    const insertRtt: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t0 = now();
      await db.query('SELECT 1');
      const t1 = now();
      await db.query('INSERT INTO bench_rtt DEFAULT VALUES');
      selectRtt.push(t1 - t0);
      insertRtt.push(now() - t1);
    }
    const counted = await db.query<{ type: string; n: string }>(
      `SELECT type, count(*) AS n FROM events WHERE type IN ('AchPullPending', 'AchPullSettled') GROUP BY type ORDER BY type`,
    );
    await db.end();

    if (!probe.sample) throw new Error('no webhook was received');
    process.stdout.write(`raw kafkajs: ${PULLS} messages of ${probe.sample.body.length} bytes at once, then ${latencyIds.length} at ${fmt(halfRate)}/s...\n`);
    const raw = await rawKafka(kafka.brokers, `${topicPrefix}bench.raw`, probe.sample, PULLS, halfRate, latencyIds.length);

    const p50 = quantile(latency.latencies, 0.5);
    const p99 = quantile(latency.latencies, 0.99);
    const rawP50 = quantile(raw.latencies, 0.5);
    const rawP99 = quantile(raw.latencies, 0.99);
    const peakWebhooks = [...probe.webhooks.values()].filter((t) => t.httpIn !== undefined && t.httpIn >= peak.start && t.httpIn <= peak.lastAppend).length;
    const peakWebhookRate = peakWebhooks / ((peak.lastAppend - peak.firstReceipt) / 1000);
    const heapHeaders = ['', 'pipeline', 'raw kafkajs', 'pipeline / raw'];
    process.stdout.write(
      `\nbench:webhooks — ${PULLS} provider events per phase, message ${probe.sample.body.length} B body + ${
        Object.keys(probe.sample.headers).length + 1
      } headers, ${kafka.started ? 'broker started by the bench' : `KAFKA_BROKERS=${kafka.brokers.join(',')}`}\n` +
        `provider webhooks: ${
          SETTINGS.webhookCoalesceMs > 0
            ? `coalesced by the sandbox over ${SETTINGS.webhookCoalesceMs} ms windows (Plaid: one per minute for a burst; BENCH_WEBHOOK_COALESCE_MS=0 for one per event)`
            : 'one per provider event (BENCH_WEBHOOK_COALESCE_MS=0: the receiver\'s worst case)'
        }\n\n`,
    );
    process.stdout.write(
      `${table(heapHeaders, [
        ['peak provider events/s (first webhook in -> last append)', fmt(peakRate), fmt(raw.peakPerSecond), fmt(peakRate / raw.peakPerSecond, 3)],
        ['  webhooks/s received in that window', fmt(peakWebhookRate), '', ''],
        [`p50 latency ms at ${fmt(halfRate)}/s (event created -> appended)`, fmt(p50, 1), fmt(rawP50, 1), fmt(p50 / rawP50, 1)],
        [`p99 latency ms at ${fmt(halfRate)}/s`, fmt(p99, 1), fmt(rawP99, 1), fmt(p99 / rawP99, 1)],
        ['p50 / p99 latency ms in the peak burst', `${fmt(quantile(peak.latencies, 0.5))} / ${fmt(quantile(peak.latencies, 0.99))}`, '', ''],
      ])}\n\n`,
    );
    const met = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
    process.stdout.write(`target >= ${TARGET_EVENTS_PER_SECOND} provider events/s ingested: ${fmt(peakRate)}/s — ${met(peakRate >= TARGET_EVENTS_PER_SECOND)}\n`);
    process.stdout.write(`target p99 <= ${TARGET_P99_MS} ms at half the peak rate: ${fmt(p99, 1)} ms — ${met(p99 <= TARGET_P99_MS)}\n`);
    process.stdout.write(
      `postgres (idle pipeline): SELECT 1 p50 ${fmt(quantile(selectRtt, 0.5), 2)} / p99 ${fmt(quantile(selectRtt, 0.99), 2)} ms; ` +
        `autocommit INSERT p50 ${fmt(quantile(insertRtt, 0.5), 2)} / p99 ${fmt(quantile(insertRtt, 0.99), 2)} ms\n`,
    );
    process.stdout.write(`events table: ${counted.rows.map((r) => `${r.type} ${r.n}`).join(', ')}\n\n`);
    const stageHeader = ['where the time goes', 'p50 ms', 'p99 ms', 'mean ms', 'busy ms', '% of wall'];
    for (const phase of [peak, latency]) {
      process.stdout.write(`${phase.name}: ${phase.events} events, ${fmt(phase.lastAppend - phase.start)} ms from first post to last append\n`);
      process.stdout.write(`${table(stageHeader, breakdown(probe, phase))}\n\n`);
    }
    process.stdout.write(`total ${fmt((now() - started) / 1000, 1)} s\n`);
  } finally {
    if (service) {
      await service.app.close().catch((error: unknown) => process.stderr.write(`closing the service: ${String(error)}\n`));
      await service.sandbox.close().catch((error: unknown) => process.stderr.write(`closing the sandbox: ${String(error)}\n`));
    }
    if (kafka && !kafka.started) {
      const cleanup = new Kafka({ clientId: 'bench-webhooks-cleanup', brokers: kafka.brokers, logLevel: logLevel.NOTHING }).admin();
      await cleanup
        .connect()
        .then(async () => {
          const topics = (await cleanup.listTopics()).filter((t) => t.startsWith(topicPrefix));
          if (topics.length > 0) await cleanup.deleteTopics({ topics });
        })
        .catch(() => undefined)
        .finally(() => cleanup.disconnect().catch(() => undefined));
    }
    kafka?.stop();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => process.stderr.write(`dropping ${database}: ${String(error)}\n`));
    await admin.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
