import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { RecordedEvent } from '../event-store.port';
import { newEvent } from '../testing/event-store.contract';
import { EventIdConflictError } from './errors';
import { PostgresEventStore } from './postgres-event-store';

/**
 * Postgres-adapter behaviour beyond the shared contract: schema creation under concurrency, the polling
 * fallback when no NOTIFY arrives, transactions that abort or stay open, and event-id conflicts.
 */
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is not set (the jest global setup provides it)');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('PostgresEventStore', () => {
  let pool: Pool;
  let schema: string;
  const stores: PostgresEventStore[] = [];
  const open = (options: Partial<ConstructorParameters<typeof PostgresEventStore>[0]> = {}): PostgresEventStore => {
    const store = new PostgresEventStore({ pool, schema, ...options });
    stores.push(store);
    return store;
  };

  beforeEach(() => {
    pool = new Pool({ connectionString: databaseUrl, max: 12, application_name: 'event-store-int' });
    schema = `es_int_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it('creates its schema once when many processes call ensureSchema at the same moment', async () => {
    await Promise.all(Array.from({ length: 6 }, () => open().ensureSchema()));
    await open().ensureSchema(); // and again, on an existing schema
    const store = open();
    await store.appendToStream('customer-1', [newEvent('CustomerRegistered')], { expectedRevision: 'no_stream' });
    expect((await store.readStream('customer-1')).map((event) => event.type)).toEqual(['CustomerRegistered']);
  });

  // Plans cached on a connection while the table was small used to be table scans that got slower with every event,
  // until autovacuum's ANALYZE replanned them (bench:payouts fell from 1,500 to 350 payouts/s within seconds).
  it('never scans the whole events table, even on connections whose plans were made while it was nearly empty', async () => {
    await pool.end();
    pool = new Pool({ connectionString: databaseUrl, max: 1, application_name: 'event-store-int' });
    const store = open();
    await store.ensureSchema();
    // One connection: the store's statements and this count run in the same server process, whose statistics are
    // flushed on demand here (otherwise at most once a second, which let earlier scans land after \`before\`).
    const seqScans = async () => {
      await pool.query('SELECT pg_stat_force_next_flush()');
      await pool.query('SELECT 1');
      return Number((await pool.query<{ n: string }>(`SELECT seq_scan::text AS n FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'events'`, [schema])).rows[0].n);
    };
    const everyStatement = async (round: number) => {
      await store.appendToStream(`plan-a`, [newEvent('A', { round })]);
      await store.appendToStream(`plan-b-${round}`, [newEvent('B', { round })], { expectedRevision: 'no_stream' });
      await Promise.all([store.appendToStream(`plan-c-${round}`, [newEvent('C')]), store.appendToStream(`plan-d-${round}`, [newEvent('D')])]);
      await store.readStream('plan-a');
      await store.readStream('plan-a', { fromRevision: 1n, maxCount: 2 });
      await store.readStreams(['plan-a', `plan-b-${round}`]);
      await store.readAll({ limit: 10 });
    };
    // Ten rounds on the nearly empty table: past the five executions after which Postgres may keep a generic plan.
    for (let round = 0; round < 10; round++) await everyStatement(round);
    await pool.query(`INSERT INTO ${schema}.events (stream_id, stream_revision, event_id, type, data, metadata)
                      SELECT 'bulk-' || g, 0, gen_random_uuid(), 'Bulk', '{}', '{}' FROM generate_series(1, 30000) g`);
    // Stats reach the planner only through ANALYZE; the point is that nothing depends on them.
    const before = await seqScans();
    for (let round = 10; round < 15; round++) await everyStatement(round);
    expect((await seqScans()) - before).toBe(0);
  });

  it('rejects schema names that are not plain identifiers', () => {
    expect(() => new PostgresEventStore({ pool, schema: 'public; DROP TABLE x' })).toThrow(/Invalid Postgres identifier/);
  });

  it('delivers by polling when the writer sends no NOTIFY', async () => {
    const reader = open({ pollIntervalMs: 150 });
    await reader.ensureSchema();
    const silentWriter = open({ notifyOnAppend: false });
    const seen: RecordedEvent[] = [];
    const subscription = reader.subscribeToAll({}, async (event) => {
      seen.push(event);
    });
    await sleep(100); // let it go idle first
    const event = newEvent('PayoutRequested');
    await silentWriter.appendToStream('payout-1', [event]);
    await until(() => seen.length === 1, 'the polled event', 3_000);
    expect(seen[0].id).toBe(event.id);
    await subscription.stop();
  });

  it('a transaction that stays open holds delivery back; when it aborts, later commits still arrive without a notification', async () => {
    const store = open({ pollIntervalMs: 5_000 }); // long: prove delivery does not wait for the poll interval
    await store.ensureSchema();
    const seen: string[] = [];
    const subscription = store.subscribeToAll({}, async (event) => {
      seen.push(event.type);
    });

    // Another session starts an append and keeps its transaction open (it has the older transaction id).
    const blocker = await pool.connect();
    await blocker.query('BEGIN');
    await blocker.query(`SELECT * FROM "${schema}".append_to_stream($1, 'any', NULL, $2::jsonb)`, [
      'ach-pull-aborted',
      JSON.stringify([newEvent('AchPullRequested')]),
    ]);

    await store.appendToStream('ach-pull-committed', [newEvent('AchPullSettled')]);
    await sleep(300);
    expect(seen).toEqual([]); // committed, but behind an open older transaction: not yet safe to deliver

    await blocker.query('ROLLBACK'); // aborts: no NOTIFY will ever come from it
    blocker.release();
    await until(() => seen.length === 1, 'the committed event after the abort', 3_000);
    await sleep(100);
    expect(seen).toEqual(['AchPullSettled']);
    await expect(store.readStream('ach-pull-aborted')).resolves.toEqual([]);
    await subscription.stop();
  });

  it('rejects an event id already used in another stream, appending nothing', async () => {
    const store = open();
    await store.ensureSchema();
    const event = newEvent('RecipientAdded');
    await store.appendToStream('recipient-1', [event]);
    await expect(store.appendToStream('recipient-2', [event])).rejects.toBeInstanceOf(EventIdConflictError);
    await expect(store.appendToStream('recipient-2', [newEvent('RecipientAdded'), event])).rejects.toBeInstanceOf(EventIdConflictError);
    await expect(store.readStream('recipient-2')).resolves.toEqual([]);
  });

  it('rejects a batch that repeats an event id', async () => {
    const store = open();
    await store.ensureSchema();
    const event = newEvent('HoldPlaced');
    await expect(store.appendToStream('account-1-USD', [event, event])).rejects.toBeInstanceOf(EventIdConflictError);
    await expect(store.readStream('account-1-USD')).resolves.toEqual([]);
  });

  it('an empty append checks the expected revision and writes nothing', async () => {
    const store = open();
    await store.ensureSchema();
    await expect(store.appendToStream('transfer-1', [], { expectedRevision: 'no_stream' })).resolves.toEqual({
      nextExpectedRevision: -1n,
      position: { commit: -1n, prepare: -1n },
    });
    const appended = await store.appendToStream('transfer-1', [newEvent('TransferEstimated')]);
    await expect(store.appendToStream('transfer-1', [], { expectedRevision: 0n })).resolves.toEqual(appended);
    await expect(store.appendToStream('transfer-1', [], { expectedRevision: 'no_stream' })).rejects.toMatchObject({ actual: 0n });
  });

  it('accepts -1n as "no stream" and reports the actual revision on conflicts', async () => {
    const store = open();
    await store.ensureSchema();
    await expect(store.appendToStream('bank-link-1', [newEvent('BankLinkRequested')], { expectedRevision: -1n })).resolves.toMatchObject({
      nextExpectedRevision: 0n,
    });
    await expect(store.appendToStream('bank-link-1', [newEvent('BankLinkRequested')], { expectedRevision: -1n })).rejects.toMatchObject({
      name: 'WrongExpectedVersionError',
      actual: 0n,
    });
  });

  it('appends to different streams requested together in one statement, each with its own outcome', async () => {
    const store = open();
    await store.ensureSchema();
    const repeated = newEvent('Repeated');
    await store.appendToStream('batch-existing', [newEvent('First')], { expectedRevision: 'no_stream' });
    await store.appendToStream('batch-repeat', [repeated], { expectedRevision: 'no_stream' });

    // Same turn of the event loop: 20 fresh streams, one stale expectation, one idempotent repeat.
    const results = await Promise.allSettled([
      ...Array.from({ length: 20 }, (_, i) => store.appendToStream(`batch-${i}`, [newEvent('Made')], { expectedRevision: 'no_stream' })),
      store.appendToStream('batch-existing', [newEvent('Stale')], { expectedRevision: 'no_stream' }),
      store.appendToStream('batch-repeat', [repeated], { expectedRevision: 'no_stream' }),
    ]);
    const made = results.slice(0, 20).map((r) => (r.status === 'fulfilled' ? r.value : undefined));
    expect(made.every((r) => r !== undefined && r.nextExpectedRevision === 0n)).toBe(true);
    // One transaction wrote them all: they share the commit position (the writing transaction id).
    expect(new Set(made.map((r) => r!.position.commit)).size).toBe(1);
    expect(results[20]).toMatchObject({ status: 'rejected', reason: { name: 'WrongExpectedVersionError' } });
    expect(results[21]).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0n } });
    expect((await store.readStream('batch-existing')).map((e) => e.type)).toEqual(['First']);
    expect(await store.readStream('batch-repeat')).toHaveLength(1);
  });

  it('retries each append of a shared statement on its own when the statement fails, so no caller sees another one\'s error', async () => {
    const store = open();
    await store.ensureSchema();
    const shared = newEvent('SameId');
    // The same event id in two streams at once: the unique index fails the shared statement; run alone, one of the
    // two appends wins and the other gets the event-id conflict that a lone append would get.
    const results = await Promise.allSettled([
      store.appendToStream('dup-a', [shared], { expectedRevision: 'no_stream' }),
      store.appendToStream('dup-b', [shared], { expectedRevision: 'no_stream' }),
      store.appendToStream('dup-c', [newEvent('Innocent')], { expectedRevision: 'no_stream' }),
    ]);
    expect(results[2]).toMatchObject({ status: 'fulfilled' });
    expect(results.slice(0, 2).filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await store.readStream('dup-c')).toHaveLength(1);
  });
});
