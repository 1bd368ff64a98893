import { Pool } from 'pg';
import { customerStreamId } from '@payments/domain';
import { EventData, PostgresEventStore, RecordedEvent } from '@payments/event-store';
import { createIsolatedDatabase } from '../../../../test/support/database';
import { customersProjection } from '../customers/customers.projection';
import { bankLinksProjection } from '../bank-links/bank-links.projection';
import { applyEvent, ProjectionRunner, rebuildProjection } from './projection-runner';
import { readCheckpoint } from './checkpoints';

const meta = { correlation_id: 'c', causation_id: 'c', actor: 'test', schema_version: 1, occurred_at: '2026-01-01T00:00:00.000Z' };
const registered = (id: string): EventData => ({
  id: crypto.randomUUID(),
  type: 'CustomerRegistered',
  data: { customer_id: id, type: 'individual', first_name: 'F', last_name: 'L', kyc_status: 'pending' },
  metadata: meta,
});
const kyc = (id: string, status: string, previous: string): EventData => ({
  id: crypto.randomUUID(),
  type: 'CustomerKycStatusChanged',
  data: { customer_id: id, kyc_status: status, previous },
  metadata: { ...meta, occurred_at: '2026-01-02T00:00:00.000Z' },
});

describe('projection engine', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  let runner: ProjectionRunner;

  const customers = async () => (await pool.query('SELECT user_id, status, kyc_status, created_at, updated_at, stream_revision FROM customers ORDER BY user_id')).rows;

  beforeAll(async () => {
    pool = new Pool({ connectionString: await createIsolatedDatabase('projections'), max: 10 });
    store = new PostgresEventStore({ pool, pollIntervalMs: 100 });
    await store.ensureSchema();
    runner = new ProjectionRunner(store, pool, [customersProjection, bankLinksProjection], { retryDelayMs: 100 });
    await runner.start();
  });
  afterAll(async () => {
    await runner.stop();
    await store.close();
    await pool.end();
  });

  it('projects events into rows and moves the checkpoint with them', async () => {
    await store.appendToStream(customerStreamId('p1'), [registered('p1')]);
    const last = await store.appendToStream(customerStreamId('p1'), [kyc('p1', 'approved', 'pending')]);
    await runner.waitFor(last.position);
    expect(await customers()).toEqual([
      expect.objectContaining({ user_id: 'p1', status: 'FULL_USER', kyc_status: 'approved', stream_revision: '1' }),
    ]);
    expect(await readCheckpoint(pool, 'customers')).toEqual(last.position);
  });

  it('applying an already-applied event changes nothing', async () => {
    const [first, second] = await store.readStream(customerStreamId('p1'));
    const before = await customers();
    const checkpoint = await readCheckpoint(pool, 'customers');
    expect(await applyEvent(pool, customersProjection, first as RecordedEvent)).toBe(false);
    expect(await applyEvent(pool, customersProjection, second as RecordedEvent)).toBe(false);
    expect(await customers()).toEqual(before);
    expect(await readCheckpoint(pool, 'customers')).toEqual(checkpoint);
  });

  it('keeps rows and checkpoint together: a failing apply leaves both untouched', async () => {
    const failing = { ...customersProjection, name: 'customers-failing', apply: async () => Promise.reject(new Error('boom')) };
    await store.appendToStream(customerStreamId('p2'), [registered('p2')]);
    const [event] = await store.readStream(customerStreamId('p2'));
    await expect(applyEvent(pool, failing, event)).rejects.toThrow('boom');
    const { rows } = await pool.query(`SELECT * FROM projection_checkpoints WHERE projection = 'customers-failing'`);
    expect(rows).toEqual([]);
  });

  it('rebuilds from position 0 to exactly the live rows, while the runner keeps running', async () => {
    for (let i = 0; i < 20; i++) {
      await store.appendToStream(customerStreamId(`r${i}`), [registered(`r${i}`), ...(i % 3 === 0 ? [kyc(`r${i}`, 'rejected', 'pending')] : [])]);
    }
    const last = await store.appendToStream(customerStreamId('r-last'), [registered('r-last')]);
    await runner.waitFor(last.position);
    const live = await customers();
    const report = await rebuildProjection(store, pool, customersProjection);
    expect(report.eventsApplied).toBeGreaterThanOrEqual(live.length);
    expect(await customers()).toEqual(live);

    // The live runner continues after the rebuild without applying anything twice.
    const next = await store.appendToStream(customerStreamId('after'), [registered('after')]);
    await runner.waitFor(next.position);
    expect((await customers()).length).toBe(live.length + 1);
  });

  it('resumes from its checkpoint after a restart without re-applying', async () => {
    await runner.stop();
    const applied = async () => Number((await pool.query(`SELECT events_applied FROM projection_checkpoints WHERE projection = 'customers'`)).rows[0].events_applied);
    const before = await applied();
    const appended = await store.appendToStream(customerStreamId('while-down'), [registered('while-down')]);
    runner = new ProjectionRunner(store, pool, [customersProjection, bankLinksProjection], { retryDelayMs: 100 });
    await runner.start();
    await runner.waitFor(appended.position);
    expect(await applied()).toBe(before + 1);
    expect((await customers()).map((r) => r.user_id)).toContain('while-down');
  });

  it('applies a burst in a few transactions, and a projection whose write fails holds only itself back', async () => {
    await runner.stop();
    // A projection over the same events that fails on one customer until the fault is cleared.
    let faulty = true;
    const fragile = {
      ...customersProjection,
      name: 'customers-fragile',
      tables: [],
      migrations: [],
      apply: async (client: Parameters<typeof customersProjection.apply>[0], event: RecordedEvent) => {
        if (faulty && (event.data as { customer_id?: string }).customer_id === 'burst-7') throw new Error('fragile projection: boom');
        await client.query('SELECT 1');
      },
    };
    const transactions = async () =>
      Number((await pool.query(`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`)).rows[0].xact_commit);
    const applied = async (name: string) =>
      Number((await pool.query('SELECT events_applied FROM projection_checkpoints WHERE projection = $1', [name])).rows[0]?.events_applied ?? 0);

    await Promise.all(Array.from({ length: 100 }, (_, i) => store.appendToStream(customerStreamId(`burst-${i}`), [registered(`burst-${i}`)])));
    const last = await store.appendToStream(customerStreamId('burst-last'), [registered('burst-last')]);
    const customersBefore = await applied('customers');
    const before = await transactions();
    const logged: string[] = [];
    runner = new ProjectionRunner(store, pool, [customersProjection, bankLinksProjection, fragile], {
      retryDelayMs: 100,
      logger: { log: () => undefined, error: (message) => logged.push(message) },
    });
    await runner.start();

    // The healthy projection catches up on the whole burst although the fragile one keeps failing.
    const deadline = Date.now() + 10_000;
    while ((await applied('customers')) < customersBefore + 101 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(await applied('customers')).toBe(customersBefore + 101);
    // 101 events in far fewer commits than one per event (checkpoint reads and the fragile retries included).
    expect((await transactions()) - before).toBeLessThan(60);
    expect(await readCheckpoint(pool, 'customers')).toEqual(last.position);
    // The fragile projection stopped before burst-7 (all or nothing per run) and keeps retrying.
    await new Promise((r) => setTimeout(r, 300));
    expect(logged.some((m) => m.includes('customers-fragile failed'))).toBe(true);
    expect(await applied('customers-fragile')).toBeLessThan(101);

    faulty = false;
    await runner.waitFor(last.position);
    expect(await readCheckpoint(pool, 'customers-fragile')).toEqual(last.position);
  });
});
