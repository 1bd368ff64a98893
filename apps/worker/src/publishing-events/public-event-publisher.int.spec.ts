/**
 * The event publisher against real Postgres and a real Kafka broker: catalog events reach `payments.events` once after
 * dedupe, in stream order, with their headers; unpublished internal events are skipped (the checkpoint still passes
 * them); and a publisher that dies after Kafka acknowledged a batch but before its checkpoint write re-sends that
 * batch on restart (at-least-once) without losing or reordering anything.
 */
import { randomUUID } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { EventData, PostgresEventStore, RecordedEvent } from '@payments/event-store';
import { createKafka, ensureTopics, KafkaMessagePublisher, MessagePublisher, OutboundMessage, toPublicEvent } from '@payments/messaging';
import { createIsolatedDatabase } from '../../../../test/support/database';
import { testKafkaBrokers, uniqueName } from '../../../../test/support/kafka';
import { PublicEventsReader } from '../../../../test/support/public-events-reader';
import { PublicEventPublisher, readPublisherCheckpoint } from './public-event-publisher';

const STREAMS = 12;
const meta = (n: number) => ({ correlation_id: `corr-${n}`, causation_id: `cause-${n}`, actor: 'system:test', schema_version: 1, occurred_at: new Date().toISOString() });

/** Publishes through Kafka, but the `dieOnCall`-th call never returns once acknowledged: the process "dies" there. */
class DyingPublisher implements MessagePublisher {
  calls = 0;
  private dead?: () => void;
  readonly died: Promise<void>;
  private markDied!: () => void;
  constructor(
    private readonly inner: MessagePublisher,
    private readonly dieOnCall: number,
  ) {
    this.died = new Promise((resolve) => (this.markDied = resolve));
  }
  async publish(topic: string, messages: readonly OutboundMessage[]): Promise<void> {
    this.calls += 1;
    if (this.calls > this.dieOnCall) return new Promise(() => undefined); // dead: never sends again
    await this.inner.publish(topic, messages);
    if (this.calls === this.dieOnCall) {
      this.markDied();
      await new Promise<void>((_, reject) => (this.dead = () => reject(new Error('process gone'))));
    }
  }
  /** Lets the abandoned loop end (the test process must not keep it running). */
  bury(): void {
    this.dead?.();
  }
}

describe('PublicEventPublisher (real Postgres, real Kafka)', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  let kafka: Kafka;
  let producer: KafkaMessagePublisher;
  let topic: string;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    pool = new Pool({ connectionString: await createIsolatedDatabase('event-publisher'), max: 6 });
    store = new PostgresEventStore({ pool });
    await store.ensureSchema();
    kafka = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName('event-publisher') });
    topic = uniqueName('payments.events');
    await ensureTopics(kafka, { replicationFactor: 1, topics: [{ name: topic, partitions: 4, keyedBy: 'stream', config: {} }] });
    producer = new KafkaMessagePublisher(kafka);
  }, 60_000);
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await producer.close();
    await store.close();
    await pool.end();
  });

  it('publishes every catalog event once after dedupe, in stream order, through a crash between ack and checkpoint', async () => {
    // 12 pull streams (requested → pending → settled), with events of a type the catalog does not know in between (skipped, checkpoint still advances).
    for (let round = 0; round < 4; round++) {
      for (let s = 0; s < STREAMS; s++) {
        const pullId = `pull-${s}`;
        const events: EventData[] = [];
        const base = { pull_id: pullId, user_id: `u-${s}`, provider_transfer_id: `bt-${s}` };
        if (round === 0) events.push({ id: randomUUID(), type: 'AchPullRequested', data: { ...base, amount_minor: String(1000 + s), currency: 'USD' }, metadata: { ...meta(s), traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01` } });
        if (round === 1) events.push({ id: randomUUID(), type: 'NotInTheCatalog', data: base, metadata: meta(s) });
        if (round === 2) events.push({ id: randomUUID(), type: 'AchPullPending', data: base, metadata: meta(s) });
        if (round === 3) events.push({ id: randomUUID(), type: 'AchPullSettled', data: { ...base, amount_minor: String(1000 + s), currency: 'USD' }, metadata: meta(s) });
        await store.appendToStream(`ach-pull-${pullId}`, events);
      }
      await store.appendToStream(`customer-c${round}`, [{ id: randomUUID(), type: 'NotInTheCatalog', data: { customer_id: `c${round}` }, metadata: meta(round) }]);
    }
    // readAll stops below the safe high-water mark (other transactions on the server may hold it back a moment).
    let all: RecordedEvent[] = [];
    for (let tries = 0; all.length < 4 * (STREAMS + 1) && tries < 400; tries++) {
      all = await store.readAll({ limit: 1000 });
      if (all.length < 4 * (STREAMS + 1)) await new Promise((r) => setTimeout(r, 25));
    }
    const expected = all.filter((e) => toPublicEvent(e) !== null);
    expect(expected).toHaveLength(STREAMS * 3);

    // First publisher: batches of 7 log events; it dies after Kafka acknowledged its 3rd batch, before that checkpoint.
    const dying = new DyingPublisher(producer, 3);
    const first = new PublicEventPublisher(store, pool, dying, { topic, batchSize: 7, pollIntervalMs: 20, retryDelayMs: 50 });
    await first.start();
    await dying.died;
    const checkpointAtDeath = await readPublisherCheckpoint(pool, 'payments.events');
    // Log events 0-6 and 7-13 were published, 14-20 (cancel requests, a customer) only skipped, all checkpointed;
    // 21-27 were sent and acknowledged, but the checkpoint write never came.
    expect(all.slice(14, 21).every((e) => toPublicEvent(e) === null)).toBe(true);
    expect(checkpointAtDeath).toEqual(all[20].position);
    stops.push(async () => {
      dying.bury();
      await first.stop();
    });

    // Restart: a new publisher from the stored checkpoint.
    const second = new PublicEventPublisher(store, pool, producer, { topic, batchSize: 7, pollIntervalMs: 20 });
    await second.start();
    stops.push(() => second.stop());

    const reader = await PublicEventsReader.start(kafka, topic);
    stops.push(() => reader.stop());
    const deadline = Date.now() + 30_000;
    while (reader.unique().length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

    const unique = reader.unique();
    expect(unique.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
    expect(reader.received.length).toBeGreaterThan(unique.length); // the third batch came twice
    for (const [subject, events] of reader.bySubject()) {
      expect(events.map((e) => e.id)).toEqual(expected.filter((e) => e.streamId === subject).map((e) => e.id));
      expect(events.map((e) => e.type)).toEqual(['ach_pull.initiated', 'ach_pull.pending', 'ach_pull.completed']);
    }
    const initiated = reader.received.find(({ event }) => event.type === 'ach_pull.initiated')!;
    expect(initiated.message.key).toBe(initiated.event.subject);
    expect(initiated.message.headers).toMatchObject({
      event_id: initiated.event.id,
      event_type: 'ach_pull.initiated',
      correlation_id: expect.stringMatching(/^corr-\d+$/),
      traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
    });
    expect(initiated.event.data).toMatchObject({ status: 'INITIATED', currency: 'USD', amount: expect.stringMatching(/^10\.\d\d$/) });

    // The checkpoint passes the last event even though it is an unpublished one.
    const last = all[all.length - 1];
    expect(last.type).toBe('NotInTheCatalog');
    const until = Date.now() + 10_000;
    while (Date.now() < until && (await readPublisherCheckpoint(pool, 'payments.events')).prepare !== last.position.prepare) await new Promise((r) => setTimeout(r, 50));
    expect(await readPublisherCheckpoint(pool, 'payments.events')).toEqual(last.position);
  }, 90_000);
});
