import { Pool } from 'pg';
import { customerDecider, customerStreamId, DomainError } from '@payments/domain';
import { createIsolatedDatabase } from '../../../test/support/database';
import { handleCommand } from './command-handling';
import { PostgresEventStore } from './postgres/postgres-event-store';

describe('handleCommand over the Postgres event store', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  const now = new Date('2026-03-04T05:06:07.000Z');
  const ctx = { correlationId: 'corr-1', causationId: 'cause-1', actor: 'api-key:k1' };

  beforeAll(async () => {
    pool = new Pool({ connectionString: await createIsolatedDatabase('command-handling'), max: 20 });
    store = new PostgresEventStore({ pool });
    await store.ensureSchema();
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
  });

  const register = (id: string) =>
    ({ type: 'RegisterCustomer', data: { customer_id: id, type: 'individual', first_name: 'A', last_name: 'B' }, now }) as const;

  it('appends decided events with correlation, causation, actor, idempotency key, schema version and time', async () => {
    const result = await handleCommand(store, customerStreamId('m1'), customerDecider, register('m1'), { ...ctx, idempotencyKey: 'idem-1' }, now);
    expect(result.events.map((e) => e.type)).toEqual(['CustomerRegistered']);
    const [event] = await store.readStream(customerStreamId('m1'));
    expect(event.metadata).toEqual({
      correlation_id: 'corr-1',
      causation_id: 'cause-1',
      idempotency_key: 'idem-1',
      actor: 'api-key:k1',
      schema_version: 1,
      occurred_at: '2026-03-04T05:06:07.000Z',
    });
  });

  it('appends nothing when decide throws', async () => {
    await expect(
      handleCommand(store, customerStreamId('nobody'), customerDecider, { type: 'ChangeKycStatus', data: { customer_id: 'nobody', kyc_status: 'approved' }, now }, ctx, now),
    ).rejects.toBeInstanceOf(DomainError);
    expect(await store.readStream(customerStreamId('nobody'))).toEqual([]);
  });

  it('retries on version conflicts: 10 concurrent commands on one stream all land, in a gap-free history', async () => {
    const stream = customerStreamId('busy');
    await handleCommand(store, stream, customerDecider, register('busy'), ctx, now);
    const statuses = ['approved', 'rejected'] as const;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        handleCommand(store, stream, customerDecider, { type: 'ChangeKycStatus', data: { customer_id: 'busy', kyc_status: statuses[i % 2] }, now }, ctx, now, {
          maxAttempts: 50,
        }),
      ),
    );
    const appended = results.filter((r) => r.events.length > 0).length;
    const history = await store.readStream(stream);
    expect(history.map((e) => e.revision)).toEqual(history.map((_, i) => BigInt(i)));
    expect(history.length).toBe(1 + appended);
    // Each appended change flips the status, so consecutive KYC events always differ.
    const kyc = history.slice(1).map((e) => (e.data as { kyc_status: string }).kyc_status);
    kyc.forEach((status, i) => i > 0 && expect(status).not.toBe(kyc[i - 1]));
  });

  it('recognises a repeated command by its seeded event ids and appends nothing the second time', async () => {
    const stream = customerStreamId('seeded');
    const seeded = { ...ctx, eventIdSeed: 'http:k1:seeded:create:key-7' };
    const first = await handleCommand(store, stream, customerDecider, register('seeded'), seeded, now);
    const second = await handleCommand(store, stream, customerDecider, register('seeded'), seeded, now);
    expect(first.replayed).toBe(false);
    expect(second.replayed).toBe(true);
    expect(second.events).toEqual(first.events);
    expect(await store.readStream(stream)).toHaveLength(1);
  });
});
