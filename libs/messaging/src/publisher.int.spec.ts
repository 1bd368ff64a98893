import type { Admin, Kafka } from 'kafkajs';
import { testKafkaBrokers, uniqueName } from '../../../test/support/kafka';
import { type ConsumedMessage, type ConsumerHandle, runConsumer } from './consumer';
import { standardHeaders } from './headers';
import { KafkaMessagePublisher, PublisherClosedError } from './kafka-message-publisher';
import { FAST_GROUP, createTopic, testKafka, waitFor } from './testing/messaging-test-kit';
import { KafkaWebhookSink, type ReceivedWebhook, webhookFromMessage } from './webhook-sink';

describe('KafkaMessagePublisher and KafkaWebhookSink (real Kafka)', () => {
  let kafka: Kafka;
  let admin: Admin;
  let publisher: KafkaMessagePublisher;
  const consumers: ConsumerHandle[] = [];

  beforeAll(async () => {
    kafka = testKafka(testKafkaBrokers(), uniqueName('publisher-spec'));
    admin = kafka.admin();
    await admin.connect();
    publisher = new KafkaMessagePublisher(kafka);
  });
  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.stop()));
    await publisher.close();
    await admin.disconnect();
  });

  /** Reads `topic` from the beginning into an array. */
  const readAll = async (topic: string): Promise<ConsumedMessage[]> => {
    const received: ConsumedMessage[] = [];
    const consumer = runConsumer({
      ...FAST_GROUP,
      kafka,
      groupId: uniqueName('reader'),
      topic,
      dlqTopic: `${topic}.unused-dlq`,
      maxAttempts: 1,
      backoffMs: { initial: 10, max: 10 },
      handle: async (message) => {
        received.push(message);
      },
    });
    consumers.push(consumer);
    await consumer.ready;
    return received;
  };

  it('resolves only once the broker acknowledged: the messages are already in the log, and consumers see key, value and headers', async () => {
    const topic = uniqueName('events');
    await createTopic(kafka, topic, 1);
    const headers = standardHeaders({
      eventId: 'evt-1',
      eventType: 'AchPullSettled',
      correlationId: 'corr-1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });

    await publisher.publish(topic, [
      { key: 'ach-pull-1', value: '{"n":1}', headers },
      { key: 'ach-pull-1', value: Buffer.from('{"n":2}') },
    ]);

    // No polling: acknowledged means written, so the high watermark has already moved.
    const [offsets] = await admin.fetchTopicOffsets(topic);
    expect(offsets.high).toBe('2');

    const received = await readAll(topic);
    await waitFor('both messages consumed', () => received.length === 2);
    expect(received.map((m) => [m.key, m.value?.toString('utf8'), m.offset])).toEqual([
      ['ach-pull-1', '{"n":1}', '0'],
      ['ach-pull-1', '{"n":2}', '1'],
    ]);
    expect(received[0].headers).toEqual({
      event_id: 'evt-1',
      event_type: 'AchPullSettled',
      correlation_id: 'corr-1',
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    });
    expect(received[1].headers).toEqual({});
  });

  it('KafkaWebhookSink writes the raw body bytes keyed by the resource id; the translator gets the same webhook back', async () => {
    const topic = uniqueName('webhooks');
    await createTopic(kafka, topic, 3);
    const sink = new KafkaWebhookSink(publisher, topic);
    // Bytes that are not valid UTF-8 must survive untouched (signatures are computed over the raw body).
    const body = Buffer.concat([Buffer.from('{"webhook_code":"BANK_TRANSFERS_EVENTS_UPDATE"}'), Buffer.from([0xff, 0xfe, 0x00])]);
    const webhook: ReceivedWebhook = {
      key: 'bt_123',
      body,
      headers: { 'plaid-verification': 'eyJhbGciOi.sig', 'content-type': 'application/json' },
      receivedAt: new Date('2026-11-21T10:00:00.123Z'),
    };

    await sink.publish(webhook);
    await sink.publish({ ...webhook, key: 'bt_123', receivedAt: new Date('2026-11-21T10:00:01.000Z') });

    const received = await readAll(topic);
    await waitFor('both webhooks consumed', () => received.length === 2);
    // Same key, same partition, in order.
    expect(received[0].partition).toBe(received[1].partition);
    expect(webhookFromMessage(received[0])).toEqual({ ...webhook, arrivedAt: expect.any(Number) });
    expect(webhookFromMessage(received[1]).receivedAt.toISOString()).toBe('2026-11-21T10:00:01.000Z');
    expect(received[0].value?.equals(body)).toBe(true);
  });

  it('concurrent publishes each resolve only once their messages are in the log, and keep call order per key', async () => {
    const topic = uniqueName('concurrent');
    await createTopic(kafka, topic, 1);
    const high = async (): Promise<number> => Number((await admin.fetchTopicOffsets(topic))[0].high);

    const calls = Array.from({ length: 300 }, (_, i) => publisher.publish(topic, [{ key: 'same-key', value: String(i) }]));
    await calls[0];
    expect(await high()).toBeGreaterThanOrEqual(1);
    await Promise.all(calls);
    expect(await high()).toBe(300);

    const received = await readAll(topic);
    await waitFor('all messages consumed', () => received.length === 300);
    expect(received.map((m) => m.value?.toString('utf8'))).toEqual(Array.from({ length: 300 }, (_, i) => String(i)));
  });

  it('refuses to publish after close', async () => {
    const closing = new KafkaMessagePublisher(kafka);
    await closing.close();
    await expect(closing.publish('any', [{ key: 'k', value: 'v' }])).rejects.toBeInstanceOf(PublisherClosedError);
  });
});
