import { Controller, Headers, HttpCode, Inject, Logger, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { DomainError } from '@payments/domain';
import { PLAID_WEBHOOK_VERIFIER } from '@payments/providers/nest/provider-tokens';
import { parsePlaidWebhook, PlaidWebhook, plaidWebhookKafkaKey } from '@payments/providers/plaid';
import { Public, RequestContext } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { WEBHOOK_SINK, WebhookSink } from '@payments/messaging';

export interface WebhookVerifier {
  verify(rawBody: Buffer, verificationHeader: string | undefined): Promise<void>;
}

/**
 * Provider webhook receiver: verify the signature (mandatory) -> hand the raw bytes to the sink -> 200.
 * A webhook that fails verification gets 401 and produces nothing.
 */
@ApiExcludeController()
@Controller('webhooks')
export class ReceivePlaidWebhookController {
  private readonly logger = new Logger(ReceivePlaidWebhookController.name);

  constructor(
    @Inject(PLAID_WEBHOOK_VERIFIER) private readonly verifier: WebhookVerifier,
    @Inject(WEBHOOK_SINK) private readonly sink: WebhookSink,
  ) {}

  @Public()
  @Post('plaid')
  @HttpCode(200)
  async receive(
    @Req() request: FastifyRequest & { rawBody?: Buffer },
    @Headers('plaid-verification') verification: string | undefined,
    @RequestContext() ctx: HttpRequestContext,
  ): Promise<{ received: true }> {
    const raw = request.rawBody;
    if (!raw || raw.length === 0) throw DomainError.missingField('body');
    try {
      await this.verifier.verify(raw, verification);
    } catch (error) {
      const { reason = 'verification_failed', retryable = false } = error as { reason?: string; retryable?: boolean };
      if (retryable) {
        // We could not fetch the provider's key: not the sender's fault; a 5xx makes the provider retry.
        throw new DomainError('ErrorProvider', 'webhook verification key unavailable; retry later', 'CategoryProviderFailure', [{ key: 'issue', details: reason }]);
      }
      this.logger.warn(`rejected provider webhook: ${reason}`);
      throw new DomainError('ErrorUnauthorized', 'webhook signature verification failed', 'CategoryUnauthorized', [{ key: 'issue', details: reason }]);
    }
    let webhook: PlaidWebhook;
    try {
      webhook = parsePlaidWebhook(raw);
    } catch (error) {
      throw DomainError.invalidField('body', 'unparseable_webhook', `provider webhook could not be parsed: ${(error as Error).message}`);
    }
    await this.sink.publish({
      // Kafka key: the provider resource, so one resource's webhooks stay in order.
      key: plaidWebhookKafkaKey(webhook),
      body: raw,
      headers: {
        provider: 'plaid',
        webhook_type: webhook.webhookType,
        webhook_code: webhook.webhookCode,
        correlation_id: ctx.correlationId,
        // The request's trace: a Kafka header on provider.webhooks, continued by the translator.
        ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
      },
      receivedAt: new Date(),
      // Used only when the translator runs in this process (embedded mode); not carried through Kafka.
      arrivedAt: performance.now(),
    });
    return { received: true };
  }
}
