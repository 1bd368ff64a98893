import { Module } from '@nestjs/common';
import { RemittancesController } from './remittances.controller';
import { RemittancesService } from './remittances.service';

/** Cross-border remittances: /payment_rails/remittance/{create,get} and /sandbox/payment_rails/remittance/simulate. */
@Module({ controllers: [RemittancesController], providers: [RemittancesService], exports: [RemittancesService] })
export class RemittancesModule {}
