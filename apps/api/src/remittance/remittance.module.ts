import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { QuoteRemittanceController } from './quote-remittance/quote-remittance.controller';
import { QuoteRemittanceHandler } from './quote-remittance/quote-remittance.handler';
import { StartRemittanceController } from './start-remittance/start-remittance.controller';
import { StartRemittanceHandler } from './start-remittance/start-remittance.handler';
import { GetRemittanceController } from './get-remittance/get-remittance.controller';
import { RemittanceEnabledGuard } from './remittance-enabled.guard';

export const REMITTANCE_HANDLERS = [QuoteRemittanceHandler, StartRemittanceHandler];

/** Cross-border remittance (API side), behind REMITTANCE_ENABLED: quote, start (hold), read. Submission runs in the worker. */
@Module({
  imports: [CqrsModule],
  controllers: [QuoteRemittanceController, StartRemittanceController, GetRemittanceController],
  providers: [...REMITTANCE_HANDLERS, RemittanceEnabledGuard],
})
export class RemittanceModule {}
