/**
 * Event store throughput: the Postgres adapter vs raw INSERTs of the same rows, same process, same run.
 *
 *   npm run bench:eventstore            (DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_SECONDS=5 npm run bench:eventstore
 *
 * Creates a fresh database, runs every case, prints a table, drops the database. Each case warms up,
 * then alternates adapter and raw runs (three rounds each) so background load hits both sides alike.
 *
 *  - single: one event per append, each append to a new stream (expectedRevision no_stream), versus a
 *    single-row INSERT transaction (autocommit) of the same columns and payload sizes into a plain table
 *    with only a primary key. At 1, 8 and 32 concurrent writers.
 *  - batch: 100 events per append versus one prepared 100-row INSERT ... VALUES statement, at 1, 4 and 8
 *    writers.
 *  - single, NOTIFY off: the adapter at 32 writers without its post-commit NOTIFY, to show that cost.
 */
import { randomUUID } from 'node:crypto';
import { Client, Pool } from 'pg';
import type { EventData } from '@payments/event-store/event-store.port';
import { PostgresEventStore } from '@payments/event-store/postgres/postgres-event-store';
import { loadBenchSettings } from '@payments/config';

const { seconds: SECONDS, databaseUrl: ADMIN_URL } = loadBenchSettings();
const WARMUP_SECONDS = Math.min(1, SECONDS);
const ROUNDS = 3;
const BATCH = 100;

interface CaseResult {
  name: string;
  writers: number;
  eventsPerOp: number;
  adapterOps: number;
  rawOps: number;
}

function eventPayload(): EventData {
  return {
    id: randomUUID(),
    type: 'AchPullRequested',
    data: {
      pull_id: randomUUID(),
      customer_id: randomUUID(),
      bank_link_id: randomUUID(),
      amount_minor: '125000',
      currency: 'USD',
      ip_address: '203.0.113.7',
      user_note: 'Monthly savings top-up from checking account ending 6789',
    },
    metadata: {
      correlation_id: randomUUID(),
      causation_id: randomUUID(),
      idempotency_key: randomUUID(),
      actor: 'api-key:bench',
      schema_version: 1,
      occurred_at: new Date().toISOString(),
    },
  };
}

/** Runs `op` in `writers` concurrent loops for `seconds`; returns completed ops per second. */
async function run(writers: number, seconds: number, op: () => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let ops = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < deadline) {
        await op();
        ops += 1;
      }
    }),
  );
  return ops / ((performance.now() - start) / 1000);
}

async function compare(
  name: string,
  writers: number,
  eventsPerOp: number,
  adapter: () => Promise<unknown>,
  raw: () => Promise<unknown>,
): Promise<CaseResult> {
  await run(writers, WARMUP_SECONDS, adapter);
  await run(writers, WARMUP_SECONDS, raw);
  let adapterOps = 0;
  let rawOps = 0;
  for (let round = 0; round < ROUNDS; round += 1) {
    adapterOps += await run(writers, SECONDS, adapter);
    rawOps += await run(writers, SECONDS, raw);
  }
  const result = { name, writers, eventsPerOp, adapterOps: adapterOps / ROUNDS, rawOps: rawOps / ROUNDS };
  process.stdout.write(`  done: ${name} x${writers}\n`);
  return result;
}

function table(results: CaseResult[]): string {
  const header = ['case', 'writers', 'adapter ops/s', 'adapter events/s', 'raw ops/s', 'raw events/s', 'ratio'];
  const rows = results.map((r) => [
    r.name,
    String(r.writers),
    r.adapterOps.toFixed(0),
    (r.adapterOps * r.eventsPerOp).toFixed(0),
    r.rawOps.toFixed(0),
    (r.rawOps * r.eventsPerOp).toFixed(0),
    (r.adapterOps / r.rawOps).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const adminUrl = ADMIN_URL;
  const database = `es_bench_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const pool = new Pool({ connectionString: url.toString(), max: 34, application_name: 'event-store-bench' });
  // The database is dropped WITH (FORCE) at the end; an idle client still closing must not crash us.
  pool.on('error', () => undefined);
  const stores: PostgresEventStore[] = [];
  try {
    const settings = await pool.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'server_version') ORDER BY name`,
    );
    const store = new PostgresEventStore({ pool });
    const quietStore = new PostgresEventStore({ pool, notifyOnAppend: false });
    stores.push(store, quietStore);
    await store.ensureSchema();
    await pool.query(`CREATE TABLE raw_events (
      global_position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      stream_id text NOT NULL, stream_revision bigint NOT NULL, event_id uuid NOT NULL, type text NOT NULL,
      data jsonb NOT NULL, metadata jsonb NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now())`);

    const rawSingle = {
      name: 'bench_raw_single',
      text: 'INSERT INTO raw_events (stream_id, stream_revision, event_id, type, data, metadata) VALUES ($1, $2, $3, $4, $5, $6)',
    };
    const rawBatch = {
      name: 'bench_raw_batch',
      text: `INSERT INTO raw_events (stream_id, stream_revision, event_id, type, data, metadata) VALUES ${Array.from(
        { length: BATCH },
        (_, i) => `($${i * 6 + 1}, $${i * 6 + 2}, $${i * 6 + 3}, $${i * 6 + 4}, $${i * 6 + 5}, $${i * 6 + 6})`,
      ).join(', ')}`,
    };
    const rawValues = (stream: string, events: EventData[]) =>
      events.flatMap((event, revision) => [stream, revision, event.id, event.type, JSON.stringify(event.data), JSON.stringify(event.metadata)]);

    const appendSingle = (target: PostgresEventStore) => () =>
      target.appendToStream(`pull-${randomUUID()}`, [eventPayload()], { expectedRevision: 'no_stream' });
    const insertSingle = () => pool.query({ ...rawSingle, values: rawValues(`pull-${randomUUID()}`, [eventPayload()]) });
    const appendBatch = () =>
      store.appendToStream(`pull-${randomUUID()}`, Array.from({ length: BATCH }, eventPayload), { expectedRevision: 'no_stream' });
    const insertBatch = () => pool.query({ ...rawBatch, values: rawValues(`pull-${randomUUID()}`, Array.from({ length: BATCH }, eventPayload)) });

    process.stdout.write(`Event store bench: ${SECONDS}s x ${ROUNDS} rounds per side per case, ${WARMUP_SECONDS}s warm-up\n`);
    const results: CaseResult[] = [];
    for (const writers of [1, 8, 32]) results.push(await compare('single-event append', writers, 1, appendSingle(store), insertSingle));
    results.push(await compare('single-event append, NOTIFY off', 32, 1, appendSingle(quietStore), insertSingle));
    for (const writers of [1, 4, 8]) results.push(await compare(`batch of ${BATCH} events`, writers, BATCH, appendBatch, insertBatch));

    const counts = await pool.query<{ events: string; streams: string }>(
      'SELECT count(*)::text AS events, (count(*) FILTER (WHERE stream_revision = 0))::text AS streams FROM events',
    );
    process.stdout.write(`\n${table(results)}\n\n`);
    process.stdout.write(`server: ${settings.rows.map((row) => `${row.name}=${row.setting}`).join(', ')}; cores: 2 (shared)\n`);
    process.stdout.write(`rows written by the adapter: ${counts.rows[0].events} events in ${counts.rows[0].streams} streams\n`);
    const at32 = results.find((r) => r.name === 'single-event append' && r.writers === 32);
    const bestBatch = Math.max(...results.filter((r) => r.eventsPerOp === BATCH).map((r) => r.adapterOps * BATCH));
    if (at32) {
      const ratio = at32.adapterOps / at32.rawOps;
      process.stdout.write(`target ratio at 32 writers >= 0.60: ${ratio.toFixed(2)} ${ratio >= 0.6 ? 'MET' : 'NOT MET'}\n`);
    }
    process.stdout.write(`target batched appends >= 20000 events/s: ${bestBatch.toFixed(0)} ${bestBatch >= 20000 ? 'MET' : 'NOT MET'}\n`);
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    await pool.end();
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await admin.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
