import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { RequestPayoutController } from './request-payout/request-payout.controller';
import { RequestPayoutHandler } from './request-payout/request-payout.handler';
import { GetPayoutController } from './get-payout/get-payout.controller';
import { ListPayoutsController } from './list-payouts/list-payouts.controller';

export const PAYOUT_HANDLERS = [RequestPayoutHandler];

/** Payouts (API side): hold and request; submission, provider outcomes and account captures run in the worker. */
@Module({ imports: [CqrsModule], controllers: [RequestPayoutController, ListPayoutsController, GetPayoutController], providers: [...PAYOUT_HANDLERS] })
export class PayoutsModule {}
