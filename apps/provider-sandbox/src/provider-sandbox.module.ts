import { DynamicModule, Module } from '@nestjs/common';
import { BankTransfersModule } from './bank-transfers/bank-transfers.module';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from './common/sandbox-options';
import { ItemsModule } from './items/items.module';
import { LinkModule } from './link/link.module';
import { PaymentRailsModule } from './payment-rails/payment-rails.module';
import { RemittancesModule } from './remittances/remittances.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** One module per Plaid product area; they share WebhooksModule for signed delivery. */
@Module({})
export class ProviderSandboxModule {
  static forRoot(options: ResolvedSandboxOptions): DynamicModule {
    return {
      module: ProviderSandboxModule,
      global: true,
      imports: [WebhooksModule, ItemsModule, LinkModule, BankTransfersModule, PaymentRailsModule, RemittancesModule],
      providers: [{ provide: SANDBOX_OPTIONS, useValue: options }],
      exports: [SANDBOX_OPTIONS],
    };
  }
}
