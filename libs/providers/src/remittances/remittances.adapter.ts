import { Currency, formatMinor, isCurrency, MINOR_UNIT_EXPONENT } from '@payments/domain';
import { ProviderError } from '../provider-error';
import type { PlaidClientOptions } from '../plaid/plaid-client';
import { providerErrorFromResponse, providerUnreachableError } from '../plaid/plaid-error.mapper';
import { badProviderResponse } from '../payment-rails/payment-rails.mapping';

/** Our statuses for a provider remittance (exhaustive map from the wire's pending | settled | failed). */
export type ProviderRemittanceStatus = 'PENDING' | 'SETTLED' | 'FAILED';
const WIRE_STATUS: Readonly<Record<string, ProviderRemittanceStatus>> = { pending: 'PENDING', settled: 'SETTLED', failed: 'FAILED' };

export interface CreateProviderRemittanceInput {
  /** 1-50 characters: our remittance id, so a retry returns the same provider remittance. */
  idempotencyKey: string;
  sourceCurrency: Currency;
  sourceAmountMinor: bigint;
  targetCurrency: Currency;
  targetAmountMinor: bigint;
  /** Target units per source unit, exact decimal string (as quoted). */
  rate: string;
  /** The account number is a secret: never logged, sent only in this request. */
  beneficiary: { name: string; country: string; accountNumber: string };
  metadata?: Record<string, string>;
}

export interface ProviderRemittance {
  id: string;
  status: ProviderRemittanceStatus;
  /** Set when FAILED. */
  failure: { code: string | null; description: string | null } | null;
}

/** Cross-border remittances at the provider (injected as REMITTANCES). */
export interface ProviderRemittances {
  createRemittance(input: CreateProviderRemittanceInput): Promise<ProviderRemittance>;
  getRemittance(remittanceId: string): Promise<ProviderRemittance>;
}

type Json = Record<string, unknown>;

/**
 * The provider's remittance endpoints over plain HTTP (`/payment_rails/remittance/create|get`; only provider-sandbox
 * serves them so far), with the same credentials headers and error mapping as the payment rails adapter. Amounts go
 * as decimal strings with each currency's own number of decimals (JPY 0, OMR 3).
 */
export class RemittancesHttpAdapter implements ProviderRemittances {
  private readonly baseUrl: string;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;

  constructor(options: PlaidClientOptions) {
    if (!options.basePath || !options.clientId || !options.secret) throw new Error('RemittancesHttpAdapter: basePath, clientId and secret are required');
    this.baseUrl = options.basePath.replace(/\/+$/, '');
    this.headers = { 'content-type': 'application/json', 'PLAID-CLIENT-ID': options.clientId, 'PLAID-SECRET': options.secret };
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  async createRemittance(input: CreateProviderRemittanceInput): Promise<ProviderRemittance> {
    if (input.sourceAmountMinor <= 0n || input.targetAmountMinor <= 0n) {
      throw new ProviderError({ code: 'INVALID_REMITTANCE_REQUEST', message: 'payment_rails/remittance/create: amounts must be positive', httpStatus: 400, retryable: false });
    }
    const data = await this.call('payment_rails/remittance/create', {
      idempotency_key: input.idempotencyKey,
      source_currency: input.sourceCurrency,
      source_amount: wireAmount(input.sourceAmountMinor, input.sourceCurrency),
      target_currency: input.targetCurrency,
      target_amount: wireAmount(input.targetAmountMinor, input.targetCurrency),
      rate: input.rate,
      beneficiary: { name: input.beneficiary.name, country: input.beneficiary.country, account_number: input.beneficiary.accountNumber },
      ...(input.metadata ? { metadata: input.metadata } : {}),
    });
    return toRemittance(data.remittance);
  }

  async getRemittance(remittanceId: string): Promise<ProviderRemittance> {
    return toRemittance((await this.call('payment_rails/remittance/get', { remittance_id: remittanceId })).remittance);
  }

  private async call(operation: string, body: Json): Promise<Json> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}/${operation}`, { method: 'POST', headers: this.headers, body: JSON.stringify(body), redirect: 'error', signal: AbortSignal.timeout(this.timeoutMs) });
    } catch (error) {
      const timedOut = (error as { name?: unknown }).name === 'TimeoutError';
      const cause = (error as { cause?: { code?: unknown } }).cause?.code;
      throw providerUnreachableError(operation, timedOut, typeof cause === 'string' ? cause : undefined);
    }
    const text = await response.text().catch(() => '');
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!response.ok) throw providerErrorFromResponse(operation, response.status, parsed);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw badProviderResponse(`${operation} response must be an object`);
    return parsed as Json;
  }
}

/** Minor units as the wire's decimal string: formatMinor already writes each currency's own decimals. */
function wireAmount(amountMinor: bigint, currency: Currency): string {
  if (!isCurrency(currency) || MINOR_UNIT_EXPONENT[currency] === undefined) throw new RangeError(`unknown currency ${currency}`);
  return formatMinor(amountMinor, currency);
}

function toRemittance(value: unknown): ProviderRemittance {
  if (typeof value !== 'object' || value === null) throw badProviderResponse('remittance must be an object');
  const r = value as Json;
  if (typeof r.remittance_id !== 'string' || r.remittance_id === '') throw badProviderResponse('remittance.remittance_id must be a string');
  const status = typeof r.status === 'string' ? WIRE_STATUS[r.status] : undefined;
  if (!status) throw badProviderResponse(`unknown remittance status ${JSON.stringify(r.status)}`);
  const failure = r.failure_reason as { code?: unknown; description?: unknown } | null | undefined;
  return {
    id: r.remittance_id,
    status,
    failure: failure
      ? { code: typeof failure.code === 'string' ? failure.code : null, description: typeof failure.description === 'string' ? failure.description : null }
      : null,
  };
}
