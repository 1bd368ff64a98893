import { createHash } from 'node:crypto';
import { CryptoKey, exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import type { JWKPublicKey } from 'plaid';
import { FixedClock } from '@payments/domain';
import { PlaidWebhookVerifier } from './plaid-webhook-verifier';
import { WebhookVerificationKeySource } from './plaid-verification-key.source';
import { WebhookVerificationError, WebhookVerificationFailure } from './webhook-verification.error';

const NOW = new Date('2026-03-02T10:00:00Z');
const nowSeconds = Math.floor(NOW.getTime() / 1000);
const KID = 'bfbd5111-8e33-4643-8ced-b2e642a72f3c';
// Plaid sends pretty-printed JSON; the hash covers these exact bytes.
const BODY = JSON.stringify({ webhook_type: 'LINK', webhook_code: 'SESSION_FINISHED', link_token: 'link-sandbox-1' }, null, 2);

const sha256 = (body: string): string => createHash('sha256').update(body).digest('hex');

/** A stub of the provider's key endpoint: answers from a map and counts lookups. */
class StubKeySource implements WebhookVerificationKeySource {
  readonly keys = new Map<string, JWKPublicKey>();
  lookups = 0;
  failing = false;
  async fetchKey(kid: string): Promise<JWKPublicKey | null> {
    this.lookups += 1;
    if (this.failing) throw new Error('provider unreachable');
    return this.keys.get(kid) ?? null;
  }
}

async function newKey(kid: string): Promise<{ privateKey: CryptoKey; jwk: JWKPublicKey }> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const { x, y } = await exportJWK(publicKey);
  return { privateKey, jwk: { alg: 'ES256', crv: 'P-256', kid, kty: 'EC', use: 'sig', x: x!, y: y!, created_at: nowSeconds - 86400, expired_at: null } };
}

function sign(privateKey: CryptoKey, opts: { kid?: string; iat?: number; body?: string } = {}): Promise<string> {
  return new SignJWT({ request_body_sha256: sha256(opts.body ?? BODY) })
    .setProtectedHeader({ alg: 'ES256', kid: opts.kid ?? KID, typ: 'JWT' })
    .setIssuedAt(opts.iat ?? nowSeconds)
    .sign(privateKey);
}

async function rejection(promise: Promise<void>): Promise<WebhookVerificationFailure> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof WebhookVerificationError) return error.reason;
    throw error;
  }
  throw new Error('verification unexpectedly succeeded');
}

describe('PlaidWebhookVerifier', () => {
  let source: StubKeySource;
  let clock: FixedClock;
  let verifier: PlaidWebhookVerifier;
  let privateKey: CryptoKey;

  beforeEach(async () => {
    source = new StubKeySource();
    clock = new FixedClock(NOW);
    verifier = new PlaidWebhookVerifier(source, { clock });
    const key = await newKey(KID);
    privateKey = key.privateKey;
    source.keys.set(KID, key.jwk);
  });

  it('accepts a webhook signed with the provider key over the exact body bytes', async () => {
    const header = await sign(privateKey);
    await expect(verifier.verify(Buffer.from(BODY), header)).resolves.toBeUndefined();
    await expect(verifier.verify(BODY, header)).resolves.toBeUndefined();
  });

  it('fetches a key once and then serves it from the cache', async () => {
    await verifier.verify(BODY, await sign(privateKey));
    await verifier.verify(BODY, await sign(privateKey));
    expect(source.lookups).toBe(1);
  });

  it('rejects a tampered body', async () => {
    const header = await sign(privateKey);
    const tampered = BODY.replace('link-sandbox-1', 'link-sandbox-2');
    expect(await rejection(verifier.verify(tampered, header))).toBe('body_hash_mismatch');
  });

  it('rejects the same JSON re-serialised (the hash is over raw bytes)', async () => {
    const header = await sign(privateKey);
    expect(await rejection(verifier.verify(JSON.stringify(JSON.parse(BODY)), header))).toBe('body_hash_mismatch');
  });

  it('rejects HS256 before looking up any key', async () => {
    const hs256 = await new SignJWT({ request_body_sha256: sha256(BODY) })
      .setProtectedHeader({ alg: 'HS256', kid: KID, typ: 'JWT' })
      .setIssuedAt(nowSeconds)
      .sign(new TextEncoder().encode('a-shared-secret-that-an-attacker-guessed'));
    expect(await rejection(verifier.verify(BODY, hs256))).toBe('unsupported_algorithm');
    expect(source.lookups).toBe(0);
  });

  it('rejects alg "none" before looking up any key', async () => {
    const unsigned = new UnsecuredJWT({ request_body_sha256: sha256(BODY), iat: nowSeconds }).encode();
    expect(await rejection(verifier.verify(BODY, unsigned))).toBe('unsupported_algorithm');
    expect(source.lookups).toBe(0);
  });

  it('rejects a kid the provider does not know', async () => {
    const other = await newKey('not-registered');
    expect(await rejection(verifier.verify(BODY, await sign(other.privateKey, { kid: 'not-registered' })))).toBe('unknown_kid');
  });

  it('rejects a token without kid', async () => {
    const noKid = await new SignJWT({ request_body_sha256: sha256(BODY) }).setProtectedHeader({ alg: 'ES256' }).setIssuedAt(nowSeconds).sign(privateKey);
    expect(await rejection(verifier.verify(BODY, noKid))).toBe('missing_kid');
  });

  it('rejects a key the provider marked expired', async () => {
    source.keys.set(KID, { ...source.keys.get(KID)!, expired_at: nowSeconds - 60 });
    expect(await rejection(verifier.verify(BODY, await sign(privateKey)))).toBe('expired_key');
  });

  it('rejects an iat 6 minutes old and accepts one 4 minutes old', async () => {
    expect(await rejection(verifier.verify(BODY, await sign(privateKey, { iat: nowSeconds - 6 * 60 })))).toBe('stale_token');
    await expect(verifier.verify(BODY, await sign(privateKey, { iat: nowSeconds - 4 * 60 }))).resolves.toBeUndefined();
  });

  it('measures age with the injected clock', async () => {
    const header = await sign(privateKey);
    clock.advance(6 * 60 * 1000);
    expect(await rejection(verifier.verify(BODY, header))).toBe('stale_token');
  });

  it('rejects an iat far in the future', async () => {
    expect(await rejection(verifier.verify(BODY, await sign(privateKey, { iat: nowSeconds + 10 * 60 })))).toBe('token_from_future');
  });

  it('rejects a missing header', async () => {
    expect(await rejection(verifier.verify(BODY, undefined))).toBe('missing_header');
    expect(await rejection(verifier.verify(BODY, ''))).toBe('missing_header');
  });

  it('rejects a malformed header', async () => {
    expect(await rejection(verifier.verify(BODY, 'not-a-jwt'))).toBe('malformed_token');
  });

  it('rejects a bad signature (signed by another key under the same kid)', async () => {
    const impostor = await newKey(KID);
    expect(await rejection(verifier.verify(BODY, await sign(impostor.privateKey)))).toBe('bad_signature');
  });

  it('rejects a signature whose bytes were altered', async () => {
    const [h, p, s] = (await sign(privateKey)).split('.');
    const flipped = `${s![0] === 'A' ? 'B' : 'A'}${s!.slice(1)}`;
    expect(await rejection(verifier.verify(BODY, `${h}.${p}.${flipped}`))).toBe('bad_signature');
  });

  it('reports a key outage as retryable key_unavailable', async () => {
    source.failing = true;
    const error = await verifier.verify(BODY, await sign(privateKey)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as WebhookVerificationError).reason).toBe('key_unavailable');
    expect((error as WebhookVerificationError).retryable).toBe(true);
  });

  it('remembers an unknown kid for a while instead of asking the provider per request', async () => {
    const other = await newKey('forged-kid');
    const header = await sign(other.privateKey, { kid: 'forged-kid' });
    await rejection(verifier.verify(BODY, header));
    await rejection(verifier.verify(BODY, header));
    expect(source.lookups).toBe(1);
  });
});
