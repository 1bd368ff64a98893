import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { Kafka } from 'kafkajs';
import { type AppConfig, InjectConfig } from '@payments/config';
import { EVENT_STORE, EventStore, Position, START } from '@payments/event-store';
import { KafkaMessagePublisher, publicEventMessages, TOPICS } from '@payments/messaging';
import { KAFKA } from '@payments/infrastructure';

interface RepublishOptions {
  from: string;
  stream?: string;
}

/**
 * `<commit>:<prepare>` (the `position` field of a public event) or `start`. Inclusive: the event at that position is
 * sent again too (reading strictly after the position just before it).
 */
export function parseFromPosition(value: string): Position {
  if (value === 'start' || value === '0') return START;
  const match = /^(\d{1,20}):(\d{1,20})$/.exec(value.trim());
  if (!match) throw new Error(`--from must be "start" or a position "<commit>:<prepare>" (the position field of an event), not "${value}"`);
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) - 1n };
}

/**
 * `ops republish --from <position> [--stream <id>]`: send public events to Kafka `payments.events` again, for a
 * downstream consumer that lost data. Same envelopes, ids, keys and headers as the publisher (plus `republished:
 * true`); consumers dedupe by id. Does not touch the publisher's checkpoint.
 */
@Command({ name: 'republish', description: 'send public events to Kafka payments.events again from a position (optionally one stream only)' })
export class RepublishEventsCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KAFKA) private readonly kafka: Kafka | null,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    super();
  }

  @Option({ flags: '--from <position>', description: '"start" or <commit>:<prepare> (inclusive), as in an event\'s position field', required: true })
  parseFrom(value: string): string {
    return value;
  }

  @Option({ flags: '--stream <id>', description: 'only this stream (the events\' subject), e.g. ach-pull-<uuid>' })
  parseStream(value: string): string {
    return value;
  }

  async run(_args: string[], options: RepublishOptions): Promise<void> {
    if (!this.kafka || !this.config.kafka) {
      process.exitCode = 2;
      console.error('republish needs Kafka: set KAFKA_BROKERS (and KAFKA_TOPIC_PREFIX if the service uses one)');
      return;
    }
    let from: Position;
    try {
      from = parseFromPosition(options.from);
    } catch (error) {
      process.exitCode = 2;
      console.error((error as Error).message);
      return;
    }
    const topic = `${this.config.kafka.topicPrefix}${TOPICS.paymentsEvents}`;
    const publisher = new KafkaMessagePublisher(this.kafka);
    let read = 0;
    let sent = 0;
    let last: Position | undefined;
    try {
      for (;;) {
        const batch = await this.store.readAll({ fromPosition: from, limit: 500 });
        if (batch.length === 0) break;
        read += batch.length;
        const events = options.stream ? batch.filter((e) => e.streamId === options.stream) : batch;
        const messages = publicEventMessages(events).map((m) => ({ ...m, headers: { ...m.headers, republished: 'true' } }));
        if (messages.length > 0) await publisher.publish(topic, messages);
        sent += messages.length;
        from = batch[batch.length - 1].position;
        last = from;
      }
    } finally {
      await publisher.close();
    }
    console.log(
      `republished ${sent} events to ${topic}${options.stream ? ` (stream ${options.stream})` : ''} from ${options.from}: ` +
        `${read} log events read${last ? `, up to ${last.commit}:${last.prepare}` : ''}`,
    );
  }
}
