/**
 * The worker process killed (SIGKILL) between consuming and committing, then restarted: nothing duplicated, nothing lost.
 *
 * The API and the provider-sandbox run in this test process; the worker runs as a real child process
 * (`node -r @swc-node/register apps/worker/src/main.ts`) on the same database and Kafka topics. N pulls go through
 * HTTP, the worker's process manager submits them, then the sandbox posts them all at once, so N signed
 * BANK_TRANSFERS_EVENTS_UPDATE webhooks flow receiver -> Kafka -> the worker's translator.
 *
 * Killing "after consuming but before committing" is made certain rather than lucky without any hook in the worker:
 * once some settlements are appended past the stored provider cursor (the translator's sync transaction still open,
 * so its Kafka offset is not committed either), the test takes `LOCK TABLE events IN EXCLUSIVE MODE`. Readers go on;
 * the worker's next append waits. When a worker backend is seen waiting on that lock and appended settlements are
 * still ahead of the committed cursor, the worker is frozen mid-sync: it is killed there, with SIGKILL.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Admin } from 'kafkajs';
import { Pool } from 'pg';
import { createKafka } from '@payments/messaging';
import { BankTransfersService } from '../../../provider-sandbox/src';
import { ServiceHarness, startService, workerProcessEnv } from '../../../../test/support/service-harness';
import { testKafkaBrokers } from '../../../../test/support/kafka';
import { PLAID_BANK_TRANSFERS_FEED } from './bank-transfer-events';
import { AchPullFixture } from './testing/ach-pull-fixture';

const REPO_ROOT = resolve(__dirname, '../../../..');
const PULLS = 20;
const USER_ID = 'user-worker-crash';

/** The worker as its own OS process. */
class WorkerProcess {
  private readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  private constructor(readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(line);
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  }

  static all = new Set<WorkerProcess>();

  /** Spawns the worker and resolves once it runs (consumer group joined, process manager subscribed). */
  static async start(env: Record<string, string>, timeoutMs = 40_000): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/worker/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new WorkerProcess(child);
    WorkerProcess.all.add(worker);
    const running = new Promise<void>((ready) => {
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString('utf8').includes('worker running')) ready();
      });
    });
    const timer = new AbortController();
    const outcome = await Promise.race([
      running.then(() => 'running' as const),
      worker.exited.then(() => 'exited' as const),
      sleep(timeoutMs, 'timeout' as const, { signal: timer.signal }).catch(() => 'cancelled' as const),
    ]);
    timer.abort();
    if (outcome !== 'running') {
      await worker.kill();
      throw new Error(`worker did not start (${outcome}):\n${worker.tail()}`);
    }
    return worker;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no shutdown hook, no consumer leave, no commit, no transaction end. */
  async kill(): Promise<void> {
    if (this.alive && this.child.pid !== undefined) process.kill(this.child.pid, 'SIGKILL');
    await this.exited;
  }

  tail(lines = 30): string {
    return this.lines.slice(-lines).join('\n');
  }
}

interface Progress {
  /** Committed provider cursor (what the translator durably processed). */
  cursor: number;
  settled: number;
  /** AchPullSettled appended from provider events the committed cursor does not cover yet. */
  settledPastCursor: number;
}

interface KafkaPosition {
  /** Messages the webhook-translator group has not committed (high watermark - committed offset, all partitions). */
  uncommitted: number;
  highWatermark: number;
  dlqMessages: number;
}

describe('worker process killed between consuming and committing, then restarted (real Kafka, real SIGKILL)', () => {
  let service: ServiceHarness;
  let fx: AchPullFixture;
  let pool: Pool;
  let admin: Admin;
  let workerEnv: Record<string, string>;

  beforeAll(async () => {
    service = await startService('worker-crash', { kafka: true, worker: false });
    if (!service.sandbox) throw new Error('the harness did not expose the provider-sandbox app');
    service.sandbox.get(BankTransfersService).setWebhookUrl(`${service.url}/webhooks/plaid`);
    fx = new AchPullFixture(service);
    pool = fx.pool;
    admin = createKafka({ brokers: testKafkaBrokers(), clientId: 'worker-crash-admin' }).admin();
    await admin.connect();
    // One provider event per apply batch: the held stream's append (its event the feed's last) then waits alone, while
    // every earlier settlement is appended and only the cursor, in the sync's open transaction, stays behind.
    workerEnv = { ...workerProcessEnv(service), TRANSLATOR_APPLY_BATCH: '1' };
  }, 60_000);

  afterAll(async () => {
    await Promise.all([...WorkerProcess.all].map((worker) => worker.kill()));
    await admin?.disconnect();
    await service?.close();
  });

  const progress = async (): Promise<Progress> => {
    const { rows } = await pool.query<{ cursor: string; settled: string; past: string }>(
      `WITH c AS (SELECT coalesce((SELECT after_id FROM provider_event_cursors WHERE feed = $1), 0) AS after_id)
       SELECT c.after_id AS cursor,
              count(e.*) FILTER (WHERE e.type = 'AchPullSettled') AS settled,
              count(e.*) FILTER (WHERE split_part(e.metadata->>'causation_id', ':', 3)::bigint > c.after_id) AS past
         FROM c LEFT JOIN events e
           ON e.stream_id LIKE 'ach-pull-%' AND e.metadata->>'causation_id' LIKE 'plaid:bank-transfer-event:%'
        GROUP BY c.after_id`,
      [PLAID_BANK_TRANSFERS_FEED],
    );
    return { cursor: Number(rows[0].cursor), settled: Number(rows[0].settled), settledPastCursor: Number(rows[0].past) };
  };

  const kafkaPosition = async (): Promise<KafkaPosition> => {
    const topic = `${service.topicPrefix}provider.webhooks`;
    const [offsets, committed, dlq] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId: `${service.topicPrefix}webhook-translator`, topics: [topic] }),
      admin.fetchTopicOffsets(`${service.topicPrefix}provider.webhooks.dlq`),
    ]);
    const committedBy = new Map((committed[0]?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
    let uncommitted = 0n;
    let highWatermark = 0n;
    for (const p of offsets) {
      const done = committedBy.get(p.partition) ?? -1n;
      uncommitted += BigInt(p.high) - (done >= 0n ? done : BigInt(p.low));
      highWatermark += BigInt(p.high);
    }
    const dlqMessages = dlq.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
    return { uncommitted: Number(uncommitted), highWatermark: Number(highWatermark), dlqMessages };
  };

  const countByType = async (): Promise<Map<string, Record<string, number>>> => {
    const { rows } = await pool.query<{ stream_id: string; type: string; n: string }>(
      `SELECT stream_id, type, count(*) AS n FROM events WHERE stream_id LIKE 'ach-pull-%' GROUP BY stream_id, type`,
    );
    const byStream = new Map<string, Record<string, number>>();
    for (const row of rows) byStream.set(row.stream_id, { ...(byStream.get(row.stream_id) ?? {}), [row.type]: Number(row.n) });
    return byStream;
  };

  const waitFor = async <T>(what: string, check: () => Promise<T | undefined | false>, worker: WorkerProcess, timeoutMs = 30_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await check();
      if (value) return value;
      if (!worker.alive) throw new Error(`worker exited while waiting for ${what}:\n${worker.tail()}`);
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms; worker log:\n${worker.tail()}`);
      await sleep(20);
    }
  };

  /**
   * Freezes the worker mid-sync and kills it there: an uncommitted row at the next revision of `heldStream` makes the
   * worker's append to that stream wait (appends to other streams go on, the sync run cannot finish, so neither the
   * provider cursor nor the Kafka offset is committed). Once every other pull's settlement is appended past the
   * committed cursor and the held append is seen waiting, the worker is SIGKILLed. Returns what was in flight.
   */
  const killMidSync = async (
    worker: WorkerProcess,
    heldStream: string,
    trigger: () => Promise<unknown>,
  ): Promise<{ atKill: Progress; kafkaAtKill: KafkaPosition; providerEventsAtKill: number; attempts: number }> => {
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN');
      const { rows } = await holder.query<{ revision: string }>('SELECT max(stream_revision) AS revision FROM events WHERE stream_id = $1', [heldStream]);
      await holder.query(
        `INSERT INTO events (stream_id, stream_revision, event_id, type, data, metadata) VALUES ($1, $2, gen_random_uuid(), 'TestHold', '{}', '{}')`,
        [heldStream, Number(rows[0].revision) + 1],
      );
      await trigger();
      const atKill = await waitFor(
        'the other settlements appended past the committed cursor while the held append waits',
        async () => {
          const now = await progress();
          if (now.settledPastCursor < PULLS - 1) return undefined;
          const waiting = await pool.query<{ n: string }>(
            `SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND locktype = 'transactionid' AND database IS NULL`,
          );
          return Number(waiting.rows[0].n) > 0 ? now : undefined;
        },
        worker,
      );
      const kafkaAtKill = await kafkaPosition();
      const providerEventsAtKill = await fx.latestProviderEventId();
      await worker.kill();
      return { atKill, kafkaAtKill, providerEventsAtKill, attempts: 1 };
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  };

  it('loses nothing and duplicates nothing', async () => {
    const first = await WorkerProcess.start(workerEnv);
    await fx.linkedUser(USER_ID);

    const pullIds: string[] = [];
    for (let i = 0; i < PULLS; i++) {
      const created = await service.request<{ uuid: string; status: string }>('POST', '/user/linked-bank-account/pull', {
        userId: USER_ID,
        body: { amount: '25.00' },
      });
      expect(created).toMatchObject({ status: 201, body: { status: 'PENDING' } });
      pullIds.push(created.body.uuid);
    }
    // The worker's process manager submits each pull; the provider's PENDING events come back through the webhooks.
    await waitFor(
      'every pull submitted and pending',
      async () => {
        const counts = await countByType();
        return pullIds.every((id) => counts.get(`ach-pull-${id}`)?.AchPullPending === 1);
      },
      first,
    );
    const { rows: transfers } = await pool.query<{ provider_transfer_id: string; aggregate_id: string }>(
      `SELECT provider_transfer_id, aggregate_id FROM provider_transfers WHERE kind = 'ach-pull'`,
    );
    expect(transfers.map((t) => t.aggregate_id).sort()).toEqual([...pullIds].sort());

    // The provider posts every transfer (webhooks held back), then one signed webhook goes through Kafka to the worker:
    // its sync reads the PULLS events in one page and applies them one batch at a time, the last one's stream held.
    const bankTransfers = service.sandbox?.get(BankTransfersService);
    if (!bankTransfers) throw new Error('no provider-sandbox');
    const webhookUrl = `${service.url}/webhooks/plaid`;
    // Every PENDING-phase webhook handled and committed first: no other run may read the posted events.
    await waitFor('the translator idle', async () => (await kafkaPosition()).uncommitted === 0, first);
    bankTransfers.setWebhookUrl(null);
    const held = transfers.find((t) => t.aggregate_id === pullIds[PULLS - 1])!;
    await Promise.all(transfers.filter((t) => t !== held).map((t) => fx.simulate(t.provider_transfer_id, 'posted')));
    await fx.simulate(held.provider_transfer_id, 'posted'); // the feed's last event
    bankTransfers.setWebhookUrl(webhookUrl);
    const { atKill, kafkaAtKill, providerEventsAtKill, attempts } = await killMidSync(first, `ach-pull-${held.aggregate_id}`, () =>
      bankTransfers.fireWebhook(webhookUrl),
    );
    expect(first.alive).toBe(false);
    expect((await first.exited).signal).toBe('SIGKILL');

    // What the kill left behind: effects without their commits.
    await sleep(200); // Postgres ends the dead worker's open transaction (the cursor) when it sees the socket closed
    const afterKill = await progress();
    expect(afterKill.settledPastCursor).toBeGreaterThan(0); // settlements appended, provider cursor not committed
    const kafkaAfterKill = await kafkaPosition();
    expect(kafkaAfterKill.uncommitted).toBeGreaterThan(0); // the webhook being handled was consumed, not committed

    const restartedAt = Date.now();
    const second = await WorkerProcess.start(workerEnv);
    const readyMs = Date.now() - restartedAt;
    await waitFor('every pull settled after the restart', async () => (await progress()).settled >= PULLS, second);
    const settledMs = Date.now() - restartedAt;
    const latestAfter = await fx.latestProviderEventId();
    await waitFor(
      'cursor at the provider feed end and the group committed to the topic end',
      async () => (await progress()).cursor === latestAfter && (await kafkaPosition()).uncommitted === 0,
      second,
    );
    const caughtUpMs = Date.now() - restartedAt;

    // No duplicate domain events: per pull exactly one of each, nothing else.
    const counts = await countByType();
    expect(counts.size).toBe(PULLS);
    for (const id of pullIds) {
      expect(counts.get(`ach-pull-${id}`)).toEqual({ AchPullRequested: 1, AchPullSubmitted: 1, AchPullPending: 1, AchPullSettled: 1 });
    }
    // Nothing lost: every pull is settled as the provider says, and the provider holds exactly one transfer per pull.
    for (const id of pullIds) expect((await fx.state(id)).status).toBe('SETTLED');
    const listed = await fx.plaid.bankTransferList({ count: 25 });
    expect(listed.data.bank_transfers).toHaveLength(PULLS);
    expect(listed.data.bank_transfers.map((t) => t.custom_tag).sort()).toEqual([...pullIds].sort());
    expect(listed.data.bank_transfers.every((t) => t.status === 'posted')).toBe(true);
    // The worker's positions reached the ends: provider cursor, Kafka offsets; nothing was dead-lettered.
    const kafkaEnd = await kafkaPosition();
    expect(kafkaEnd).toMatchObject({ uncommitted: 0, dlqMessages: 0 });
    expect(kafkaEnd.highWatermark).toBeGreaterThanOrEqual(PULLS);
    expect((await progress()).cursor).toBe(await fx.latestProviderEventId());

    // Figures for the report.
    console.log(
      JSON.stringify({
        pulls: PULLS,
        killAttempts: attempts,
        atKill: { ...atKill, providerEventsBeyondCursor: providerEventsAtKill - atKill.cursor, kafka: kafkaAtKill },
        afterKill: { ...afterKill, kafka: kafkaAfterKill },
        recovery: { workerReadyMs: readyMs, allSettledMs: settledMs, caughtUpMs },
        kafkaEnd,
      }),
    );
  }, 90_000);
});
