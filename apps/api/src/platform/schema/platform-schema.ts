import type { Pool } from 'pg';
import { runMigrations } from '@payments/read-models';

const STATEMENTS = [
  `CREATE TABLE IF NOT EXISTS api_keys (
     id          uuid PRIMARY KEY,
     name        text NOT NULL,
     key_hash    text NOT NULL UNIQUE,
     scope       text NOT NULL CHECK (scope IN ('app', 'ops')),
     created_at  timestamptz NOT NULL DEFAULT now(),
     revoked_at  timestamptz
   )`,
  `COMMENT ON COLUMN api_keys.key_hash IS 'sha256 (hex) of the key; the key itself is never stored'`,
  `CREATE TABLE IF NOT EXISTS idempotency_keys (
     api_key_id       uuid NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
     key              text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 255),
     request_hash     text NOT NULL,
     state            text NOT NULL CHECK (state IN ('in_flight', 'completed')),
     claim_id         uuid NOT NULL,
     response_status  integer,
     response_body    json, -- json, not jsonb: a replay must return the body exactly as first sent (jsonb reorders keys)
     created_at       timestamptz NOT NULL DEFAULT now(),
     expires_at       timestamptz NOT NULL,
     PRIMARY KEY (api_key_id, key)
   )`,
  `CREATE INDEX IF NOT EXISTS idempotency_keys_expires_at_idx ON idempotency_keys (expires_at)`,
];

/**
 * Creates the platform tables (api_keys, idempotency_keys) if missing, through the shared migration runner
 * (advisory-locked, so several processes may call it at once).
 */
export async function ensurePlatformSchema(pool: Pool): Promise<void> {
  await runMigrations(pool, 'platform', [{ id: '001-api-keys-and-idempotency', sql: STATEMENTS.join(';\n') }]);
}
