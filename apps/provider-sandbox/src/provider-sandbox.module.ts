import { DynamicModule, Module } from '@nestjs/common';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from './common/sandbox-options';
import { ItemsModule } from './items/items.module';
import { LinkModule } from './link/link.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/**
 * One module per Plaid product area. Bank Transfer (/bank_transfer/*, /sandbox/bank_transfer/*) will be
 * another sibling module here, reusing WebhooksModule for signed delivery.
 */
@Module({})
export class ProviderSandboxModule {
  static forRoot(options: ResolvedSandboxOptions): DynamicModule {
    return {
      module: ProviderSandboxModule,
      global: true,
      imports: [WebhooksModule, ItemsModule, LinkModule],
      providers: [{ provide: SANDBOX_OPTIONS, useValue: options }],
      exports: [SANDBOX_OPTIONS],
    };
  }
}
