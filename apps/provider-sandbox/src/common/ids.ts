import { randomBytes, randomUUID } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random base62 string (rejection sampling, so no modulo bias). */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** Plaid request ids look like `HNTDNrA8F1shFEW` (15 characters). */
export const newRequestId = (): string => randomBase62(15);

/** Plaid item and account ids are 37-character opaque strings. */
export const newItemId = (): string => randomBase62(37);
export const newAccountId = (): string => randomBase62(37);

export const newLinkToken = (): string => `link-sandbox-${randomUUID()}`;
export const newPublicToken = (): string => `public-sandbox-${randomUUID()}`;
export const newAccessToken = (): string => `access-sandbox-${randomUUID()}`;
export const newLinkSessionId = (): string => randomUUID();
