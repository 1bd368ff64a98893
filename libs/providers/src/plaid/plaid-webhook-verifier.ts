import { createHash, timingSafeEqual } from 'node:crypto';
import { compactVerify, CryptoKey, decodeProtectedHeader, importJWK } from 'jose';
import type { JWKPublicKey, PlaidApi } from 'plaid';
import type { Clock } from '@payments/domain';
import { PlaidVerificationKeySource, WebhookVerificationKeySource } from './plaid-verification-key.source';
import { WebhookVerificationError } from './webhook-verification.error';

export interface PlaidWebhookVerifierOptions {
  clock: Clock;
  /** Oldest accepted `iat`; Plaid recommends 5 minutes. */
  maxAgeSeconds?: number;
  /** How far in the future `iat` may be (clock skew between us and the provider). */
  maxFutureSkewSeconds?: number;
  /** A cached key is re-fetched after this long, so a key the provider expired stops verifying. */
  keyCacheTtlSeconds?: number;
  /** An unknown kid is remembered this long, so forged kids cannot make us call the provider per request. */
  unknownKidTtlSeconds?: number;
}

interface CachedKey {
  jwk: JWKPublicKey;
  key: CryptoKey;
  fetchedAtMs: number;
}

const KID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/i;
const MAX_NEGATIVE_ENTRIES = 1_000;

/**
 * Verifies Plaid's webhook signature (https://plaid.com/docs/api/webhooks/webhook-verification/):
 * the `Plaid-Verification` header is an ES256 JWS whose protected header names the signing key (`kid`) and
 * whose payload holds `iat` and the sha256 of the exact request body bytes.
 *
 * Order of checks: header present -> alg is ES256 (before anything is looked up) -> kid -> key (cached by
 * kid, fetched through the SDK, unknown and expired keys refused) -> signature -> iat window -> body hash
 * (constant-time). The raw body must be the bytes as received: re-serialised JSON will not match.
 */
export class PlaidWebhookVerifier {
  private readonly keys = new Map<string, CachedKey>();
  private readonly unknownKids = new Map<string, number>();
  private readonly inFlight = new Map<string, Promise<CachedKey | null>>();
  private readonly clock: Clock;
  private readonly maxAgeSeconds: number;
  private readonly maxFutureSkewSeconds: number;
  private readonly keyCacheTtlMs: number;
  private readonly unknownKidTtlMs: number;

  constructor(
    private readonly keySource: WebhookVerificationKeySource,
    options: PlaidWebhookVerifierOptions,
  ) {
    this.clock = options.clock;
    this.maxAgeSeconds = options.maxAgeSeconds ?? 5 * 60;
    this.maxFutureSkewSeconds = options.maxFutureSkewSeconds ?? 60;
    this.keyCacheTtlMs = (options.keyCacheTtlSeconds ?? 10 * 60) * 1000;
    this.unknownKidTtlMs = (options.unknownKidTtlSeconds ?? 60) * 1000;
  }

  /** A verifier that fetches keys through the Plaid SDK (`webhookVerificationKeyGet`). */
  static forPlaidApi(plaid: PlaidApi, options: PlaidWebhookVerifierOptions): PlaidWebhookVerifier {
    return new PlaidWebhookVerifier(new PlaidVerificationKeySource(plaid), options);
  }

  async verify(rawBody: Buffer | string, verificationHeader: string | undefined): Promise<void> {
    const token = verificationHeader?.trim();
    if (!token) throw new WebhookVerificationError('missing_header');

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      throw new WebhookVerificationError('malformed_token');
    }
    if (header.alg !== 'ES256') {
      throw new WebhookVerificationError('unsupported_algorithm', `webhook verification failed: alg ${String(header.alg)} is not ES256`);
    }
    const kid = header.kid;
    if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) throw new WebhookVerificationError('missing_kid');

    const cached = await this.keyFor(kid);
    if (cached.jwk.expired_at !== null && cached.jwk.expired_at !== undefined) {
      throw new WebhookVerificationError('expired_key');
    }

    let payloadBytes: Uint8Array;
    try {
      ({ payload: payloadBytes } = await compactVerify(token, cached.key, { algorithms: ['ES256'] }));
    } catch {
      throw new WebhookVerificationError('bad_signature');
    }

    let claims: { iat?: unknown; request_body_sha256?: unknown };
    try {
      claims = JSON.parse(new TextDecoder().decode(payloadBytes)) as typeof claims;
    } catch {
      throw new WebhookVerificationError('malformed_token');
    }
    const { iat, request_body_sha256: claimedHash } = claims ?? {};
    if (typeof iat !== 'number' || !Number.isFinite(iat) || typeof claimedHash !== 'string') {
      throw new WebhookVerificationError('missing_claims');
    }

    const nowSeconds = this.clock.now().getTime() / 1000;
    if (nowSeconds - iat > this.maxAgeSeconds) throw new WebhookVerificationError('stale_token');
    if (iat - nowSeconds > this.maxFutureSkewSeconds) throw new WebhookVerificationError('token_from_future');

    const actual = createHash('sha256').update(rawBody).digest();
    const claimed = SHA256_HEX.test(claimedHash) ? Buffer.from(claimedHash, 'hex') : Buffer.alloc(0);
    if (claimed.length !== actual.length || !timingSafeEqual(claimed, actual)) {
      throw new WebhookVerificationError('body_hash_mismatch');
    }
  }

  private async keyFor(kid: string): Promise<CachedKey> {
    const nowMs = this.clock.now().getTime();
    const unknownUntil = this.unknownKids.get(kid);
    if (unknownUntil !== undefined) {
      if (unknownUntil > nowMs) throw new WebhookVerificationError('unknown_kid');
      this.unknownKids.delete(kid);
    }
    const cached = this.keys.get(kid);
    if (cached && nowMs - cached.fetchedAtMs < this.keyCacheTtlMs) return cached;

    let fetched: CachedKey | null;
    try {
      fetched = await this.fetchOnce(kid, nowMs);
    } catch (err) {
      if (err instanceof WebhookVerificationError) throw err;
      // Provider unreachable: a previously fetched key that was not expired still proves authenticity.
      if (cached) return cached;
      throw new WebhookVerificationError('key_unavailable', 'webhook verification failed: verification key could not be fetched');
    }
    if (!fetched) {
      this.keys.delete(kid);
      this.rememberUnknown(kid, nowMs);
      throw new WebhookVerificationError('unknown_kid');
    }
    return fetched;
  }

  /** One provider call per kid at a time, however many webhooks arrive together. */
  private fetchOnce(kid: string, nowMs: number): Promise<CachedKey | null> {
    const pending = this.inFlight.get(kid);
    if (pending) return pending;
    const promise = (async () => {
      const jwk = await this.keySource.fetchKey(kid);
      if (!jwk) return null;
      if (jwk.kid !== kid || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || (jwk.alg && jwk.alg !== 'ES256')) {
        throw new WebhookVerificationError('invalid_key');
      }
      let key: CryptoKey;
      try {
        key = (await importJWK({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, 'ES256')) as CryptoKey;
      } catch {
        throw new WebhookVerificationError('invalid_key');
      }
      const entry: CachedKey = { jwk, key, fetchedAtMs: nowMs };
      this.keys.set(kid, entry);
      return entry;
    })().finally(() => this.inFlight.delete(kid));
    this.inFlight.set(kid, promise);
    return promise;
  }

  private rememberUnknown(kid: string, nowMs: number): void {
    if (this.unknownKids.size >= MAX_NEGATIVE_ENTRIES) {
      const oldest = this.unknownKids.keys().next().value;
      if (oldest !== undefined) this.unknownKids.delete(oldest);
    }
    this.unknownKids.set(kid, nowMs + this.unknownKidTtlMs);
  }
}
