import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from '../common/sandbox-options';
import { WebhookKeyRing } from './webhook-key-ring';

export interface WebhookDeliveryResult {
  delivered: boolean;
  /** HTTP status of the first attempt; null when the receiver could not be reached. */
  status_code: number | null;
}

/**
 * Deliveries in flight at once, at most (a provider's delivery workers): a burst of events then queues at the
 * provider, as with a real one, instead of opening thousands of connections to the receiver at the same moment.
 */
const MAX_CONCURRENT_DELIVERIES = 16;

/**
 * Sends signed webhooks. The body is serialised once (pretty-printed with 2 spaces, as Plaid does, so a
 * receiver that hashes re-serialised JSON instead of the raw bytes fails verification) and every attempt is
 * signed afresh (a retry minutes later still has a recent `iat`). The caller gets the first attempt's
 * result; failed deliveries (non-2xx or network error) are retried in the background with exponential
 * backoff until `maxAttempts` is reached or the app shuts down.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationShutdown {
  private readonly logger = new Logger('WebhookDispatcher');
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<AbortController>();
  /** Attempts waiting for one of the MAX_CONCURRENT_DELIVERIES slots. */
  private readonly queued: (() => void)[] = [];
  private delivering = 0;
  private closed = false;

  constructor(
    @Inject(SANDBOX_OPTIONS) private readonly options: ResolvedSandboxOptions,
    private readonly keys: WebhookKeyRing,
  ) {}

  async send(url: string, payload: Record<string, unknown>): Promise<WebhookDeliveryResult> {
    const body = Buffer.from(JSON.stringify(payload, null, 2), 'utf8');
    const label = `${String(payload['webhook_type'])}/${String(payload['webhook_code'])} to ${safeTarget(url)}`;
    const first = await this.attempt(url, body);
    if (!first.delivered) this.scheduleRetry(url, body, label, 2);
    return first;
  }

  onApplicationShutdown(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight) controller.abort();
    this.inFlight.clear();
    for (const release of this.queued.splice(0)) release();
  }

  private scheduleRetry(url: string, body: Buffer, label: string, attemptNo: number): void {
    if (this.closed) return;
    if (attemptNo > this.options.webhookMaxAttempts) {
      this.logger.warn(`webhook ${label} not delivered after ${this.options.webhookMaxAttempts} attempts; giving up`);
      return;
    }
    const delay = this.options.webhookBaseDelayMs * 2 ** (attemptNo - 2);
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(url, body).then((result) => {
        if (!result.delivered) this.scheduleRetry(url, body, label, attemptNo + 1);
      });
    }, delay);
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(url: string, body: Buffer): Promise<WebhookDeliveryResult> {
    if (this.delivering >= MAX_CONCURRENT_DELIVERIES) await new Promise<void>((slot) => this.queued.push(slot));
    this.delivering++;
    try {
      return await this.deliver(url, body);
    } finally {
      this.delivering--;
      this.queued.shift()?.();
    }
  }

  private async deliver(url: string, body: Buffer): Promise<WebhookDeliveryResult> {
    if (this.closed) return { delivered: false, status_code: null };
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), this.options.webhookTimeoutMs);
    this.inFlight.add(controller);
    try {
      const signature = await this.keys.sign(body);
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'plaid-verification': signature },
        body,
        redirect: 'manual',
        signal: controller.signal,
      });
      await response.arrayBuffer().catch(() => undefined);
      return { delivered: response.status >= 200 && response.status < 300, status_code: response.status };
    } catch {
      return { delivered: false, status_code: null };
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
  }
}

/** Scheme, host and path only: a webhook URL may carry credentials or tokens in its query. */
function safeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '<invalid url>';
  }
}
