import { Module } from '@nestjs/common';
import { WebhookEndpointsController } from './webhook-endpoints.controller';

/** Outbound webhooks (issue 6): endpoint registration, delivery log and manual redelivery. Delivery runs in the worker. */
@Module({ controllers: [WebhookEndpointsController] })
export class WebhookEndpointsModule {}
