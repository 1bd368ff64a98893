import { DynamicModule, Module } from '@nestjs/common';
import { CONSUMER_LAG_SOURCE, PROJECTION_LAG_SOURCE, WEBHOOK_HANDLER } from '@payments/infrastructure';
import { ProjectionsService } from './projecting/projections.service';
import { EventPublisherService } from './publishing-events/event-publisher.service';
import { AchPullSubmissionProcessManager } from './submitting-ach-pulls/ach-pull-submission.process-manager';
import { AchPullAccountCreditsProcessManager } from './crediting-accounts/ach-pull-account-credits.process-manager';
import { BankTransferEventsSync } from './translating-provider-webhooks/bank-transfer-events';
import { PayoutRailsEventsSync } from './translating-provider-webhooks/payout-rails-events';
import { PayoutSubmissionProcessManager } from './submitting-payouts/payout-submission.process-manager';
import { PayoutAccountHoldsProcessManager } from './settling-payout-holds/payout-account-holds.process-manager';
import { OrphanPayoutHoldSweep } from './settling-payout-holds/orphan-payout-hold-sweep';
import { RemittanceSubmissionProcessManager } from './submitting-remittances/remittance-submission.process-manager';
import { RemittanceAccountHoldsProcessManager } from './settling-remittance-holds/remittance-account-holds.process-manager';
import { OrphanRemittanceHoldSweep } from './settling-remittance-holds/orphan-remittance-hold-sweep';
import { TransferStepsProcessManager } from './executing-transfers/transfer-steps.process-manager';
import { OrphanTransferHoldSweep } from './executing-transfers/orphan-transfer-hold-sweep';
import { WebhookFanOutProcessManager } from './delivering-webhooks/webhook-fan-out.process-manager';
import { WebhookDeliveryService } from './delivering-webhooks/webhook-delivery.service';
import { PlaidWebhookTranslator } from './translating-provider-webhooks/plaid-webhook-translator';
import { WebhookConsumerService, WORKER_OPTIONS, WorkerOptions } from './translating-provider-webhooks/webhook-consumer.service';

/** The worker: projections, the event publisher to Kafka `payments.events`, the provider webhook translator (Kafka consumer or in-process handler) and the process managers. */
@Module({})
export class WorkerModule {
  static forRoot(options: WorkerOptions): DynamicModule {
    return {
      module: WorkerModule,
      global: true,
      providers: [
        { provide: WORKER_OPTIONS, useValue: options },
        ProjectionsService,
        EventPublisherService,
        PlaidWebhookTranslator,
        BankTransferEventsSync,
        PayoutRailsEventsSync,
        WebhookConsumerService,
        AchPullSubmissionProcessManager,
        AchPullAccountCreditsProcessManager,
        PayoutSubmissionProcessManager,
        PayoutAccountHoldsProcessManager,
        OrphanPayoutHoldSweep,
        RemittanceSubmissionProcessManager,
        RemittanceAccountHoldsProcessManager,
        OrphanRemittanceHoldSweep,
        TransferStepsProcessManager,
        OrphanTransferHoldSweep,
        WebhookFanOutProcessManager,
        WebhookDeliveryService,
        { provide: WEBHOOK_HANDLER, useExisting: PlaidWebhookTranslator },
        { provide: PROJECTION_LAG_SOURCE, useExisting: ProjectionsService },
        { provide: CONSUMER_LAG_SOURCE, useExisting: WebhookConsumerService },
      ],
      exports: [ProjectionsService, EventPublisherService, PlaidWebhookTranslator, WEBHOOK_HANDLER, PROJECTION_LAG_SOURCE, CONSUMER_LAG_SOURCE, AchPullSubmissionProcessManager, AchPullAccountCreditsProcessManager, PayoutSubmissionProcessManager, PayoutAccountHoldsProcessManager, OrphanPayoutHoldSweep, TransferStepsProcessManager, OrphanTransferHoldSweep, RemittanceSubmissionProcessManager, RemittanceAccountHoldsProcessManager, OrphanRemittanceHoldSweep, WebhookFanOutProcessManager, WebhookDeliveryService],
    };
  }
}
