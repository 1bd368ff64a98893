/**
 * The standalone worker's HTTP server (a real worker process, real Kafka and Postgres): liveness, readiness with its
 * dependencies, and Prometheus metrics showing projection lag (events behind the log head, per projection) and the
 * webhook translator's consumer lag (per group and topic).
 */
import { Client } from 'pg';
import { freePort, ServiceHarness, startService, workerProcessEnv } from '../../../../test/support/service-harness';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';
import { WorkerProcess } from '../../../../test/support/worker-process';

/** `name{labels} value` lines of one metric, as label sets and values. */
function samples(text: string, metric: string): { labels: Record<string, string>; value: number }[] {
  const out: { labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    const match = new RegExp(`^${metric}(?:\\{([^}]*)\\})? (\\S+)$`).exec(line);
    if (!match) continue;
    const labels = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    out.push({ labels, value: Number(match[2]) });
  }
  return out;
}

describe('worker HTTP: health and metrics (standalone worker process)', () => {
  let service: ServiceHarness;
  let db: Client;
  let pulls: AchPullDriver;
  let port: number;
  const get = async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  };

  beforeAll(async () => {
    service = await startService('worker-http', { kafka: true, worker: false });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    port = await freePort();
    await WorkerProcess.start({ ...workerProcessEnv(service), WORKER_HTTP_PORT: String(port) });
  }, 180_000);

  afterAll(async () => {
    await WorkerProcess.killAll();
    await db?.end();
    await service?.close();
  });

  it('answers the probes; readiness names Postgres, the event store and Kafka', async () => {
    expect(await get('/health/live')).toMatchObject({ status: 200 });
    const ready = await get('/health/ready');
    expect(ready.status).toBe(200);
    const body = JSON.parse(ready.text) as { status: string; checks: { name: string; ok: boolean }[] };
    expect(body.status).toBe('ok');
    expect(body.checks.map((c) => c.name).sort()).toEqual(['event-store', 'kafka', 'postgres']);
    expect((await get('/nope')).status).toBe(404);
  });

  it('shows projection lag while a projection is held back, back to 0 once it catches up, and the consumer lag', async () => {
    // The webhook flow runs through the worker's translator (Kafka consumer group) and its projections.
    await pulls.linkBankAccount('metrics-user');

    // Hold every projection's checkpoint write: events appended now stay behind.
    const holder = new Client({ connectionString: service.databaseUrl });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE projection_checkpoints IN EXCLUSIVE MODE');
      await holder.query('LOCK TABLE event_publisher_checkpoints IN EXCLUSIVE MODE'); // and the publisher's
      expect((await service.request('POST', '/user/linked-bank-account/profile', { userId: 'lagging-user', body: { type: 'individual', first_name: 'Lag', last_name: 'Ging' } })).status).toBe(201);
      const behind = await service.eventually(async () => {
        const metrics = await get('/metrics');
        const lag = samples(metrics.text, 'payments_projection_lag_events');
        const unpublished = samples(metrics.text, 'payments_event_publisher_lag_events');
        return lag.some((s) => s.value > 0) && unpublished.some((s) => s.value > 0) && lag;
      }, 20_000);
      expect(behind.length).toBeGreaterThan(1);
    } finally {
      await holder.query('COMMIT').catch(() => undefined);
      await holder.end();
    }

    const caughtUp = await service.eventually(async () => {
      const metrics = await get('/metrics');
      const lag = samples(metrics.text, 'payments_projection_lag_events');
      return lag.length > 0 && lag.every((s) => s.value === 0) && metrics;
    }, 20_000);
    expect(caughtUp.status).toBe(200);
    expect(caughtUp.type).toContain('text/plain');
    const consumer = samples(caughtUp.text, 'payments_consumer_lag');
    expect(consumer).toEqual([{ labels: { group: `${service.topicPrefix}webhook-translator`, topic: `${service.topicPrefix}provider.webhooks` }, value: 0 }]);
    // The event publisher (Kafka is configured here) catches up too.
    const published = await service.eventually(async () => {
      const metrics = await get('/metrics');
      const lag = samples(metrics.text, 'payments_event_publisher_lag_events');
      return lag.length === 1 && lag[0].value === 0 && lag;
    }, 20_000);
    expect(published).toEqual([{ labels: {}, value: 0 }]);
    // The process's default metrics come along.
    expect(caughtUp.text).toContain('process_cpu_user_seconds_total');
  });
});
