import { Pool } from 'pg';
import { customerDecider, customerStreamId, DomainError } from '@payments/domain';
import { createIsolatedDatabase } from '../../../test/support/database';
import { handleCommand, StreamCache } from './command-handling';
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

  describe('with a stream cache', () => {
    const kyc = (id: string, kyc_status: 'approved' | 'rejected') => ({ type: 'ChangeKycStatus', data: { customer_id: id, kyc_status }, now }) as const;
    const counting = () => {
      let reads = 0;
      const counted = Object.create(store) as PostgresEventStore;
      counted.readStream = (...args: Parameters<PostgresEventStore['readStream']>) => {
        reads++;
        return store.readStream(...args);
      };
      return { store: counted, reads: () => reads };
    };

    it('decides on the stream as this process last wrote it, without reading it again', async () => {
      const cache = new StreamCache();
      const { store: counted, reads } = counting();
      const stream = customerStreamId('cached');
      await handleCommand(counted, stream, customerDecider, register('cached'), ctx, now, { cache });
      await handleCommand(counted, stream, customerDecider, kyc('cached', 'approved'), ctx, now, { cache });
      await handleCommand(counted, stream, customerDecider, kyc('cached', 'rejected'), ctx, now, { cache });
      expect(reads()).toBe(1);
      expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['CustomerRegistered', 'CustomerKycStatusChanged', 'CustomerKycStatusChanged']);
    });

    it('decides on the state it left after its last command: a long stream is not folded again from its first event', async () => {
      const cache = new StreamCache();
      let evolved = 0;
      const counted = { ...customerDecider, evolve: (state: Parameters<typeof customerDecider.evolve>[0], event: Parameters<typeof customerDecider.evolve>[1]) => {
        evolved++;
        return customerDecider.evolve(state, event);
      } };
      const stream = customerStreamId('folded');
      await handleCommand(store, stream, counted, register('folded'), ctx, now, { cache });
      for (const status of ['approved', 'rejected', 'approved', 'rejected'] as const) await handleCommand(store, stream, counted, kyc('folded', status), ctx, now, { cache });
      // One evolve per appended event (the new state), none to re-fold the history: 5 events, 5 evolves.
      expect(evolved).toBe(5);
      const last = await handleCommand(store, stream, counted, kyc('folded', 'approved'), ctx, now, { cache });
      expect(last.state).toMatchObject({ status: 'registered', kyc: 'approved' });
      expect(evolved).toBe(6);
    });

    it('a stale entry (another process appended) costs a read, not a wrong append', async () => {
      const cache = new StreamCache();
      const stream = customerStreamId('stale');
      await handleCommand(store, stream, customerDecider, register('stale'), ctx, now, { cache });
      // Another process approves; this process's cache still holds the stream without that event.
      await handleCommand(store, stream, customerDecider, kyc('stale', 'approved'), ctx, now);
      const result = await handleCommand(store, stream, customerDecider, kyc('stale', 'rejected'), ctx, now, { cache, maxAttempts: 1 });
      expect(result.revision).toBe(2n);
      const history = await store.readStream(stream);
      expect(history.map((e) => (e.data as { kyc_status?: string }).kyc_status)).toEqual(['pending', 'approved', 'rejected']);
    });

    it('never trusts a no-op or a refusal decided on a stale entry: it reads the stream and decides again', async () => {
      const cache = new StreamCache();
      const stream = customerStreamId('stale-noop');
      await handleCommand(store, stream, customerDecider, register('stale-noop'), ctx, now, { cache });
      await handleCommand(store, stream, customerDecider, kyc('stale-noop', 'approved'), ctx, now, { cache });
      // Elsewhere the customer is rejected; the cache still says approved, where approving again would be a no-op.
      await handleCommand(store, stream, customerDecider, kyc('stale-noop', 'rejected'), ctx, now);
      const result = await handleCommand(store, stream, customerDecider, kyc('stale-noop', 'approved'), ctx, now, { cache });
      expect(result.events.map((e) => e.type)).toEqual(['CustomerKycStatusChanged']);
      expect((await store.readStream(stream)).length).toBe(4);

      // A refusal: a cache that has never seen the stream created would refuse a KYC change (no such customer).
      const fresh = new StreamCache();
      const other = customerStreamId('created-elsewhere');
      await handleCommand(store, other, customerDecider, kyc('created-elsewhere', 'approved'), ctx, now, { cache: fresh }).catch(() => undefined);
      await handleCommand(store, other, customerDecider, register('created-elsewhere'), ctx, now);
      const approved = await handleCommand(store, other, customerDecider, kyc('created-elsewhere', 'approved'), ctx, now, { cache: fresh });
      expect(approved.events.map((e) => e.type)).toEqual(['CustomerKycStatusChanged']);
    });

    describe('expecting a new stream', () => {
      it('creates a stream without reading it first', async () => {
        const { store: counted, reads } = counting();
        const stream = customerStreamId('brand-new');
        const result = await handleCommand(counted, stream, customerDecider, register('brand-new'), ctx, now, { cache: new StreamCache(), expectNewStream: true });
        expect(reads()).toBe(0);
        expect(result).toMatchObject({ revision: 0n, replayed: false });
        expect((await store.readStream(stream)).map((e) => e.type)).toEqual(['CustomerRegistered']);
      });

      it('a stream that already exists is read and decided on as it is (here: the same profile again is a no-op)', async () => {
        const stream = customerStreamId('not-new');
        await handleCommand(store, stream, customerDecider, register('not-new'), ctx, now);
        await handleCommand(store, stream, customerDecider, kyc('not-new', 'approved'), ctx, now);
        const { store: counted, reads } = counting();
        const result = await handleCommand(counted, stream, customerDecider, register('not-new'), ctx, now, { cache: new StreamCache(), expectNewStream: true, maxAttempts: 1 });
        expect(reads()).toBe(1);
        expect(result.events).toEqual([]);
        expect(result.state).toMatchObject({ kyc: 'approved' });
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('a retry of a seeded command is answered as a replay with the stream as it is now, not the state it started from', async () => {
        const stream = customerStreamId('retried');
        const seeded = { ...ctx, eventIdSeed: 'http:k1:retried:key-9' };
        await handleCommand(store, stream, customerDecider, register('retried'), seeded, now);
        await handleCommand(store, stream, customerDecider, kyc('retried', 'approved'), ctx, now);
        const { store: counted, reads } = counting();
        const again = await handleCommand(counted, stream, customerDecider, register('retried'), seeded, now, { cache: new StreamCache(), expectNewStream: true, maxAttempts: 1 });
        expect(reads()).toBe(1);
        expect(again.replayed).toBe(true);
        expect(again.revision).toBe(1n);
        expect(again.state).toMatchObject({ kyc: 'approved' });
        expect(await store.readStream(stream)).toHaveLength(2);
      });
    });
  });
});
