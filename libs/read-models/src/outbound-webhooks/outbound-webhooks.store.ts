import { Pool } from 'pg';
import { Migration, runMigrations } from '../database/migrations';

/**
 * Outbound webhooks to product apps (issue 6): endpoints registered per API key (secret encrypted with FIELD_CIPHER),
 * one delivery per (endpoint, public event), one row per HTTP attempt. Written by the API (endpoints, redelivery) and
 * the worker (fan-out, delivery loop).
 */
export const outboundWebhookMigrations: Migration[] = [
  {
    id: '001-outbound-webhooks',
    sql: `CREATE TABLE IF NOT EXISTS webhook_endpoints (
            endpoint_id uuid PRIMARY KEY,
            api_key_id text NOT NULL,
            url text NOT NULL,
            secret_encrypted text NOT NULL,
            event_types text[] NOT NULL,
            description text,
            enabled boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL,
            updated_at timestamptz NOT NULL,
            deleted_at timestamptz);
          CREATE INDEX IF NOT EXISTS webhook_endpoints_by_key ON webhook_endpoints (api_key_id, created_at);
          CREATE TABLE IF NOT EXISTS webhook_deliveries (
            delivery_id uuid PRIMARY KEY,
            endpoint_id uuid NOT NULL REFERENCES webhook_endpoints (endpoint_id),
            event_id uuid NOT NULL,
            event_type text NOT NULL,
            body text NOT NULL,
            status text NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
            attempts integer NOT NULL DEFAULT 0,
            failures integer NOT NULL DEFAULT 0,
            window_started_at timestamptz,
            next_attempt_at timestamptz,
            last_attempt_at timestamptz,
            delivered_at timestamptz,
            created_at timestamptz NOT NULL,
            UNIQUE (endpoint_id, event_id));
          CREATE INDEX IF NOT EXISTS webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
          CREATE INDEX IF NOT EXISTS webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at);
          CREATE TABLE IF NOT EXISTS webhook_delivery_attempts (
            attempt_id bigserial PRIMARY KEY,
            delivery_id uuid NOT NULL REFERENCES webhook_deliveries (delivery_id),
            attempt_number integer NOT NULL,
            attempted_at timestamptz NOT NULL,
            duration_ms integer NOT NULL,
            status_code integer,
            error text,
            outcome text NOT NULL CHECK (outcome IN ('delivered', 'retry', 'failed', 'skipped')),
            next_attempt_at timestamptz,
            manual boolean NOT NULL DEFAULT false);
          CREATE INDEX IF NOT EXISTS webhook_delivery_attempts_by_delivery ON webhook_delivery_attempts (delivery_id, attempt_number)`,
  },
  {
    id: '002-webhook-delivery-traceparent',
    // The W3C trace context of the event delivered (its metadata.traceparent): each attempt continues that trace.
    sql: `ALTER TABLE webhook_deliveries ADD COLUMN IF NOT EXISTS traceparent text`,
  },
];

export const migrateOutboundWebhooks = (pool: Pool): Promise<void> => runMigrations(pool, 'outbound-webhooks', outboundWebhookMigrations);

export interface WebhookEndpointRow {
  endpoint_id: string;
  api_key_id: string;
  url: string;
  secret_encrypted: string;
  event_types: string[];
  description: string | null;
  enabled: boolean;
  created_at: Date;
  updated_at: Date;
}

export interface WebhookDeliveryRow {
  delivery_id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  body: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  failures: number;
  window_started_at: Date | null;
  next_attempt_at: Date | null;
  last_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
  /** The delivered event's `metadata.traceparent`, when it has one. */
  traceparent: string | null;
}

export interface WebhookAttemptRow {
  attempt_id: string;
  delivery_id: string;
  attempt_number: number;
  attempted_at: Date;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  outcome: 'delivered' | 'retry' | 'failed' | 'skipped';
  next_attempt_at: Date | null;
  manual: boolean;
}

const ENDPOINT_COLUMNS = 'endpoint_id, api_key_id, url, secret_encrypted, event_types, description, enabled, created_at, updated_at';

export class OutboundWebhookStore {
  constructor(private readonly pool: Pool) {}

  migrate(): Promise<void> {
    return migrateOutboundWebhooks(this.pool);
  }

  async createEndpoint(row: Omit<WebhookEndpointRow, 'updated_at'>): Promise<WebhookEndpointRow> {
    const { rows } = await this.pool.query<WebhookEndpointRow>(
      `INSERT INTO webhook_endpoints (endpoint_id, api_key_id, url, secret_encrypted, event_types, description, enabled, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ${ENDPOINT_COLUMNS}`,
      [row.endpoint_id, row.api_key_id, row.url, row.secret_encrypted, row.event_types, row.description, row.enabled, row.created_at],
    );
    return rows[0]!;
  }

  /** The endpoint when `apiKeyId` owns it and it is not deleted (undefined apiKeyId: any owner, e.g. the worker). */
  async endpoint(endpointId: string, apiKeyId?: string): Promise<WebhookEndpointRow | undefined> {
    const { rows } = await this.pool.query<WebhookEndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE endpoint_id = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR api_key_id = $2)`,
      [endpointId, apiKeyId ?? null],
    );
    return rows[0];
  }

  async endpoints(apiKeyId: string): Promise<WebhookEndpointRow[]> {
    const { rows } = await this.pool.query<WebhookEndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE api_key_id = $1 AND deleted_at IS NULL ORDER BY created_at, endpoint_id`,
      [apiKeyId],
    );
    return rows;
  }

  async setEnabled(endpointId: string, apiKeyId: string, enabled: boolean, now: Date): Promise<WebhookEndpointRow | undefined> {
    const { rows } = await this.pool.query<WebhookEndpointRow>(
      `UPDATE webhook_endpoints SET enabled = $3, updated_at = $4 WHERE endpoint_id = $1 AND api_key_id = $2 AND deleted_at IS NULL RETURNING ${ENDPOINT_COLUMNS}`,
      [endpointId, apiKeyId, enabled, now],
    );
    return rows[0];
  }

  /** Soft delete (deliveries keep their endpoint for the log); pending deliveries of it are not sent any more. */
  async deleteEndpoint(endpointId: string, apiKeyId: string, now: Date): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      'UPDATE webhook_endpoints SET deleted_at = $3, enabled = false, updated_at = $3 WHERE endpoint_id = $1 AND api_key_id = $2 AND deleted_at IS NULL',
      [endpointId, apiKeyId, now],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Enabled endpoints subscribed to `eventType` (or to `*`). */
  async subscribers(eventType: string): Promise<WebhookEndpointRow[]> {
    const { rows } = await this.pool.query<WebhookEndpointRow>(
      `SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints
        WHERE deleted_at IS NULL AND enabled AND (event_types @> ARRAY[$1]::text[] OR event_types @> ARRAY['*']::text[])`,
      [eventType],
    );
    return rows;
  }

  /** One delivery per (endpoint, event): a second call for the same pair changes nothing. */
  async enqueue(delivery: { deliveryId: string; endpointId: string; eventId: string; eventType: string; body: string; now: Date; traceparent?: string }): Promise<void> {
    await this.pool.query(
      `INSERT INTO webhook_deliveries (delivery_id, endpoint_id, event_id, event_type, body, status, next_attempt_at, created_at, traceparent)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $6, $7) ON CONFLICT (endpoint_id, event_id) DO NOTHING`,
      [delivery.deliveryId, delivery.endpointId, delivery.eventId, delivery.eventType, delivery.body, delivery.now, delivery.traceparent ?? null],
    );
  }

  /**
   * Claims up to `limit` due deliveries for this process: their next_attempt_at moves to `leaseUntil`, so another
   * worker does not send them meanwhile (a crashed worker's claim simply falls due again).
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<WebhookDeliveryRow[]> {
    const { rows } = await this.pool.query<WebhookDeliveryRow>(
      `UPDATE webhook_deliveries d SET next_attempt_at = $2
         FROM (SELECT delivery_id FROM webhook_deliveries
                WHERE status = 'pending' AND next_attempt_at <= $1
                  AND endpoint_id IN (SELECT endpoint_id FROM webhook_endpoints WHERE enabled AND deleted_at IS NULL)
                ORDER BY next_attempt_at, created_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
        WHERE d.delivery_id = due.delivery_id
        RETURNING d.*`,
      [now, leaseUntil, limit],
    );
    return rows;
  }

  /** Records one attempt and the delivery's new state in one transaction. */
  async recordAttempt(
    delivery: WebhookDeliveryRow,
    attempt: { attemptedAt: Date; durationMs: number; statusCode: number | null; error: string | null; outcome: WebhookAttemptRow['outcome']; nextAttemptAt: Date | null },
  ): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const status = attempt.outcome === 'delivered' ? 'delivered' : attempt.outcome === 'retry' ? 'pending' : 'failed';
      const failed = attempt.outcome === 'delivered' || attempt.outcome === 'skipped' ? 0 : 1;
      const { rows } = await client.query<{ attempts: number }>(
        `UPDATE webhook_deliveries SET status = $2, attempts = attempts + 1, failures = CASE WHEN $3 = 1 THEN failures + 1 ELSE 0 END,
                window_started_at = COALESCE(window_started_at, $4), next_attempt_at = $5, last_attempt_at = $4,
                delivered_at = CASE WHEN $2 = 'delivered' THEN $4 ELSE delivered_at END
          WHERE delivery_id = $1 RETURNING attempts`,
        [delivery.delivery_id, status, failed, attempt.attemptedAt, attempt.nextAttemptAt],
      );
      await client.query(
        `INSERT INTO webhook_delivery_attempts (delivery_id, attempt_number, attempted_at, duration_ms, status_code, error, outcome, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [delivery.delivery_id, rows[0]!.attempts, attempt.attemptedAt, attempt.durationMs, attempt.statusCode, attempt.error, attempt.outcome, attempt.nextAttemptAt],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async deliveries(endpointId: string, options: { status?: string; limit: number; offset: number }): Promise<WebhookDeliveryRow[]> {
    const { rows } = await this.pool.query<WebhookDeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND ($2::text IS NULL OR status = $2)
        ORDER BY created_at DESC, delivery_id LIMIT $3 OFFSET $4`,
      [endpointId, options.status ?? null, options.limit, options.offset],
    );
    return rows;
  }

  async delivery(endpointId: string, deliveryId: string): Promise<WebhookDeliveryRow | undefined> {
    const { rows } = await this.pool.query<WebhookDeliveryRow>('SELECT * FROM webhook_deliveries WHERE endpoint_id = $1 AND delivery_id = $2', [endpointId, deliveryId]);
    return rows[0];
  }

  async attempts(deliveryIds: string[]): Promise<WebhookAttemptRow[]> {
    if (deliveryIds.length === 0) return [];
    const { rows } = await this.pool.query<WebhookAttemptRow>(
      'SELECT * FROM webhook_delivery_attempts WHERE delivery_id = ANY($1::uuid[]) ORDER BY delivery_id, attempt_number',
      [deliveryIds],
    );
    return rows;
  }

  /**
   * Manual redelivery: the deliveries go back to `pending`, due now, with a fresh retry window (the full schedule
   * again). One delivery (any status but in flight), or every `failed` one of the endpoint created since `since`.
   */
  async redeliver(endpointId: string, now: Date, which: { deliveryId: string } | { failedSince: Date }): Promise<string[]> {
    const { rows } = await this.pool.query<{ delivery_id: string }>(
      `UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $2, window_started_at = NULL, failures = 0
        WHERE endpoint_id = $1 AND (
          ($3::uuid IS NOT NULL AND delivery_id = $3) OR ($4::timestamptz IS NOT NULL AND status = 'failed' AND created_at >= $4))
        RETURNING delivery_id`,
      [endpointId, now, 'deliveryId' in which ? which.deliveryId : null, 'failedSince' in which ? which.failedSince : null],
    );
    return rows.map((r) => r.delivery_id);
  }
}
