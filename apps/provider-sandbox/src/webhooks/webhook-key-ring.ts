import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { CryptoKey, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JWKPublicKey } from 'plaid';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from '../common/sandbox-options';

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWKPublicKey;
}

/**
 * The sandbox's webhook signing keys (ES256 / P-256), generated in memory at start. `rotate()` adds a new
 * current key while older keys stay fetchable and valid; `expire(kid)` marks an old key expired
 * (`expired_at` set), which verifiers must then refuse.
 */
@Injectable()
export class WebhookKeyRing implements OnModuleInit {
  private readonly keys = new Map<string, SigningKey>();
  private current: SigningKey | null = null;

  constructor(@Inject(SANDBOX_OPTIONS) private readonly options: ResolvedSandboxOptions) {}

  async onModuleInit(): Promise<void> {
    if (!this.current) await this.rotate();
  }

  /** Generates a new signing key and makes it current. Returns its kid. */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const kid = randomUUID();
    const jwk = await exportJWK(publicKey);
    if (!jwk.x || !jwk.y) throw new Error('generated EC key has no coordinates');
    const publicJwk: JWKPublicKey = {
      alg: 'ES256',
      crv: 'P-256',
      kid,
      kty: 'EC',
      use: 'sig',
      x: jwk.x,
      y: jwk.y,
      created_at: this.nowSeconds(),
      expired_at: null,
    };
    const key: SigningKey = { kid, privateKey, publicJwk };
    this.keys.set(kid, key);
    this.current = key;
    return kid;
  }

  /** Marks a non-current key expired. */
  expire(kid: string): void {
    const key = this.keys.get(kid);
    if (!key) throw new Error(`unknown webhook key ${kid}`);
    if (key === this.current) throw new Error('the current webhook key cannot be expired; rotate first');
    key.publicJwk = { ...key.publicJwk, expired_at: this.nowSeconds() };
  }

  get currentKid(): string {
    return this.requireCurrent().kid;
  }

  publicKey(kid: string): JWKPublicKey | undefined {
    const key = this.keys.get(kid);
    return key ? { ...key.publicJwk } : undefined;
  }

  /** The `Plaid-Verification` JWT for these exact body bytes. */
  async sign(body: Buffer): Promise<string> {
    const key = this.requireCurrent();
    return new SignJWT({ request_body_sha256: createHash('sha256').update(body).digest('hex') })
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, typ: 'JWT' })
      .setIssuedAt(this.nowSeconds())
      .sign(key.privateKey);
  }

  private requireCurrent(): SigningKey {
    if (!this.current) throw new Error('webhook key ring not initialised');
    return this.current;
  }

  private nowSeconds(): number {
    return Math.floor(this.options.clock.now().getTime() / 1000);
  }
}
