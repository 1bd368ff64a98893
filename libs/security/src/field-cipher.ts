import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * AES-256-GCM for sensitive fields at rest (account and routing numbers, provider access tokens).
 * Ciphertext format: `v1.<iv b64url>.<tag b64url>.<ciphertext b64url>`; the optional `context` is bound as
 * additional authenticated data so a value cannot be moved to another record unnoticed.
 */
export class FieldCipher {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error('FieldCipher needs a 32-byte key');
    this.key = Buffer.from(key);
  }

  encrypt(plaintext: string, context = ''): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
  }

  decrypt(ciphertext: string, context = ''): string {
    const [version, iv, tag, body] = ciphertext.split('.');
    if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Not a FieldCipher v1 ciphertext');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  }
}

/** Keyed-HMAC fingerprints for looking up sensitive values (e.g. duplicate recipients) without storing them. */
export class Fingerprinter {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length < 32) throw new Error('Fingerprinter needs a key of at least 32 bytes');
    this.key = Buffer.from(key);
  }

  fingerprint(...parts: string[]): string {
    const mac = createHmac('sha256', this.key);
    for (const part of parts) mac.update(`${part.length}:${part}|`);
    return mac.digest('base64url');
  }

  matches(fingerprint: string, ...parts: string[]): boolean {
    const expected = Buffer.from(this.fingerprint(...parts));
    const given = Buffer.from(fingerprint);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** Last four characters for display; never more. */
export function lastFour(value: string): string {
  return value.slice(-4);
}
