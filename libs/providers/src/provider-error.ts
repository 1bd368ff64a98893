/**
 * A failure reported by (or while reaching) a payment provider, in a shape the rest of the service can map
 * to the seed's error format without knowing the provider SDK.
 *
 * Messages never carry credentials, tokens or account numbers: they come from the provider's own
 * `error_message` (which Plaid documents as safe to log) or from fixed texts below. The SDK error is
 * deliberately NOT kept as `cause`: an axios error holds the request config, headers included, which carry
 * the PLAID-SECRET, and loggers serialise `cause` chains.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  /** Provider error code (Plaid's `error_code`, e.g. `INVALID_PUBLIC_TOKEN`) or one of ours (`PROVIDER_UNREACHABLE`...). */
  readonly code: string;
  /** The HTTP status the provider answered with; 503/504 when it could not be reached or timed out. */
  readonly httpStatus: number;
  /** Plaid's `error_type` (`INVALID_INPUT`, `ITEM_ERROR`, `API_ERROR`...) when the provider sent one. */
  readonly type: string | null;
  /** Plaid's `display_message`: text meant for end users, when present. */
  readonly displayMessage: string | null;
  /** The provider's `request_id`, for support tickets. */
  readonly requestId: string | null;
  /** True when repeating the same call later may succeed (provider 5xx, rate limit, network). */
  readonly retryable: boolean;

  constructor(init: {
    code: string;
    message: string;
    httpStatus: number;
    type?: string | null;
    displayMessage?: string | null;
    requestId?: string | null;
    retryable?: boolean;
  }) {
    super(init.message);
    this.code = init.code;
    this.httpStatus = init.httpStatus;
    this.type = init.type ?? null;
    this.displayMessage = init.displayMessage ?? null;
    this.requestId = init.requestId ?? null;
    this.retryable = init.retryable ?? (init.httpStatus >= 500 || init.httpStatus === 429);
  }

  /** Safe to log: no stack of the SDK, no request config. */
  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      httpStatus: this.httpStatus,
      type: this.type,
      requestId: this.requestId,
      retryable: this.retryable,
    };
  }
}
