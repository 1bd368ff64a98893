import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { ConsumerHandle, NonRetryableError, runConsumer, webhookFromMessage } from '@payments/messaging';
import { ConsumerLagSource, KAFKA, nestMessagingLogger } from '@payments/infrastructure';
import { PlaidWebhookTranslator } from './plaid-webhook-translator';
import { WORKER_OPTIONS, WorkerOptions } from './worker-options';

export { WORKER_OPTIONS, type WorkerOptions } from './worker-options';

/**
 * The translator as a Kafka consumer group on `provider.webhooks`: offsets are committed only after the
 * translator appended its events; a webhook that keeps failing goes to `provider.webhooks.dlq`.
 * Inactive when Kafka is not configured (embedded mode calls the translator in-process).
 */
@Injectable()
export class WebhookConsumerService implements OnApplicationBootstrap, OnApplicationShutdown, ConsumerLagSource {
  private readonly logger = new Logger('WebhookTranslator');
  private handle?: ConsumerHandle;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka | null,
    @Inject(WORKER_OPTIONS) private readonly options: WorkerOptions,
    private readonly translator: PlaidWebhookTranslator,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.kafka) return;
    const prefix = this.options.kafkaTopicPrefix;
    this.handle = runConsumer({
      kafka: this.kafka,
      groupId: `${prefix}webhook-translator`,
      topic: `${prefix}provider.webhooks`,
      dlqTopic: `${prefix}provider.webhooks.dlq`,
      maxAttempts: this.options.maxAttempts ?? 8,
      backoffMs: { initial: 200, max: 5000 },
      logger: nestMessagingLogger(this.logger),
      sessionTimeoutMs: 10000,
      heartbeatIntervalMs: 1000,
      maxWaitTimeMs: 200,
      isRetryable: (error) => !(error instanceof NonRetryableError || error instanceof SyntaxError),
      handle: (message) => this.translator.handle(webhookFromMessage(message)),
    });
    await this.handle.ready;
    this.logger.log(`consuming ${prefix}provider.webhooks`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
  }

  async consumerLag(): Promise<{ group: string; topic: string; messages: number }[]> {
    if (!this.handle) return [];
    const prefix = this.options.kafkaTopicPrefix;
    const partitions = await this.handle.lag();
    const messages = partitions.reduce((sum, p) => sum + Number(p.lag), 0);
    return [{ group: `${prefix}webhook-translator`, topic: `${prefix}provider.webhooks`, messages }];
  }
}
