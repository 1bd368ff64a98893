import type { Clock } from '@payments/domain';
import type { BankTransfersSandboxOptions, ResolvedBankTransfersOptions } from '../bank-transfers/bank-transfers.options';
import type { PaymentRailsSandboxOptions, ResolvedPaymentRailsOptions } from '../payment-rails/payment-rails.options';

/** Options of one provider-sandbox instance (passed by the caller; the sandbox reads no environment). */
export interface ProviderSandboxOptions {
  /** The only client_id the sandbox accepts. */
  clientId: string;
  /** The only secret the sandbox accepts. */
  secret: string;
  /**
   * Base URL users reach the sandbox at, used to build `hosted_link_url` (`<publicBaseUrl>/link?token=...`).
   * When absent, it is derived from each request's Host header.
   */
  publicBaseUrl?: string;
  /** Nest logging on/off (default off). */
  logger?: boolean;
  /** Time source for token expiry and webhook `iat` (default: system clock). */
  clock?: Clock;
  /** Link token lifetime (Plaid: 4 hours). */
  linkTokenTtlSeconds?: number;
  /** Webhook delivery: total attempts (first + retries) and the first retry delay, doubled each time. */
  webhookRetry?: { maxAttempts?: number; baseDelayMs?: number };
  /** Per-attempt webhook HTTP timeout (default 5 s). */
  webhookTimeoutMs?: number;
  /** Bank Transfer (beta): events webhook URL, auto-settlement, origination account balance. */
  bankTransfers?: BankTransfersSandboxOptions;
  /** Payment rails (SEPA, FPS, NGN payouts): events webhook URL, auto-settlement. */
  paymentRails?: PaymentRailsSandboxOptions;
}

export interface ResolvedSandboxOptions {
  clientId: string;
  secret: string;
  publicBaseUrl: string | null;
  clock: Clock;
  linkTokenTtlSeconds: number;
  webhookMaxAttempts: number;
  webhookBaseDelayMs: number;
  webhookTimeoutMs: number;
  bankTransfers: ResolvedBankTransfersOptions;
  paymentRails: ResolvedPaymentRailsOptions;
}

export const SANDBOX_OPTIONS = Symbol('SANDBOX_OPTIONS');
