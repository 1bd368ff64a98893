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
    return providerUnreachableError(operation, err.code !== undefined && TIMEOUT_CODES.has(err.code), err.code);
  }
  return providerErrorFromResponse(operation, response.status, response.data);
}

/** No answer from the provider: PROVIDER_TIMEOUT (504) or PROVIDER_UNREACHABLE (503), both retryable. */
export function providerUnreachableError(operation: string, timedOut: boolean, detail?: string): ProviderError {
  return new ProviderError({
    code: timedOut ? 'PROVIDER_TIMEOUT' : 'PROVIDER_UNREACHABLE',
    message: `${operation}: provider ${timedOut ? 'timed out' : 'could not be reached'}${detail ? ` (${detail})` : ''}`,
    httpStatus: timedOut ? 504 : 503,
    retryable: true,
  });
}

/**
 * A provider's non-2xx answer as a ProviderError: Plaid's error body (error_type, error_code, error_message,
 * display_message, request_id) when it sent one, else PROVIDER_BAD_RESPONSE. Shared by the SDK calls and the
 * plain-HTTP payment rails client.
 */
export function providerErrorFromResponse(operation: string, status: number, body: unknown): ProviderError {
  const data = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const code = asString(data['error_code']);
  if (!code) {
    return new ProviderError({
      code: 'PROVIDER_BAD_RESPONSE',
      message: `${operation}: provider answered HTTP ${status} without a Plaid error body`,
      httpStatus: status,
    });
  }
  return new ProviderError({
    code,
    message: `${operation}: ${asString(data['error_message']) ?? code}`,
    httpStatus: status,
    type: asString(data['error_type']),
    displayMessage: asString(data['display_message']),
    requestId: asString(data['request_id']),
    retryable: status >= 500 || data['error_type'] === 'RATE_LIMIT_EXCEEDED' || data['error_type'] === 'API_ERROR',
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
