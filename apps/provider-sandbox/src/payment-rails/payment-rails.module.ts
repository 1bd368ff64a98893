import { Module } from '@nestjs/common';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { PaymentRailsController } from './payment-rails.controller';
import { PaymentRailsService } from './payment-rails.service';
import { PayoutStore } from './payout.store';

/** Payment rails payouts: /payment_rails/payout/*, /payment_rails/event/sync and /sandbox/payment_rails/payout/simulate. */
@Module({
  imports: [WebhooksModule],
  controllers: [PaymentRailsController],
  providers: [PayoutStore, PaymentRailsService],
  exports: [PaymentRailsService],
})
export class PaymentRailsModule {}
