import { Module } from '@nestjs/common';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookKeyRing } from './webhook-key-ring';
import { WebhookVerificationKeyController } from './webhook-verification-key.controller';

/** Webhook signing keys, signed delivery with retries, and /webhook_verification_key/get. */
@Module({
  controllers: [WebhookVerificationKeyController],
  providers: [WebhookKeyRing, WebhookDispatcher],
  exports: [WebhookKeyRing, WebhookDispatcher],
})
export class WebhooksModule {}
