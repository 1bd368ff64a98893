import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@payments/read-models';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
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

/** API keys live in `api_keys` as sha256 hashes; the plaintext is shown once, at creation. */
@Injectable()
export class ApiKeyService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

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

  /** Revokes a key; true when it was active. Takes effect on the next request (no cache). */
  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.pool.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    return (rowCount ?? 0) > 0;
  }

  /** The principal for an active key, or null for an unknown or revoked one. */
  async verify(plaintextKey: string): Promise<RequestPrincipal | null> {
    if (plaintextKey.length === 0 || plaintextKey.length > MAX_KEY_LENGTH) return null;
    const { rows } = await this.pool.query<{ id: string; scope: ApiKeyScope }>(
      'SELECT id, scope FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hashApiKey(plaintextKey)],
    );
    return rows[0] ? { apiKeyId: rows[0].id, scope: rows[0].scope } : null;
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
