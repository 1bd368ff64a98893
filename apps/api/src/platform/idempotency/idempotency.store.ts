import { Inject, Injectable } from '@nestjs/common';
import { PG_POOL } from '@payments/read-models';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';

export type ClaimOutcome =
  | { kind: 'claimed'; claimId: string }
  | { kind: 'replay'; status: number; body: unknown }
  | { kind: 'mismatch' }
  | { kind: 'in_flight' };

export interface ClaimRequest {
  apiKeyId: string;
  key: string;
  /** The request's keyed fingerprint (idempotencyRequestFingerprint), stored in `request_hash`; never the body. */
  requestHash: string;
  ttlHours: number;
  inFlightTimeoutSeconds: number;
}

interface ExistingRow {
  request_hash: string;
  state: 'in_flight' | 'completed';
  response_status: number | null;
  response_body: unknown;
  live: boolean;
}

/**
 * `idempotency_keys` rows: one per (api key, Idempotency-Key). A request claims its key atomically with
 * INSERT .. ON CONFLICT; the claim is taken over only when the row has expired, or when it is an
 * in-flight claim older than the in-flight timeout (its request died). Completion and release only
 * touch the row of their own claim (claim_id), so a late finisher can never overwrite a newer claim.
 */
@Injectable()
export class IdempotencyStore {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async claim(request: ClaimRequest): Promise<ClaimOutcome> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const claimId = randomUUID();
      const inserted = await this.pool.query<{ claim_id: string }>(
        `INSERT INTO idempotency_keys AS k (api_key_id, key, request_hash, state, claim_id, created_at, expires_at)
         VALUES ($1, $2, $3, 'in_flight', $4, now(), now() + make_interval(hours => $5))
         ON CONFLICT (api_key_id, key) DO UPDATE
           SET request_hash = EXCLUDED.request_hash, state = 'in_flight', claim_id = EXCLUDED.claim_id,
               response_status = NULL, response_body = NULL, created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at
           WHERE k.expires_at <= now()
              OR (k.state = 'in_flight' AND k.created_at <= now() - make_interval(secs => $6))
         RETURNING claim_id`,
        [request.apiKeyId, request.key, request.requestHash, claimId, request.ttlHours, request.inFlightTimeoutSeconds],
      );
      if (inserted.rows[0]?.claim_id === claimId) return { kind: 'claimed', claimId };

      const existing = await this.pool.query<ExistingRow>(
        `SELECT request_hash, state, response_status, response_body, expires_at > now() AS live
           FROM idempotency_keys WHERE api_key_id = $1 AND key = $2`,
        [request.apiKeyId, request.key],
      );
      const row = existing.rows[0];
      if (!row || !row.live) continue; // released or expired in between: claim again
      if (row.request_hash !== request.requestHash) return { kind: 'mismatch' };
      if (row.state === 'in_flight') return { kind: 'in_flight' };
      return { kind: 'replay', status: row.response_status ?? 200, body: row.response_body ?? undefined };
    }
    return { kind: 'in_flight' };
  }

  /** Stores the response of a claimed request for replay. False if the claim was lost (taken over). */
  async complete(apiKeyId: string, key: string, claimId: string, status: number, body: unknown): Promise<boolean> {
    const json = body === undefined ? null : JSON.stringify(body);
    const { rowCount } = await this.pool.query(
      `UPDATE idempotency_keys SET state = 'completed', response_status = $4, response_body = $5::json
        WHERE api_key_id = $1 AND key = $2 AND claim_id = $3 AND state = 'in_flight'`,
      [apiKeyId, key, claimId, status, json],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Gives the key back (validation failure, 5xx) so a corrected retry runs. */
  async release(apiKeyId: string, key: string, claimId: string): Promise<void> {
    await this.pool.query(`DELETE FROM idempotency_keys WHERE api_key_id = $1 AND key = $2 AND claim_id = $3 AND state = 'in_flight'`, [
      apiKeyId,
      key,
      claimId,
    ]);
  }

  /** Deletes expired rows (they are already treated as absent); returns how many. */
  async purgeExpired(limit = 10_000): Promise<number> {
    const { rowCount } = await this.pool.query(
      `DELETE FROM idempotency_keys WHERE ctid IN (SELECT ctid FROM idempotency_keys WHERE expires_at <= now() LIMIT $1)`,
      [limit],
    );
    return rowCount ?? 0;
  }
}
