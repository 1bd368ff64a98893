import type { Admin, Kafka } from 'kafkajs';
import { testKafkaBrokers, uniqueName } from '../../../test/support/kafka';
import {
  type ConsumedMessage,
  type ConsumerHandle,
  DLQ_HEADERS,
  type DeadLetterInfo,
  NonRetryableError,
  type RunConsumerOptions,
  runConsumer,
} from './consumer';
import { standardHeaders } from './headers';
import { KafkaMessagePublisher } from './kafka-message-publisher';
import { FAST_GROUP, createTopic, testKafka, waitFor } from './testing/messaging-test-kit';

describe('runConsumer: commit after effect, retries, DLQ (real Kafka)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let publisher: KafkaMessagePublisher;
  const running: ConsumerHandle[] = [];

  beforeAll(async () => {
    kafka = testKafka(testKafkaBrokers(), uniqueName('consumer-spec'));
    admin = kafka.admin();
    await admin.connect();
    publisher = new KafkaMessagePublisher(kafka);
  });
  afterAll(async () => {
    await Promise.all(running.map((c) => c.stop()));
    await publisher.close();
    await admin.disconnect();
  });

  const start = (options: Omit<RunConsumerOptions, 'kafka'>): ConsumerHandle => {
    const handle = runConsumer({ ...FAST_GROUP, kafka, ...options });
    running.push(handle);
    return handle;
  };

  /** The group's committed offset on partition 0, or null when it has committed nothing. */
  const committed = async (groupId: string, topic: string): Promise<string | null> => {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const offset = offsets.partitions.find((p) => p.partition === 0)?.offset ?? '-1';
    return offset === '-1' ? null : offset;
  };

  const topics = async (partitions = 1) => {
    const topic = uniqueName('in');
    const dlqTopic = `${topic}.dlq`;
    await createTopic(kafka, topic, partitions);
    await createTopic(kafka, dlqTopic, 1);
    return { topic, dlqTopic };
  };

  it('does not commit while the handler fails, and a new instance of the group gets the message again after a stop', async () => {
    const { topic, dlqTopic } = await topics();
    const groupId = uniqueName('translator');
    await publisher.publish(topic, [{ key: 'bt_1', value: 'settled' }]);

    const failedAttempts: number[] = [];
    const first = start({
      groupId,
      topic,
      dlqTopic,
      maxAttempts: 1_000,
      backoffMs: { initial: 20, max: 80 },
      handle: async (message) => {
        failedAttempts.push(message.attempt);
        throw new Error('read model database unavailable');
      },
    });
    await waitFor('three failed attempts', () => failedAttempts.length >= 3);
    expect(failedAttempts.slice(0, 3)).toEqual([1, 2, 3]);
    expect(await committed(groupId, topic)).toBeNull();
    expect(await first.lag()).toEqual([{ topic, partition: 0, lag: 1, highWatermark: '1', committedOffset: null }]);

    await first.stop(); // stops in the middle of its retries
    expect(await committed(groupId, topic)).toBeNull();

    const redelivered: ConsumedMessage[] = [];
    const second = start({
      groupId,
      topic,
      dlqTopic,
      maxAttempts: 3,
      backoffMs: { initial: 20, max: 80 },
      handle: async (message) => {
        redelivered.push(message);
      },
    });
    await waitFor('the message redelivered to the new instance', () => redelivered.length === 1);
    expect(redelivered[0]).toMatchObject({ offset: '0', key: 'bt_1', attempt: 1 });
    expect(redelivered[0].value?.toString()).toBe('settled');
    await waitFor('offset committed', async () => (await committed(groupId, topic)) === '1');
    expect(await second.lag()).toEqual([{ topic, partition: 0, lag: 0, highWatermark: '1', committedOffset: '1' }]);
    // Nothing was dead-lettered.
    expect((await admin.fetchTopicOffsets(dlqTopic))[0].high).toBe('0');
  });

  it('stop() lets the message in flight finish and commits it', async () => {
    const { topic, dlqTopic } = await topics();
    const groupId = uniqueName('slow');
    await publisher.publish(topic, [{ key: 'k', value: 'slow' }]);

    let started = false;
    let finished = false;
    const consumer = start({
      groupId,
      topic,
      dlqTopic,
      maxAttempts: 3,
      backoffMs: { initial: 20, max: 80 },
      handle: async () => {
        started = true;
        await new Promise((resolve) => setTimeout(resolve, 700));
        finished = true;
      },
    });
    await waitFor('handler started', () => started);
    await consumer.stop();
    expect(finished).toBe(true);
    expect(await committed(groupId, topic)).toBe('1');
  });

  // A lag read racing shutdown used to reach the broker after stop() returned (CI: "import after
  // the Jest environment has been torn down" from the metrics refresh in an e2e's teardown).
  it('stop() waits for a lag read in flight, and lag() after stop() opens no broker connection', async () => {
    const { topic, dlqTopic } = await topics();
    await publisher.publish(topic, [{ key: 'k', value: 'one' }]);
    const admins: Admin[] = [];
    const countingKafka = Object.create(kafka) as Kafka;
    countingKafka.admin = (config) => {
      const created = kafka.admin(config);
      admins.push(created);
      return created;
    };
    const handled: string[] = [];
    const consumer = runConsumer({
      ...FAST_GROUP,
      kafka: countingKafka,
      groupId: uniqueName('lag-race'),
      topic,
      dlqTopic,
      maxAttempts: 3,
      backoffMs: { initial: 20, max: 80 },
      handle: async (message) => {
        handled.push(message.value?.toString() ?? '');
      },
    });
    await consumer.ready;
    await waitFor('message handled', () => handled.length === 1);

    const inFlight = consumer.lag();
    await consumer.stop();
    expect(await inFlight).toEqual([expect.objectContaining({ topic, partition: 0, highWatermark: '1' })]);
    expect(admins).toHaveLength(1);

    expect(await consumer.lag()).toEqual([]);
    expect(admins).toHaveLength(1);
  });

  it('dead-letters a poison message after maxAttempts with its provenance, and the next message on the partition is still processed', async () => {
    const { topic, dlqTopic } = await topics();
    const groupId = uniqueName('translator');
    const headers = standardHeaders({ eventId: 'wh-1', eventType: 'BANK_TRANSFERS_EVENTS_UPDATE', correlationId: 'c-1' });
    await publisher.publish(topic, [
      { key: 'bt_9', value: 'poison', headers },
      { key: 'bt_9', value: 'good-1' },
      { key: 'bt_9', value: 'unknown-webhook-type' },
      { key: 'bt_9', value: 'good-2' },
    ]);

    const attempts = new Map<string, number[]>();
    const processed: string[] = [];
    const deadLetters: DeadLetterInfo[] = [];
    const consumer = start({
      groupId,
      topic,
      dlqTopic,
      maxAttempts: 3,
      backoffMs: { initial: 20, max: 40 },
      onDeadLetter: (info) => deadLetters.push(info),
      handle: async (message) => {
        const value = message.value?.toString() ?? '';
        attempts.set(value, [...(attempts.get(value) ?? []), message.attempt]);
        if (value === 'poison') throw new Error('amount is not a decimal');
        if (value === 'unknown-webhook-type') throw new NonRetryableError('unknown webhook type');
        processed.push(value);
      },
    });

    await waitFor('both good messages processed', () => processed.length === 2);
    expect(processed).toEqual(['good-1', 'good-2']);
    expect(attempts.get('poison')).toEqual([1, 2, 3]);
    expect(attempts.get('unknown-webhook-type')).toEqual([1]); // not retried
    await waitFor('all four offsets committed', async () => (await committed(groupId, topic)) === '4');
    expect(deadLetters.map((d) => [d.offset, d.attempts])).toEqual([
      ['0', 3],
      ['2', 1],
    ]);
    expect(await consumer.lag()).toEqual([{ topic, partition: 0, lag: 0, highWatermark: '4', committedOffset: '4' }]);

    const dlq: ConsumedMessage[] = [];
    start({
      groupId: uniqueName('dlq-reader'),
      topic: dlqTopic,
      dlqTopic: `${dlqTopic}.unused`,
      maxAttempts: 1,
      backoffMs: { initial: 10, max: 10 },
      handle: async (message) => {
        dlq.push(message);
      },
    });
    await waitFor('two dead letters readable', () => dlq.length === 2);
    const [poison, unknown] = dlq;
    expect(poison.key).toBe('bt_9');
    expect(poison.value?.toString()).toBe('poison');
    expect(poison.headers).toMatchObject({
      ...headers, // the original headers travel along
      [DLQ_HEADERS.originalTopic]: topic,
      [DLQ_HEADERS.originalPartition]: '0',
      [DLQ_HEADERS.originalOffset]: '0',
      [DLQ_HEADERS.consumerGroup]: groupId,
      [DLQ_HEADERS.attempts]: '3',
      [DLQ_HEADERS.lastError]: 'Error: amount is not a decimal',
    });
    const firstFailedAt = Date.parse(poison.headers[DLQ_HEADERS.firstFailedAt]);
    const deadLetteredAt = Date.parse(poison.headers[DLQ_HEADERS.deadLetteredAt]);
    expect(Number.isNaN(firstFailedAt)).toBe(false);
    // Three attempts with 20 ms and 40 ms waits between them.
    expect(deadLetteredAt - firstFailedAt).toBeGreaterThanOrEqual(55);
    expect(unknown.headers).toMatchObject({
      [DLQ_HEADERS.originalOffset]: '2',
      [DLQ_HEADERS.attempts]: '1',
      [DLQ_HEADERS.lastError]: 'NonRetryableError: unknown webhook type',
    });
  });

  it('heartbeats through retries longer than the session timeout, so the member is not evicted and the message is handled once', async () => {
    const { topic, dlqTopic } = await topics();
    const groupId = uniqueName('patient');
    await publisher.publish(topic, [{ key: 'k', value: 'v' }]);

    const calls: number[] = [];
    start({
      groupId,
      topic,
      dlqTopic,
      maxAttempts: 3,
      // Two waits of 3.5 s: 7 s of retrying against a 6 s session timeout.
      backoffMs: { initial: 3_500, max: 3_500 },
      handle: async (message) => {
        calls.push(message.attempt);
        if (message.attempt < 3) throw new Error('provider timeout');
      },
    });
    await waitFor('offset committed', async () => (await committed(groupId, topic)) === '1', 15_000);
    // An evicted member's commit is refused and the message would come back as attempt 1.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(calls).toEqual([1, 2, 3]);
  }, 30_000);

  it('gives way promptly when another member joins during retries', async () => {
    const { topic, dlqTopic } = await topics(2);
    const groupId = uniqueName('rebalance');
    await publisher.publish(topic, [{ key: 'stuck', value: 'v' }]);

    const owners: string[] = [];
    const options = (name: string) => ({
      groupId,
      topic,
      dlqTopic,
      maxAttempts: 1_000,
      backoffMs: { initial: 100, max: 100 },
      handle: async () => {
        owners.push(name);
        throw new Error('still failing');
      },
    });
    const first = start(options('first'));
    await waitFor('first member retrying', () => owners.length >= 2);

    const joinedAt = Date.now();
    const second = start(options('second'));
    await second.ready; // needs the first member to leave its retry loop and rejoin
    expect(Date.now() - joinedAt).toBeLessThan(4_000);

    // The uncommitted message is still being retried by whichever member owns its partition now.
    const before = owners.length;
    await waitFor('retries continue after the rebalance', () => owners.length >= before + 3);
    expect(await committed(groupId, topic)).toBeNull();
    await Promise.all([first.stop(), second.stop()]);
  });

  it('keeps per-key order across partitions handled in parallel, retries included', async () => {
    const { topic, dlqTopic } = await topics(3);
    const keys = ['bt_a', 'bt_b', 'bt_c', 'bt_d', 'bt_e', 'bt_f'];
    const perKey = 20;
    const messages = Array.from({ length: perKey }, (_, seq) => keys.map((key) => ({ key, value: String(seq) }))).flat();
    for (let i = 0; i < messages.length; i += 15) await publisher.publish(topic, messages.slice(i, i + 15));

    const seen = new Map<string, number[]>(keys.map((k) => [k, []]));
    const partitionsUsed = new Set<number>();
    let retried = 0;
    start({
      groupId: uniqueName('ordered'),
      topic,
      dlqTopic,
      partitionsConsumedConcurrently: 3,
      maxAttempts: 3,
      backoffMs: { initial: 5, max: 10 },
      handle: async (message) => {
        const seq = Number(message.value?.toString());
        await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 3)));
        if (seq % 7 === 3 && message.attempt === 1) {
          retried += 1;
          throw new Error('transient');
        }
        partitionsUsed.add(message.partition);
        seen.get(message.key ?? '')?.push(seq);
      },
    });

    await waitFor('every message handled', () => [...seen.values()].every((s) => s.length >= perKey));
    const expected = Array.from({ length: perKey }, (_, i) => i);
    for (const key of keys) expect({ key, seq: seen.get(key) }).toEqual({ key, seq: expected });
    expect(retried).toBe(keys.length * 3); // seq 3, 10 and 17 of each key failed once
    expect(partitionsUsed.size).toBeGreaterThan(1);
  });
});
