import { ProviderError } from '../provider-error';

interface AxiosLikeError {
  isAxiosError: true;
  code?: string;
  response?: { status: number; data?: unknown };
}

const isAxiosLike = (err: unknown): err is AxiosLikeError =>
  typeof err === 'object' && err !== null && (err as { isAxiosError?: unknown }).isAxiosError === true;

const asString = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/**
 * Turns whatever the Plaid SDK threw into a ProviderError. Plaid error bodies carry error_type, error_code,
 * error_message, display_message and request_id; anything else (no response, non-JSON body) becomes one of
 * our own codes. Only fields Plaid documents as loggable are copied; the axios config (with the secret
 * header) is dropped here.
 */
export function toProviderError(err: unknown, operation: string): ProviderError {
  if (err instanceof ProviderError) return err;
  if (!isAxiosLike(err)) {
    const message = err instanceof Error ? err.message : String(err);
    return new ProviderError({ code: 'PROVIDER_CLIENT_ERROR', message: `${operation}: ${message}`, httpStatus: 500, retryable: false });
  }
  const { response } = err;
  if (!response) {
    const timedOut = err.code !== undefined && TIMEOUT_CODES.has(err.code);
    return new ProviderError({
      code: timedOut ? 'PROVIDER_TIMEOUT' : 'PROVIDER_UNREACHABLE',
      message: `${operation}: provider ${timedOut ? 'timed out' : 'could not be reached'}${err.code ? ` (${err.code})` : ''}`,
      httpStatus: timedOut ? 504 : 503,
      retryable: true,
    });
  }
  const data = (typeof response.data === 'object' && response.data !== null ? response.data : {}) as Record<string, unknown>;
  const code = asString(data['error_code']);
  if (!code) {
    return new ProviderError({
      code: 'PROVIDER_BAD_RESPONSE',
      message: `${operation}: provider answered HTTP ${response.status} without a Plaid error body`,
      httpStatus: response.status,
    });
  }
  return new ProviderError({
    code,
    message: `${operation}: ${asString(data['error_message']) ?? code}`,
    httpStatus: response.status,
    type: asString(data['error_type']),
    displayMessage: asString(data['display_message']),
    requestId: asString(data['request_id']),
    retryable: response.status >= 500 || data['error_type'] === 'RATE_LIMIT_EXCEEDED' || data['error_type'] === 'API_ERROR',
  });
}

/** Runs one SDK call and converts its failure. */
export async function callPlaid<T>(operation: string, call: () => Promise<{ data: T }>): Promise<T> {
  try {
    const response = await call();
    return response.data;
  } catch (err) {
    throw toProviderError(err, operation);
  }
}
