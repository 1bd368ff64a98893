import { Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Kafka } from 'kafkajs';
import { KafkaMessagePublisher, KafkaWebhookSink, InProcessWebhookSink, WEBHOOK_SINK, WebhookSink } from '@payments/messaging';
import { KAFKA, WEBHOOK_HANDLER, WebhookHandler } from '@payments/infrastructure';
import { ReceivePlaidWebhookController } from './receive-plaid-webhook/receive-plaid-webhook.controller';
import { API_OPTIONS, ApiOptions } from '../api.options';

export const WEBHOOK_PUBLISHER = Symbol('WEBHOOK_PUBLISHER');

@Injectable()
class WebhookPublisherCloser implements OnApplicationShutdown {
  constructor(@Inject(WEBHOOK_PUBLISHER) private readonly publisher: KafkaMessagePublisher | null) {}
  async onApplicationShutdown(): Promise<void> {
    await this.publisher?.close();
  }
}

/**
 * Provider webhook intake. With Kafka configured, verified webhooks are produced to `provider.webhooks`
 * (acks=all) for the translator group; without it (embedded mode) they go to the in-process translator.
 */
@Module({
  controllers: [ReceivePlaidWebhookController],
  providers: [
    {
      provide: WEBHOOK_PUBLISHER,
      inject: [KAFKA],
      // A provider retries an unanswered webhook; give up (5xx) well before it would time out on us.
      useFactory: (kafka: Kafka | null) => (kafka ? new KafkaMessagePublisher(kafka, { deadlineMs: 10_000 }) : null),
    },
    WebhookPublisherCloser,
    {
      provide: WEBHOOK_SINK,
      inject: [WEBHOOK_PUBLISHER, API_OPTIONS, ModuleRef],
      useFactory: (publisher: KafkaMessagePublisher | null, options: ApiOptions, moduleRef: ModuleRef): WebhookSink => {
        if (publisher) return new KafkaWebhookSink(publisher, `${options.kafkaTopicPrefix}provider.webhooks`);
        return new InProcessWebhookSink((webhook) => {
          const handler = moduleRef.get<WebhookHandler>(WEBHOOK_HANDLER, { strict: false });
          return handler.handle(webhook);
        });
      },
    },
  ],
})
export class ProviderWebhooksModule {}
