import { Module } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { Kafka } from 'kafkajs';
import { KafkaMessagePublisher, KafkaWebhookSink, InProcessWebhookSink, WEBHOOK_SINK, WebhookSink } from '@payments/messaging';
import { KAFKA, WEBHOOK_HANDLER, WebhookHandler } from '@payments/infrastructure';
import { ReceivePlaidWebhookController } from './receive-plaid-webhook/receive-plaid-webhook.controller';
import { API_OPTIONS, ApiOptions } from '../api.options';

/**
 * Provider webhook intake. With Kafka configured, verified webhooks are produced to `provider.webhooks`
 * (acks=all) for the translator group; without it (embedded mode) they go to the in-process translator.
 */
@Module({
  controllers: [ReceivePlaidWebhookController],
  providers: [
    {
      provide: WEBHOOK_SINK,
      inject: [KAFKA, API_OPTIONS, ModuleRef],
      useFactory: (kafka: Kafka | null, options: ApiOptions, moduleRef: ModuleRef): WebhookSink => {
        if (kafka) return new KafkaWebhookSink(new KafkaMessagePublisher(kafka), `${options.kafkaTopicPrefix}provider.webhooks`);
        return new InProcessWebhookSink((webhook) => {
          const handler = moduleRef.get<WebhookHandler>(WEBHOOK_HANDLER, { strict: false });
          return handler.handle(webhook);
        });
      },
    },
  ],
})
export class ProviderWebhooksModule {}
