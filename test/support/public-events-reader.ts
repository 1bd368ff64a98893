/**
 * A downstream consumer of `payments.events` for tests: reads the topic from the beginning in its own consumer group,
 * keeps every message as received (duplicates included), and dedupes by CloudEvents `id` the way a ledger would.
 */
import type { Kafka } from 'kafkajs';
import { type ConsumedMessage, type ConsumerHandle, parsePublicEvent, type PublicEvent, runConsumer } from '@payments/messaging';
import { uniqueName } from './kafka';

export class PublicEventsReader {
  private constructor(
    private readonly handle: ConsumerHandle,
    /** Every delivery, duplicates included, in the order received. */
    readonly received: { event: PublicEvent; message: ConsumedMessage }[],
  ) {}

  static async start(kafka: Kafka, topic: string): Promise<PublicEventsReader> {
    const received: { event: PublicEvent; message: ConsumedMessage }[] = [];
    const handle = runConsumer({
      kafka,
      groupId: uniqueName('downstream-ledger'),
      topic,
      dlqTopic: `${topic}.unused-dlq`,
      maxAttempts: 1,
      backoffMs: { initial: 10, max: 10 },
      sessionTimeoutMs: 6_000,
      rebalanceTimeoutMs: 6_000,
      heartbeatIntervalMs: 500,
      maxWaitTimeMs: 100,
      fromBeginning: true,
      handle: async (message) => {
        received.push({ event: parsePublicEvent(message.value), message });
      },
    });
    await handle.ready;
    return new PublicEventsReader(handle, received);
  }

  /** Every event once (first delivery wins), in the order received. */
  unique(): PublicEvent[] {
    const seen = new Set<string>();
    const out: PublicEvent[] = [];
    for (const { event } of this.received) {
      if (seen.has(event.id)) continue;
      seen.add(event.id);
      out.push(event);
    }
    return out;
  }

  /** The deduplicated events grouped by subject (stream), each in the order received. */
  bySubject(): Map<string, PublicEvent[]> {
    const map = new Map<string, PublicEvent[]>();
    for (const event of this.unique()) map.set(event.subject, [...(map.get(event.subject) ?? []), event]);
    return map;
  }

  async stop(): Promise<void> {
    await this.handle.stop();
  }
}
