import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@payments/read-models';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { PLATFORM_OPTIONS, ResolvedPlatformOptions } from '../platform.tokens';
import type { ApiKeyScope, RequestPrincipal } from './principal';

const MAX_KEY_LENGTH = 256;

export const hashApiKey = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

/** A new key: `pk_` + 32 random bytes as 43 base64url characters. */
export const generateApiKey = (): string => `pk_${randomBytes(32).toString('base64url')}`;

export interface ApiKeyRecord {
  id: string;
  name: string;
  scope: ApiKeyScope;
  createdAt: Date;
  revokedAt: Date | null;
}

/** Verified keys remembered at most; the oldest goes first. */
const MAX_CACHED_KEYS = 1000;

/**
 * API keys live in `api_keys` as sha256 hashes; the plaintext is shown once, at creation.
 *
 * A verified key is remembered for `apiKeyCacheMs` (API_KEY_CACHE_MS, default 1 s) so a busy client does not cost a
 * Postgres round trip per request. Revoking through this service forgets the key at once; a revocation made by
 * another process (the ops CLI, another replica) takes effect here within that time. Unknown and revoked keys are
 * never remembered: every failed attempt asks Postgres.
 */
@Injectable()
export class ApiKeyService {
  private readonly verified = new Map<string, { principal: RequestPrincipal; until: number }>();
  /** Bumped by every revocation here, so a verification that raced it is not remembered. */
  private revocations = 0;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PLATFORM_OPTIONS) private readonly options: Pick<ResolvedPlatformOptions, 'apiKeyCacheMs'>,
  ) {}

  /** Creates a key and returns it; this is the only time the plaintext exists outside the caller. */
  async create(name: string, scope: ApiKeyScope): Promise<{ id: string; key: string }> {
    const key = generateApiKey();
    const id = randomUUID();
    await this.pool.query('INSERT INTO api_keys (id, name, key_hash, scope) VALUES ($1, $2, $3, $4)', [id, name, hashApiKey(key), scope]);
    return { id, key };
  }

  /**
   * Makes sure a key given by configuration (LOCAL_API_KEY, OPS_API_KEY) exists; safe to call on every
   * start and from several processes at once. A key an operator revoked stays revoked. A key that
   * exists with another scope is a configuration mistake and throws.
   */
  async ensureKey(plaintextKey: string, name: string, scope: ApiKeyScope): Promise<ApiKeyRecord> {
    if (plaintextKey.length === 0 || plaintextKey.length > MAX_KEY_LENGTH) throw new Error(`API key "${name}" must be 1-${MAX_KEY_LENGTH} characters`);
    const hash = hashApiKey(plaintextKey);
    await this.pool.query('INSERT INTO api_keys (id, name, key_hash, scope) VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO NOTHING', [
      randomUUID(),
      name,
      hash,
      scope,
    ]);
    const { rows } = await this.pool.query<RecordRow>('SELECT id, name, scope, created_at, revoked_at FROM api_keys WHERE key_hash = $1', [hash]);
    const record = toRecord(rows[0]);
    if (record.scope !== scope) throw new Error(`API key "${name}" already exists with scope "${record.scope}", not "${scope}"`);
    return record;
  }

  /** Revokes a key; true when it was active. This process refuses it from the next request on (see the class comment for others). */
  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    this.revocations += 1;
    for (const [hash, entry] of this.verified) if (entry.principal.apiKeyId === id) this.verified.delete(hash);
    return (rowCount ?? 0) > 0;
  }

  /** The principal for an active key, or null for an unknown or revoked one. */
  async verify(plaintextKey: string): Promise<RequestPrincipal | null> {
    if (plaintextKey.length === 0 || plaintextKey.length > MAX_KEY_LENGTH) return null;
    const hash = hashApiKey(plaintextKey);
    const now = performance.now();
    const remembered = this.verified.get(hash);
    if (remembered && remembered.until > now) return remembered.principal;
    this.verified.delete(hash);
    const revocations = this.revocations;
    const { rows } = await this.pool.query<{ id: string; scope: ApiKeyScope }>('SELECT id, scope FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [
      hash,
    ]);
    if (!rows[0]) return null;
    const principal: RequestPrincipal = { apiKeyId: rows[0].id, scope: rows[0].scope };
    if (this.options.apiKeyCacheMs > 0 && revocations === this.revocations) {
      this.verified.set(hash, { principal, until: now + this.options.apiKeyCacheMs });
      if (this.verified.size > MAX_CACHED_KEYS) this.verified.delete(this.verified.keys().next().value as string);
    }
    return principal;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<RecordRow>('SELECT id, name, scope, created_at, revoked_at FROM api_keys ORDER BY created_at');
    return rows.map(toRecord);
  }
}

interface RecordRow {
  id: string;
  name: string;
  scope: ApiKeyScope;
  created_at: Date;
  revoked_at: Date | null;
}

const toRecord = (row: RecordRow): ApiKeyRecord => ({ id: row.id, name: row.name, scope: row.scope, createdAt: row.created_at, revokedAt: row.revoked_at });
