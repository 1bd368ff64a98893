import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** `Payments-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>` (several v1 entries allowed). */
export const SIGNATURE_HEADER = 'Payments-Signature';
export const EVENT_ID_HEADER = 'Payments-Event-Id';
export const EVENT_TYPE_HEADER = 'Payments-Event-Type';
export const DELIVERY_ID_HEADER = 'Payments-Delivery-Id';

/** Hex HMAC-SHA256 of `<timestamp>.<body>` under the endpoint's secret. */
export function computeSignature(secret: string, timestampSeconds: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestampSeconds}.${body}`, 'utf8').digest('hex');
}

/** The `Payments-Signature` header value for a body sent at `timestampSeconds`. */
export function signatureHeader(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${computeSignature(secret, timestampSeconds, body)}`;
}

export interface VerifyOptions {
  /** Refuse signatures older (or newer) than this many seconds (replay protection); default 300. */
  toleranceSeconds?: number;
  nowSeconds?: number;
}

/**
 * What a receiver does: parse `t` and every `v1`, recompute over the raw body, compare in constant time and check
 * that `t` is recent. Returns false on any malformed header.
 */
export function verifySignature(header: string | undefined, body: string, secret: string, options: VerifyOptions = {}): boolean {
  if (!header) return false;
  const parts = header.split(',').map((part) => part.trim().split('='));
  const t = parts.find(([key]) => key === 't')?.[1];
  const signatures = parts.filter(([key]) => key === 'v1').map(([, value]) => value ?? '');
  if (!t || !/^\d{1,12}$/.test(t) || signatures.length === 0) return false;
  const timestamp = Number(t);
  const now = options.nowSeconds ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - timestamp) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(computeSignature(secret, timestamp, body), 'hex');
  return signatures.some((candidate) => {
    if (!/^[0-9a-f]{64}$/.test(candidate)) return false;
    return timingSafeEqual(Buffer.from(candidate, 'hex'), expected);
  });
}

/** A new endpoint secret (`whsec_` + 32 random bytes, base64url), shown to the app once. */
export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}
