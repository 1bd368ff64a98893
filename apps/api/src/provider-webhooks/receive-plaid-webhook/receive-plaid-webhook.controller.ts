import { Controller, Headers, HttpCode, Inject, Logger, Post, Req } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { FastifyRequest } from 'fastify';
import { DomainError } from '@payments/domain';
import { PLAID_WEBHOOK_VERIFIER } from '@payments/providers/nest/provider-tokens';
import { Public, RequestContext } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { WEBHOOK_SINK, WebhookSink } from '@payments/messaging';

export interface WebhookVerifier {
  verify(rawBody: Buffer, verificationHeader: string | undefined): Promise<void>;
}

interface PlaidEnvelope {
  webhook_type?: unknown;
  webhook_code?: unknown;
  link_token?: unknown;
  item_id?: unknown;
}

/** Kafka key: the provider resource the webhook is about, so one resource's webhooks stay in order. */
export function plaidWebhookKey(envelope: PlaidEnvelope): string {
  if (typeof envelope.link_token === 'string') return envelope.link_token;
  if (typeof envelope.item_id === 'string') return envelope.item_id;
  return `${String(envelope.webhook_type)}`;
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
      const reason = (error as { reason?: string }).reason ?? 'verification_failed';
      this.logger.warn(`rejected provider webhook: ${reason}`);
      throw new DomainError('ErrorUnauthorized', 'webhook signature verification failed', 'CategoryUnauthorized', [{ key: 'issue', details: reason }]);
    }
    const envelope = JSON.parse(raw.toString('utf8')) as PlaidEnvelope;
    await this.sink.publish({
      key: plaidWebhookKey(envelope),
      body: raw,
      headers: {
        provider: 'plaid',
        webhook_type: String(envelope.webhook_type),
        webhook_code: String(envelope.webhook_code),
        correlation_id: ctx.correlationId,
      },
      receivedAt: new Date(),
    });
    return { received: true };
  }
}
