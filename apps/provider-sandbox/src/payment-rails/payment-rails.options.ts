import { checkWebhookUrl } from '../bank-transfers/bank-transfers.options';

/** Payment rails settings of a provider-sandbox instance (`ProviderSandboxOptions.paymentRails`). */
export interface PaymentRailsSandboxOptions {
  /**
   * Where PAYMENT_RAILS / PAYOUT_EVENTS_UPDATE webhooks go (per client, like the bank transfer webhook; changeable
   * at run time with `app.get(PaymentRailsService).setWebhookUrl(url)`). Absent -> no webhooks (events still appear
   * in /payment_rails/event/sync).
   */
  webhookUrl?: string | null;
  /** When set, a payout still pending this many ms after creation settles by itself. Off by default. */
  autoSettleAfterMs?: number | null;
}

export interface ResolvedPaymentRailsOptions {
  webhookUrl: string | null;
  autoSettleAfterMs: number | null;
}

export function resolvePaymentRailsOptions(options: PaymentRailsSandboxOptions = {}): ResolvedPaymentRailsOptions {
  const autoSettle = options.autoSettleAfterMs ?? null;
  if (autoSettle !== null && (!Number.isFinite(autoSettle) || autoSettle < 0)) {
    throw new Error('provider-sandbox: paymentRails.autoSettleAfterMs must be a non-negative number');
  }
  return { webhookUrl: checkWebhookUrl(options.webhookUrl ?? null), autoSettleAfterMs: autoSettle };
}
