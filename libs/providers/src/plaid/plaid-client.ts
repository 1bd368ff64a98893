import { Configuration, PlaidApi } from 'plaid';

export interface PlaidClientOptions {
  /** `https://sandbox.plaid.com`, `https://production.plaid.com`, or the provider-sandbox base URL. */
  basePath: string;
  clientId: string;
  secret: string;
  /** Per-request timeout; defaults to 10 s. */
  timeoutMs?: number;
}

/**
 * The one place a PlaidApi is built. Credentials travel in the PLAID-CLIENT-ID / PLAID-SECRET headers
 * (never in bodies, so request logs that print bodies cannot leak them).
 */
export function createPlaidApi(options: PlaidClientOptions): PlaidApi {
  if (!options.basePath) throw new Error('createPlaidApi: basePath is required');
  if (!options.clientId) throw new Error('createPlaidApi: clientId is required');
  if (!options.secret) throw new Error('createPlaidApi: secret is required');
  const configuration = new Configuration({
    basePath: options.basePath.replace(/\/+$/, ''),
    baseOptions: {
      timeout: options.timeoutMs ?? 10_000,
      headers: {
        'PLAID-CLIENT-ID': options.clientId,
        'PLAID-SECRET': options.secret,
      },
    },
  });
  return new PlaidApi(configuration);
}
