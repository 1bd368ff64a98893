import { Module } from '@nestjs/common';
import { ItemsModule } from '../items/items.module';
import { WebhooksModule } from '../webhooks/webhooks.module';
import { BankTransferStore } from './bank-transfer.store';
import { BankTransfersController } from './bank-transfers.controller';
import { BankTransfersService } from './bank-transfers.service';

/** Bank Transfer (beta): /bank_transfer/*, /sandbox/bank_transfer/simulate and /sandbox/bank_transfer/fire_webhook. */
@Module({
  imports: [ItemsModule, WebhooksModule],
  controllers: [BankTransfersController],
  providers: [BankTransferStore, BankTransfersService],
  exports: [BankTransfersService],
})
export class BankTransfersModule {}
