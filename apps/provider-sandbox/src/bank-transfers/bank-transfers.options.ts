/** Bank Transfer settings of a provider-sandbox instance (`ProviderSandboxOptions.bankTransfers`). */
export interface BankTransfersSandboxOptions {
  /**
   * Where BANK_TRANSFERS_EVENTS_UPDATE webhooks go. Plaid does not take this URL per Item or per request:
   * it is the webhook registered for the client in the Dashboard, so here it is an option of the sandbox
   * (changeable at run time with `app.get(BankTransfersService).setWebhookUrl(url)`). Absent -> no webhooks
   * (events still appear in /bank_transfer/event/sync).
   */
  webhookUrl?: string | null;
  /** When set, a transfer still pending this many ms after creation posts by itself. Off by default. */
  autoSettleAfterMs?: number | null;
  /**
   * When set, BANK_TRANSFERS_EVENTS_UPDATE webhooks are coalesced as Plaid documents for its transfer events webhook
   * ("if multiple transfer events occur within a single minute, only one webhook will be fired"), with this window
   * instead of a minute: the first new event after a quiet window fires at once, events during the window share one
   * webhook at its end. Off by default: one webhook per event (the receiver's worst case).
   */
  webhookCoalesceMs?: number | null;
  /** Opening available balance of the origination account, in cents (default 10,000.00 USD). */
  openingBalanceMinor?: bigint;
  /** Minimum balance kept on the origination account, in cents: transactable = available - minimum (default 1,000.00). */
  minimumBalanceMinor?: bigint;
}

export interface ResolvedBankTransfersOptions {
  webhookUrl: string | null;
  autoSettleAfterMs: number | null;
  webhookCoalesceMs: number | null;
  openingBalanceMinor: bigint;
  minimumBalanceMinor: bigint;
}

export function resolveBankTransfersOptions(options: BankTransfersSandboxOptions = {}): ResolvedBankTransfersOptions {
  const autoSettle = options.autoSettleAfterMs ?? null;
  if (autoSettle !== null && (!Number.isFinite(autoSettle) || autoSettle < 0)) {
    throw new Error('provider-sandbox: bankTransfers.autoSettleAfterMs must be a non-negative number');
  }
  const coalesce = options.webhookCoalesceMs ?? null;
  if (coalesce !== null && (!Number.isFinite(coalesce) || coalesce < 0)) {
    throw new Error('provider-sandbox: bankTransfers.webhookCoalesceMs must be a non-negative number');
  }
  return {
    webhookUrl: checkWebhookUrl(options.webhookUrl ?? null),
    autoSettleAfterMs: autoSettle,
    webhookCoalesceMs: coalesce === 0 ? null : coalesce,
    openingBalanceMinor: options.openingBalanceMinor ?? 1_000_000n,
    minimumBalanceMinor: options.minimumBalanceMinor ?? 100_000n,
  };
}

export function checkWebhookUrl(url: string | null): string | null {
  if (url === null) return null;
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('provider-sandbox: a webhook URL must be http(s)');
  return url;
}
