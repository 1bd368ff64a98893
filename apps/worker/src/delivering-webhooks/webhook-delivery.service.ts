import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { AppConfig, InjectConfig } from '@payments/config';
import { Clock } from '@payments/domain';
import { CLOCK, continueTraceContext, traceCarrierOf } from '@payments/event-store';
import { DELIVERY_ID_HEADER, EVENT_ID_HEADER, EVENT_TYPE_HEADER, nextAttemptAt, SIGNATURE_HEADER, signatureHeader } from '@payments/messaging';
import { OutboundWebhookStore, PG_POOL, WebhookDeliveryRow } from '@payments/read-models';
import { FieldCipher } from '@payments/security';
import { FIELD_CIPHER } from '@payments/providers/nest/provider-tokens';

/** Seal context of an endpoint secret; the API seals it under the same one. */
const secretContext = (endpointId: string) => `webhook-endpoint:${endpointId}:secret`;

/**
 * The delivery loop of outbound webhooks: claims due deliveries (several workers may run it: rows are leased with
 * SKIP LOCKED), POSTs each signed body with a per-request timeout and at most OUTBOUND_WEBHOOK_CONCURRENCY in flight,
 * logs every attempt, and reschedules failures with exponential backoff until the retry window ends (then `failed`).
 */
@Injectable()
export class WebhookDeliveryService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OutboundWebhookDelivery');
  private readonly webhooks: OutboundWebhookStore;
  private timer?: NodeJS.Timeout;
  private running = false;
  private tick?: Promise<void>;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Inject(CLOCK) private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.webhooks = new OutboundWebhookStore(pool);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.webhooks.migrate();
    this.running = true;
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tick;
  }

  /** How often due deliveries are looked for: a tenth of the base wait, between 50 ms and 1 s. */
  private get pollMs(): number {
    return Math.min(1000, Math.max(50, Math.floor(this.config.outboundWebhooks.retryBaseMs / 10)));
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.tick = this.deliverDue()
        .then(() => undefined)
        .catch((error: unknown) => this.logger.error(`delivery round failed: ${(error as Error).message}`))
        .finally(() => this.schedule(this.pollMs));
    }, delayMs);
  }

  /** One round: claims up to `concurrency` due deliveries and sends them in parallel. Returns when all are recorded. */
  async deliverDue(): Promise<number> {
    const { concurrency, timeoutMs } = this.config.outboundWebhooks;
    const now = this.clock.now();
    const due = await this.webhooks.claimDue(now, new Date(now.getTime() + timeoutMs + 30_000), concurrency);
    await Promise.all(due.map((delivery) => this.attempt(delivery)));
    return due.length;
  }

  private async attempt(delivery: WebhookDeliveryRow): Promise<void> {
    const endpoint = await this.webhooks.endpoint(delivery.endpoint_id);
    if (!endpoint) return; // deleted meanwhile: never sent
    const { timeoutMs } = this.config.outboundWebhooks;
    const attemptedAt = this.clock.now();
    const timestamp = Math.floor(attemptedAt.getTime() / 1000);
    const secret = this.cipher.decrypt(endpoint.secret_encrypted, secretContext(endpoint.endpoint_id));
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    // Each attempt is a child span of the event's trace (same trace id), sent as the W3C `traceparent` header.
    const trace = delivery.traceparent ? traceCarrierOf(continueTraceContext({ traceparent: delivery.traceparent })) : {};
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'payments-webhooks/1',
          [SIGNATURE_HEADER]: signatureHeader(secret, timestamp, delivery.body),
          [EVENT_ID_HEADER]: delivery.event_id,
          [EVENT_TYPE_HEADER]: delivery.event_type,
          [DELIVERY_ID_HEADER]: delivery.delivery_id,
          ...trace,
        },
        body: delivery.body,
      });
      statusCode = response.status;
      await response.arrayBuffer().catch(() => undefined);
    } catch (caught) {
      const err = caught as Error & { cause?: { code?: string } };
      error = err.name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (err.cause?.code ?? err.message).slice(0, 200);
    }
    const durationMs = Math.round(performance.now() - started);
    if (statusCode !== null && statusCode >= 200 && statusCode < 300) {
      await this.webhooks.recordAttempt(delivery, { attemptedAt, durationMs, statusCode, error, outcome: 'delivered', nextAttemptAt: null });
      return;
    }
    const next = nextAttemptAt(delivery.failures + 1, delivery.window_started_at ?? attemptedAt, attemptedAt, this.config.outboundWebhooks);
    await this.webhooks.recordAttempt(delivery, { attemptedAt, durationMs, statusCode, error, outcome: next ? 'retry' : 'failed', nextAttemptAt: next });
    if (!next) this.logger.warn(`delivery ${delivery.delivery_id} of event ${delivery.event_id} to endpoint ${endpoint.endpoint_id} failed for good after ${delivery.attempts + 1} attempts`);
  }
}
