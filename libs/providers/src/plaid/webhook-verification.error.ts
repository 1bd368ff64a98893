/** Why a provider webhook was refused. Each reason is distinct so logs and metrics tell the cases apart. */
export type WebhookVerificationFailure =
  /** No `Plaid-Verification` header. */
  | 'missing_header'
  /** The header is not a compact JWS / its protected header or payload is not JSON. */
  | 'malformed_token'
  /** Protected header `alg` is not ES256 (`none`, HS256, RS256...): refused before any key lookup. */
  | 'unsupported_algorithm'
  /** Protected header has no usable `kid`. */
  | 'missing_kid'
  /** The provider does not know the `kid`. */
  | 'unknown_kid'
  /** The key exists but the provider marked it expired (`expired_at` set). */
  | 'expired_key'
  /** The key the provider returned is not a P-256 ES256 public key. */
  | 'invalid_key'
  /** The signature does not verify with the key. */
  | 'bad_signature'
  /** The payload lacks `iat` or `request_body_sha256`. */
  | 'missing_claims'
  /** `iat` is older than the allowed age (5 minutes). */
  | 'stale_token'
  /** `iat` lies further in the future than the allowed clock skew. */
  | 'token_from_future'
  /** sha256 of the raw body differs from `request_body_sha256`. */
  | 'body_hash_mismatch'
  /** The key could not be fetched (provider down/unreachable): retryable, answer 5xx so the provider retries. */
  | 'key_unavailable';

export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';

  constructor(
    readonly reason: WebhookVerificationFailure,
    message?: string,
  ) {
    super(message ?? `webhook verification failed: ${reason}`);
  }

  /** Only a key-fetch outage is worth a provider retry; every other reason is a forged or broken request. */
  get retryable(): boolean {
    return this.reason === 'key_unavailable';
  }
}
