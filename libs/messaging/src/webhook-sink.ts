import type { ConsumedMessage } from './consumer';
import type { MessagePublisher } from './kafka-message-publisher';
import { TOPICS } from './topics';

/** A provider webhook as the receiver got it, after its signature was verified. */
export interface ReceivedWebhook {
  /** The provider resource id (e.g. `bank_transfer_id`): the partition key. */
  key: string;
  /** The raw request body, byte for byte. */
  body: Buffer;
  headers: Record<string, string>;
  receivedAt: Date;
  /**
   * When the webhook reached the process handling it, on that process's monotonic clock (`performance.now()`):
   * set by the consumer when Kafka delivered it, or by the receiver in embedded mode. Never sent anywhere; lets the
   * translator skip work a later run already covered without comparing clocks across hosts.
   */
  arrivedAt?: number;
}

/**
 * Where the webhook receiver hands a verified webhook. The receiver answers 200 only after `publish`
 * resolves, so a webhook is never acknowledged to the provider before it is durable (Kafka) or handled
 * (embedded mode); a rejection means "answer 5xx, let the provider retry".
 */
export interface WebhookSink {
  publish(webhook: ReceivedWebhook): Promise<void>;
}

/** Nest injection token for the {@link WebhookSink} (the lead binds one implementation per mode). */
export const WEBHOOK_SINK = Symbol('WEBHOOK_SINK');

/** Header carrying {@link ReceivedWebhook.receivedAt} (ISO 8601) on `provider.webhooks`. */
export const RECEIVED_AT_HEADER = 'received_at';

/** Produces to `provider.webhooks`: raw body bytes as the value, keyed by the provider resource id. */
export class KafkaWebhookSink implements WebhookSink {
  constructor(
    private readonly publisher: MessagePublisher,
    private readonly topic: string = TOPICS.providerWebhooks,
  ) {}

  async publish(webhook: ReceivedWebhook): Promise<void> {
    await this.publisher.publish(this.topic, [
      {
        key: webhook.key,
        value: webhook.body,
        headers: { ...webhook.headers, [RECEIVED_AT_HEADER]: webhook.receivedAt.toISOString() },
      },
    ]);
  }
}

/** Embedded mode: hands the webhook straight to the translator and resolves when it has handled it. */
export class InProcessWebhookSink implements WebhookSink {
  constructor(private readonly handler: (webhook: ReceivedWebhook) => Promise<void>) {}

  async publish(webhook: ReceivedWebhook): Promise<void> {
    await this.handler(webhook);
  }
}

/**
 * The webhook a `provider.webhooks` message carries, so the translator handles the same
 * {@link ReceivedWebhook} in Kafka and in embedded mode.
 */
export function webhookFromMessage(message: ConsumedMessage): ReceivedWebhook {
  if (message.key === null) throw new Error(`${message.topic}/${message.partition}@${message.offset}: webhook without a key`);
  const { [RECEIVED_AT_HEADER]: receivedAt, ...headers } = message.headers;
  const parsed = receivedAt === undefined ? message.timestamp : new Date(receivedAt);
  return {
    key: message.key,
    body: message.value ?? Buffer.alloc(0),
    headers,
    receivedAt: Number.isNaN(parsed.getTime()) ? message.timestamp : parsed,
    arrivedAt: message.deliveredAt,
  };
}
