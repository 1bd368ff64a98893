import { DynamicModule, Module } from '@nestjs/common';
import { AppConfig } from '@payments/config';
import type { Logger } from 'pino';
import { PlatformModule } from './platform';
import { CustomersModule } from './customers/customers.module';
import { BankLinkingModule } from './bank-linking/bank-linking.module';
import { ProviderWebhooksModule } from './provider-webhooks/provider-webhooks.module';
import { PullsModule } from './pulls/pulls.module';
import { AccountsModule } from './accounts/accounts.module';
import { RecipientsModule } from './recipients/recipients.module';
import { LedgerModule } from './ledger/ledger.module';
import { EventsModule } from './events/events.module';
import { PayoutsModule } from './payouts/payouts.module';
import { FxRatesModule } from './fx-rates/fx-rates.module';
import { RemittanceModule } from './remittance/remittance.module';
import { TransfersModule } from './transfers/transfers.module';
import { WebhookEndpointsModule } from './webhook-endpoints/webhook-endpoints.module';
import { OpsHistoryModule } from './ops-history/ops-history.module';
import { API_OPTIONS, ApiOptions } from './api.options';
import { ObservabilityWiring } from './observability/observability.wiring';

/** The REST API: platform (errors, auth, idempotency, logs, health, metrics, docs) and the feature slices. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, options: ApiOptions, logger?: Logger): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        PlatformModule.forRoot({
          logger,
          idempotencyTtlHours: config.idempotencyTtlHours,
          apiKeyCacheMs: config.apiKeyCacheMs,
          bootstrapApiKeys: [
            ...(config.localApiKey ? [{ key: config.localApiKey.reveal(), name: 'local', scope: 'app' as const }] : []),
            ...(config.opsApiKey ? [{ key: config.opsApiKey.reveal(), name: 'local-ops', scope: 'ops' as const }] : []),
          ],
        }),
        { module: ApiOptionsModule, global: true, providers: [{ provide: API_OPTIONS, useValue: options }], exports: [API_OPTIONS] },
        CustomersModule,
        BankLinkingModule,
        ProviderWebhooksModule,
        PullsModule,
        AccountsModule,
        RecipientsModule,
        LedgerModule,
        EventsModule,
        PayoutsModule,
        FxRatesModule,
        RemittanceModule,
        TransfersModule,
        WebhookEndpointsModule,
        OpsHistoryModule,
      ],
      providers: [ObservabilityWiring],
    };
  }
}

@Module({})
class ApiOptionsModule {}
