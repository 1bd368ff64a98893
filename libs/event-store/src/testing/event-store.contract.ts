/**
 * The EventStore conformance suite (ARCHITECTURE §4): every adapter runs the same specification.
 *
 *   testEventStore('Postgres', async () => ({ store, cleanup, isolatedLog: true, openStoreWithCommitDelay }));
 *
 * Tests only rely on what the port promises. Where the global log may be shared with other tests or
 * processes (EventStoreDB), each test works in streams under its own unique prefix, starts reading from a
 * marker it appended, and proves "nothing more" by appending a fence event last and reading up to it.
 */
import { randomUUID } from 'node:crypto';
import {
  comparePositions,
  START,
  WrongExpectedVersionError,
  type AppendResult,
  type EventData,
  type EventStore,
  type Position,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
} from '../event-store.port';

export interface EventStoreFixture {
  store: EventStore;
  /**
   * Opens another store over the same log whose appends keep their transaction open until
   * `beforeCommit()` resolves, so commits really happen out of order. Omit it when the adapter cannot
   * hold a commit open; the suite then only delays the append calls themselves.
   */
  openStoreWithCommitDelay?: (beforeCommit: () => Promise<void>) => Promise<EventStore>;
  /** True when every fixture starts from an empty log (whole-log assertions are then also made). */
  isolatedLog: boolean;
  /** Closes the store(s) and drops whatever the fixture created. */
  cleanup(): Promise<void>;
}

export type EventStoreFactory = () => Promise<EventStoreFixture>;

const WAIT_MS = 15_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function newEvent(type: string, data: Record<string, unknown> = {}, id: string = randomUUID()): EventData {
  return {
    id,
    type,
    data,
    metadata: {
      correlation_id: randomUUID(),
      causation_id: randomUUID(),
      actor: 'system:contract-test',
      schema_version: 1,
      occurred_at: new Date().toISOString(),
    },
  };
}

async function appendError(promise: Promise<AppendResult>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the append to be rejected, but it succeeded');
}

function expectStrictlyIncreasing(positions: Position[]): void {
  for (let i = 1; i < positions.length; i += 1) {
    expect(comparePositions(positions[i - 1], positions[i])).toBe(-1);
  }
}

/**
 * Reads the global log after `from` in pages of `pageSize` until an event with id `fenceId` shows up,
 * and returns the events of streams starting with `prefix` seen on the way (fence included). Every page
 * must continue strictly after the previous one. Retries briefly when the log has nothing new yet (a
 * store may make the newest commits readable a moment later, never out of order).
 */
async function readAllUpToFence(
  store: EventStore,
  from: Position,
  prefix: string,
  fenceId: string,
  pageSize = 50,
): Promise<RecordedEvent[]> {
  const deadline = Date.now() + WAIT_MS;
  const ours: RecordedEvent[] = [];
  let position = from;
  for (;;) {
    const page = await store.readAll({ fromPosition: position, limit: pageSize });
    expect(page.length).toBeLessThanOrEqual(pageSize);
    for (const event of page) {
      expect(comparePositions(event.position, position)).toBe(1);
      position = event.position;
      if (event.streamId.startsWith(prefix)) ours.push(event);
      if (event.id === fenceId) return ours;
    }
    if (page.length === 0) {
      if (Date.now() > deadline) throw new Error(`fence ${fenceId} not readable within ${WAIT_MS} ms`);
      await sleep(20);
    }
  }
}

/** Subscribes and records the events of streams under `prefix`. */
function record(store: EventStore, prefix: string, options: SubscribeOptions = {}) {
  const seen: RecordedEvent[] = [];
  const subscription: Subscription = store.subscribeToAll(options, async (event) => {
    if (event.streamId.startsWith(prefix)) seen.push(event);
  });
  const waitUntil = async (done: () => boolean, what: string): Promise<void> => {
    const deadline = Date.now() + WAIT_MS;
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; saw ${seen.length} event(s)`);
      await sleep(10);
    }
  };
  return {
    seen,
    subscription,
    waitForCount: (count: number) => waitUntil(() => seen.length >= count, `${count} event(s)`),
    waitForId: (id: string) => waitUntil(() => seen.some((event) => event.id === id), `event ${id}`),
  };
}

export function testEventStore(name: string, factory: EventStoreFactory): void {
  describe(`EventStore contract: ${name}`, () => {
    let fixture: EventStoreFixture;
    let store: EventStore;
    /** Unique per test: every stream a test writes starts with it. */
    let run: string;
    const subscriptions: Subscription[] = [];

    beforeEach(async () => {
      fixture = await factory();
      store = fixture.store;
      run = `ct${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    });

    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
      await fixture.cleanup();
    });

    const track = <T extends { subscription: Subscription }>(recorder: T): T => {
      subscriptions.push(recorder.subscription);
      return recorder;
    };

    /** Appends a marker event; everything the test appends afterwards is strictly after its position. */
    const marker = async (): Promise<Position> =>
      (await store.appendToStream(`${run}-marker`, [newEvent('Marker')])).position;

    const fence = async (stream = `${run}-fence`, type = 'Fence'): Promise<EventData> => {
      const event = newEvent(type);
      await store.appendToStream(stream, [event]);
      return event;
    };

    describe('appending and reading a stream', () => {
      it('reads back exactly what was appended: ids, types, data, metadata, revisions, positions, recordedAt', async () => {
        const stream = `${run}-order-1`;
        const data = {
          amount_minor: '12345',
          currency: 'USD',
          nested: { list: [1, 2.5, -3, true, false, null, 'x'], empty: {}, emptyList: [] },
          unicode: 'Zoë — 日本語 🚀',
          escapes: 'quote " backslash \\ newline \n tab \t',
          maxSafe: 9007199254740991,
        };
        const events = [newEvent('OrderPlaced', data), newEvent('OrderPaid', { at: '2026-01-01T00:00:00Z' }), newEvent('OrderShipped')];
        events[2].metadata.idempotency_key = 'idem-1';

        const before = Date.now();
        const result = await store.appendToStream(stream, events, { expectedRevision: 'no_stream' });
        const after = Date.now();
        const read = await store.readStream(stream);

        expect(result.nextExpectedRevision).toBe(2n);
        expect(read.map((event) => [event.id, event.type, event.revision, event.streamId])).toEqual([
          [events[0].id, 'OrderPlaced', 0n, stream],
          [events[1].id, 'OrderPaid', 1n, stream],
          [events[2].id, 'OrderShipped', 2n, stream],
        ]);
        read.forEach((event, i) => {
          expect(event.data).toEqual(events[i].data);
          expect(event.metadata).toEqual(events[i].metadata);
          expect(event.recordedAt).toBeInstanceOf(Date);
          // Generous bounds: the recording clock may be another machine's.
          expect(event.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
          expect(event.recordedAt.getTime()).toBeLessThanOrEqual(after + 5_000);
        });
        expectStrictlyIncreasing(read.map((event) => event.position));
        expect(read[2].position).toEqual(result.position);
        expect(comparePositions(START, read[0].position)).toBe(-1);

        const next = await store.appendToStream(stream, [newEvent('OrderClosed')], { expectedRevision: 2n });
        expect(next.nextExpectedRevision).toBe(3n);
        expect(comparePositions(result.position, next.position)).toBe(-1);
      });

      it('returns an empty array for a stream that does not exist', async () => {
        await expect(store.readStream(`${run}-missing`)).resolves.toEqual([]);
      });

      it('reads several streams at once, each whole and in revision order, in the order asked, missing ones empty', async () => {
        const a = `${run}-many-a`;
        const b = `${run}-many-b`;
        // Twelve events in `a`: revision 10 must come after 2 (numeric order, not text order).
        await store.appendToStream(a, Array.from({ length: 11 }, (_, n) => newEvent('A', { n })));
        await store.appendToStream(b, [newEvent('B', { n: 0 })]);
        await store.appendToStream(a, [newEvent('A', { n: 11 })]);
        const read = await store.readStreams([b, `${run}-many-missing`, a, b]);
        expect(read.map((events) => events.map((e) => [e.streamId, e.revision, e.data]))).toEqual([
          [[b, 0n, { n: 0 }]],
          [],
          Array.from({ length: 12 }, (_, n) => [a, BigInt(n), { n }]),
          [[b, 0n, { n: 0 }]],
        ]);
        expect(read[2]).toEqual(await store.readStream(a));
        await expect(store.readStreams([])).resolves.toEqual([]);
      });

      it('reads a range of revisions with fromRevision, toRevision and maxCount', async () => {
        const stream = `${run}-range-1`;
        const events = Array.from({ length: 6 }, (_, i) => newEvent('Counted', { i }));
        await store.appendToStream(stream, events);
        const revisions = async (options: Parameters<EventStore['readStream']>[1]) =>
          (await store.readStream(stream, options)).map((event) => event.revision);

        expect(await revisions({})).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
        expect(await revisions({ fromRevision: 2n })).toEqual([2n, 3n, 4n, 5n]);
        expect(await revisions({ fromRevision: 1n, toRevision: 3n })).toEqual([1n, 2n, 3n]);
        expect(await revisions({ toRevision: 0n })).toEqual([0n]);
        expect(await revisions({ fromRevision: 2n, maxCount: 2 })).toEqual([2n, 3n]);
        expect(await revisions({ fromRevision: 6n })).toEqual([]);
        expect((await store.readStream(stream, { fromRevision: 4n })).map((event) => event.data)).toEqual([{ i: 4 }, { i: 5 }]);
      });
    });

    describe('expected revision', () => {
      it('no_stream: succeeds only while the stream does not exist', async () => {
        const stream = `${run}-acct-1`;
        await expect(store.appendToStream(stream, [newEvent('Opened')], { expectedRevision: 'no_stream' })).resolves.toMatchObject({
          nextExpectedRevision: 0n,
        });
        const error = await appendError(store.appendToStream(stream, [newEvent('OpenedAgain')], { expectedRevision: 'no_stream' }));
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(error).toMatchObject({ streamId: stream, expected: 'no_stream', actual: 0n });
        expect((await store.readStream(stream)).map((event) => event.type)).toEqual(['Opened']);
      });

      it('stream_exists: rejects a missing stream, accepts an existing one', async () => {
        const stream = `${run}-acct-2`;
        const error = await appendError(store.appendToStream(stream, [newEvent('Credited')], { expectedRevision: 'stream_exists' }));
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect(error).toMatchObject({ expected: 'stream_exists', actual: 'no_stream' });
        await expect(store.readStream(stream)).resolves.toEqual([]);

        await store.appendToStream(stream, [newEvent('Opened')]);
        await expect(store.appendToStream(stream, [newEvent('Credited')], { expectedRevision: 'stream_exists' })).resolves.toMatchObject({
          nextExpectedRevision: 1n,
        });
      });

      it('any (the default): appends whatever the stream holds', async () => {
        const stream = `${run}-acct-3`;
        await expect(store.appendToStream(stream, [newEvent('A')], { expectedRevision: 'any' })).resolves.toMatchObject({ nextExpectedRevision: 0n });
        await expect(store.appendToStream(stream, [newEvent('B'), newEvent('C')])).resolves.toMatchObject({ nextExpectedRevision: 2n });
        expect((await store.readStream(stream)).map((event) => event.type)).toEqual(['A', 'B', 'C']);
      });

      it('an exact revision succeeds when current and is rejected when stale, appending nothing', async () => {
        const stream = `${run}-acct-4`;
        await store.appendToStream(stream, [newEvent('Opened')], { expectedRevision: 'no_stream' });
        await expect(store.appendToStream(stream, [newEvent('Credited')], { expectedRevision: 0n })).resolves.toMatchObject({
          nextExpectedRevision: 1n,
        });

        const stale = await appendError(store.appendToStream(stream, [newEvent('Debited'), newEvent('Debited')], { expectedRevision: 0n }));
        expect(stale).toBeInstanceOf(WrongExpectedVersionError);
        expect(stale).toMatchObject({ streamId: stream, expected: 0n, actual: 1n });
        const ahead = await appendError(store.appendToStream(stream, [newEvent('Debited')], { expectedRevision: 5n }));
        expect(ahead).toMatchObject({ expected: 5n, actual: 1n });
        const missing = await appendError(store.appendToStream(`${run}-acct-missing`, [newEvent('Debited')], { expectedRevision: 0n }));
        expect(missing).toBeInstanceOf(WrongExpectedVersionError);
        expect(missing).toMatchObject({ actual: 'no_stream' });

        expect((await store.readStream(stream)).map((event) => event.type)).toEqual(['Opened', 'Credited']);
        await expect(store.readStream(`${run}-acct-missing`)).resolves.toEqual([]);
      });

      it('50 concurrent writers on one stream: each commits or gets WrongExpectedVersion, and the stream has no gaps', async () => {
        const stream = `${run}-hot-1`;
        await store.appendToStream(stream, [newEvent('Opened')], { expectedRevision: 'no_stream' });
        const outcomes = await Promise.all(
          Array.from({ length: 50 }, async (_, writer) => {
            const current = await store.readStream(stream);
            const expected = current[current.length - 1].revision;
            const event = newEvent('Written', { writer });
            try {
              const result = await store.appendToStream(stream, [event], { expectedRevision: expected });
              return { committed: true as const, id: event.id, expected, result };
            } catch (error) {
              if (!(error instanceof WrongExpectedVersionError)) throw error;
              return { committed: false as const, id: event.id, expected, error };
            }
          }),
        );
        const committed = outcomes.flatMap((outcome) => (outcome.committed ? [outcome] : []));
        const rejected = outcomes.flatMap((outcome) => (outcome.committed ? [] : [outcome]));
        const read = await store.readStream(stream);

        expect(committed.length).toBeGreaterThanOrEqual(1);
        expect(read.length).toBe(1 + committed.length);
        expect(read[read.length - 1].revision + 1n).toBe(BigInt(1 + committed.length));
        expect(read.map((event) => event.revision)).toEqual(read.map((_, i) => BigInt(i)));
        expect(new Set(read.slice(1).map((event) => event.id))).toEqual(new Set(committed.map((outcome) => outcome.id)));
        for (const outcome of committed) {
          // Each winner landed exactly one revision after the one it read.
          expect(outcome.result.nextExpectedRevision).toBe(outcome.expected + 1n);
          expect(read[Number(outcome.expected) + 1].id).toBe(outcome.id);
        }
        for (const outcome of rejected) {
          expect(outcome.error.actual).not.toBe(outcome.expected);
        }
      });

      it('50 concurrent writers that retry on WrongExpectedVersion all commit, none lost', async () => {
        const stream = `${run}-hot-2`;
        const ids = await Promise.all(
          Array.from({ length: 50 }, async (_, writer) => {
            const event = newEvent('Written', { writer });
            for (let attempt = 0; ; attempt += 1) {
              const current = await store.readStream(stream);
              const expected = current.length === 0 ? 'no_stream' : current[current.length - 1].revision;
              try {
                await store.appendToStream(stream, [event], { expectedRevision: expected });
                return event.id;
              } catch (error) {
                if (!(error instanceof WrongExpectedVersionError) || attempt > 200) throw error;
                await sleep(Math.random() * 5);
              }
            }
          }),
        );
        const read = await store.readStream(stream);
        expect(read.map((event) => event.revision)).toEqual(Array.from({ length: 50 }, (_, i) => BigInt(i)));
        expect(new Set(read.map((event) => event.id))).toEqual(new Set(ids));
      });

      it('concurrent appends with any to one stream all succeed, in contiguous revisions', async () => {
        const stream = `${run}-hot-3`;
        const results = await Promise.all(
          Array.from({ length: 30 }, (_, writer) =>
            store.appendToStream(stream, [newEvent('Written', { writer }), newEvent('Written', { writer, second: true })], { expectedRevision: 'any' }),
          ),
        );
        const read = await store.readStream(stream);
        expect(read.map((event) => event.revision)).toEqual(Array.from({ length: 60 }, (_, i) => BigInt(i)));
        // Each batch stays together, and each result names the revision of its own last event.
        for (const result of results) {
          const last = read[Number(result.nextExpectedRevision)];
          expect(last.data).toMatchObject({ second: true });
          expect(read[Number(result.nextExpectedRevision) - 1].data).toEqual({ writer: last.data.writer });
          expect(last.position).toEqual(result.position);
        }
        expect(new Set(results.map((result) => result.nextExpectedRevision)).size).toBe(30);
      });
    });

    describe('reading the global log', () => {
      it('returns events in commit order, page by page, strictly after the given position', async () => {
        const from = await marker();
        const appended: EventData[] = [];
        for (let i = 0; i < 4; i += 1) {
          for (const stream of [`${run}-a`, `${run}-b`, `${run}-c`]) {
            const batch = i === 3 ? [newEvent('Batch', { i }), newEvent('Batch', { i, second: true })] : [newEvent('Single', { i })];
            await store.appendToStream(stream, batch);
            appended.push(...batch);
          }
        }
        const last = await fence();

        const paged = await readAllUpToFence(store, from, run, last.id, 2);
        expect(paged.map((event) => event.id)).toEqual([...appended.map((event) => event.id), last.id]);
        expectStrictlyIncreasing(paged.map((event) => event.position));
        expect(paged[0].data).toEqual(appended[0].data);

        // Resuming from the middle yields exactly the rest.
        const middle = paged[5];
        const rest = await readAllUpToFence(store, middle.position, run, last.id, 3);
        expect(rest.map((event) => event.id)).toEqual(paged.slice(6).map((event) => event.id));

        if (fixture.isolatedLog) {
          // A fresh log holds exactly the marker and this test's events.
          const everything = await store.readAll({ fromPosition: START, limit: 1000 });
          expect(everything[0].streamId).toBe(`${run}-marker`);
          expect(everything.slice(1).map((event) => event.id)).toEqual(paged.map((event) => event.id));
          await expect(store.readAll({ limit: 3 })).resolves.toEqual(everything.slice(0, 3));
          await expect(store.readAll({ fromPosition: everything[everything.length - 1].position, limit: 10 })).resolves.toEqual([]);
        }
      });
    });

    describe('idempotent appends', () => {
      it('re-appending the same event ids changes nothing and returns the first result', async () => {
        const stream = `${run}-pull-1`;
        const from = await marker();
        const batch = [newEvent('PullRequested', { amount_minor: '1000' }), newEvent('PullSubmitted')];
        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        await store.appendToStream(`${run}-other`, [newEvent('Unrelated')]);

        // A retry with the same expectation (the usual case: the first response was lost).
        await expect(store.appendToStream(stream, batch, { expectedRevision: 'no_stream' })).resolves.toEqual(first);
        // A retry with 'any'.
        await expect(store.appendToStream(stream, batch, { expectedRevision: 'any' })).resolves.toEqual(first);

        const read = await store.readStream(stream);
        expect(read.map((event) => event.id)).toEqual(batch.map((event) => event.id));
        const last = await fence();
        const log = await readAllUpToFence(store, from, run, last.id);
        expect(log.map((event) => event.type)).toEqual(['PullRequested', 'PullSubmitted', 'Unrelated', 'Fence']);
      });

      it('rejects a batch that mixes already-appended and new event ids, appending nothing', async () => {
        const stream = `${run}-pull-2`;
        const original = newEvent('PullRequested');
        await store.appendToStream(stream, [original], { expectedRevision: 'no_stream' });
        const fresh = newEvent('PullSubmitted');
        await expect(store.appendToStream(stream, [original, fresh], { expectedRevision: 'any' })).rejects.toThrow();
        expect((await store.readStream(stream)).map((event) => event.id)).toEqual([original.id]);
      });
    });

    describe('subscribing to all', () => {
      it('catches up, then delivers live appends from 20 writers with random commit delays: N of N, in global order, once each', async () => {
        const from = await marker();
        const before = newEvent('Early');
        await store.appendToStream(`${run}-w-early`, [before]);
        const subscriber = track(record(store, run, { fromPosition: from }));
        await subscriber.waitForId(before.id);

        const randomDelay = () => sleep(Math.floor(Math.random() * 80));
        const writerStore = fixture.openStoreWithCommitDelay ? await fixture.openStoreWithCommitDelay(randomDelay) : store;
        const delayCall = fixture.openStoreWithCommitDelay ? async () => undefined : randomDelay;
        const perWriter = 5;
        const written: string[] = [];
        await Promise.all(
          Array.from({ length: 20 }, async (_, writer) => {
            for (let i = 0; i < perWriter; i += 1) {
              const event = newEvent('Written', { writer, i });
              await delayCall();
              await writerStore.appendToStream(`${run}-w-${writer}`, [event], { expectedRevision: i === 0 ? 'no_stream' : BigInt(i - 1) });
              written.push(event.id);
            }
          }),
        );
        const last = await fence();
        await subscriber.waitForId(last.id);
        await sleep(200); // would expose late duplicates

        const total = 1 + 20 * perWriter + 1;
        const seenIds = subscriber.seen.map((event) => event.id);
        expect(new Set(seenIds).size).toBe(seenIds.length);
        expect(seenIds).toHaveLength(total);
        expect(new Set(seenIds)).toEqual(new Set([before.id, ...written, last.id]));
        expectStrictlyIncreasing(subscriber.seen.map((event) => event.position));
        const log = await readAllUpToFence(store, from, run, last.id, 17);
        expect(seenIds).toEqual(log.map((event) => event.id));
        // Per stream, revisions arrive in order.
        for (let writer = 0; writer < 20; writer += 1) {
          const revisions = subscriber.seen.filter((event) => event.streamId === `${run}-w-${writer}`).map((event) => event.revision);
          expect(revisions).toEqual([0n, 1n, 2n, 3n, 4n]);
        }
      });

      it('resumes from a checkpoint position without redelivering what was handled', async () => {
        const from = await marker();
        const first = Array.from({ length: 5 }, (_, i) => newEvent('Step', { i }));
        for (const event of first) await store.appendToStream(`${run}-resume`, [event]);

        const one = record(store, run, { fromPosition: from });
        await one.waitForCount(3);
        await one.subscription.stop();
        const checkpoint = one.seen[2].position;

        const more = [newEvent('Step', { i: 5 }), newEvent('Step', { i: 6 })];
        await store.appendToStream(`${run}-resume`, more);
        const last = await fence();
        const two = track(record(store, run, { fromPosition: checkpoint }));
        await two.waitForId(last.id);

        expect(two.seen.map((event) => event.id)).toEqual([...first.slice(3), ...more, last].map((event) => event.id));
      });

      it('filters by stream prefix and by event type', async () => {
        const from = await marker();
        await store.appendToStream(`${run}-cust-1`, [newEvent('Registered'), newEvent('KycChanged')]);
        await store.appendToStream(`${run}-pull-1`, [newEvent('Registered'), newEvent('PullRequested')]);
        await store.appendToStream(`${run}-cust-2`, [newEvent('KycChanged')]);
        const byPrefix = track(record(store, run, { fromPosition: from, filter: { streamPrefixes: [`${run}-cust-`] } }));
        const byType = track(record(store, run, { fromPosition: from, filter: { eventTypes: ['KycChanged', 'Fence'] } }));
        const both = track(
          record(store, run, { fromPosition: from, filter: { streamPrefixes: [`${run}-pull-`, `${run}-cust-2`], eventTypes: ['Registered', 'KycChanged', 'Fence'] } }),
        );
        const prefixFence = await fence(`${run}-cust-fence`);
        const typeFence = await fence(`${run}-pull-fence`);
        await Promise.all([byPrefix.waitForId(prefixFence.id), byType.waitForId(typeFence.id), both.waitForId(typeFence.id)]);

        const show = (events: RecordedEvent[]) => events.map((event) => `${event.streamId.slice(run.length + 1)}:${event.type}`);
        expect(show(byPrefix.seen)).toEqual(['cust-1:Registered', 'cust-1:KycChanged', 'cust-2:KycChanged', 'cust-fence:Fence']);
        expect(show(byType.seen)).toEqual(['cust-1:KycChanged', 'cust-2:KycChanged', 'cust-fence:Fence', 'pull-fence:Fence']);
        expect(show(both.seen)).toEqual(['pull-1:Registered', 'cust-2:KycChanged', 'pull-fence:Fence']);
      });

      it('stop() waits for the in-flight handler, then nothing more is delivered', async () => {
        const from = await marker();
        await store.appendToStream(`${run}-stop`, [newEvent('One'), newEvent('Two')]);
        let started = 0;
        let finished = 0;
        const subscription = store.subscribeToAll({ fromPosition: from }, async (event) => {
          if (!event.streamId.startsWith(run)) return;
          started += 1;
          await sleep(300);
          finished += 1;
        });
        const deadline = Date.now() + WAIT_MS;
        while (started === 0 && Date.now() < deadline) await sleep(5);
        expect(started).toBe(1);
        await subscription.stop();
        expect(finished).toBe(1);
        await expect(subscription.done).resolves.toBeUndefined();

        await store.appendToStream(`${run}-stop`, [newEvent('Three')]);
        await sleep(400);
        expect(started).toBe(1);
      });

      it('a handler that throws stops the subscription and rejects done with its error', async () => {
        const from = await marker();
        await store.appendToStream(`${run}-fail`, [newEvent('One'), newEvent('Two'), newEvent('Three')]);
        const handled: string[] = [];
        const boom = new Error('projection failed');
        const subscription = store.subscribeToAll({ fromPosition: from }, async (event) => {
          if (!event.streamId.startsWith(run)) return;
          handled.push(event.type);
          if (event.type === 'Two') throw boom;
        });
        subscriptions.push(subscription);
        await expect(subscription.done).rejects.toBe(boom);
        await sleep(100);
        expect(handled).toEqual(['One', 'Two']);
        await expect(subscription.stop()).resolves.toBeUndefined();
      });
    });
  });
}
