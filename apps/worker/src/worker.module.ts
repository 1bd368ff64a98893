import { DynamicModule, Module } from '@nestjs/common';
import { CONSUMER_LAG_SOURCE, PROJECTION_LAG_SOURCE, WEBHOOK_HANDLER } from '@payments/infrastructure';
import { ProjectionsService } from './projecting/projections.service';
import { AchPullSubmissionProcessManager } from './submitting-ach-pulls/ach-pull-submission.process-manager';
import { BankTransferEventsSync } from './translating-provider-webhooks/bank-transfer-events';
import { PlaidWebhookTranslator } from './translating-provider-webhooks/plaid-webhook-translator';
import { WebhookConsumerService, WORKER_OPTIONS, WorkerOptions } from './translating-provider-webhooks/webhook-consumer.service';

/** The worker: projections, and the provider webhook translator (Kafka consumer or in-process handler). */
@Module({})
export class WorkerModule {
  static forRoot(options: WorkerOptions): DynamicModule {
    return {
      module: WorkerModule,
      global: true,
      providers: [
        { provide: WORKER_OPTIONS, useValue: options },
        ProjectionsService,
        PlaidWebhookTranslator,
        BankTransferEventsSync,
        WebhookConsumerService,
        AchPullSubmissionProcessManager,
        { provide: WEBHOOK_HANDLER, useExisting: PlaidWebhookTranslator },
        { provide: PROJECTION_LAG_SOURCE, useExisting: ProjectionsService },
        { provide: CONSUMER_LAG_SOURCE, useExisting: WebhookConsumerService },
      ],
      exports: [ProjectionsService, PlaidWebhookTranslator, WEBHOOK_HANDLER, PROJECTION_LAG_SOURCE, CONSUMER_LAG_SOURCE, AchPullSubmissionProcessManager],
    };
  }
}
