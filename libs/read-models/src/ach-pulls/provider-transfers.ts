import { Pool, PoolClient } from 'pg';
import { Migration, runMigrations } from '../database/migrations';

/**
 * Which of our aggregates a provider transfer belongs to. Written synchronously by the submitting process
 * manager right after the provider accepted the transfer (before our own event is appended), so the webhook
 * translator can always route a provider event, however early it arrives. Not a projection: it is written
 * from the provider's answer, which no event replay could reproduce if the append were lost.
 */
export const providerTransferMigrations: Migration[] = [
  {
    id: '001-provider-transfers',
    sql: `CREATE TABLE IF NOT EXISTS provider_transfers (
            provider text NOT NULL,
            provider_transfer_id text NOT NULL,
            kind text NOT NULL,
            aggregate_id uuid NOT NULL,
            stream_id text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (provider, provider_transfer_id))`,
  },
  {
    // Cursors of provider event feeds (e.g. Plaid /bank_transfer/event/sync after_id), advanced only after the
    // domain events for everything up to the cursor were appended.
    id: '002-provider-event-cursors',
    sql: `CREATE TABLE IF NOT EXISTS provider_event_cursors (
            feed text PRIMARY KEY,
            after_id bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now())`,
  },
  {
    // The provider event that caused a domain event (its metadata causation_id is the key), for `ops history`.
    // Written by the translator before it applies the event; no secrets or account numbers are stored.
    id: '003-provider-event-payloads',
    sql: `CREATE TABLE IF NOT EXISTS provider_event_payloads (
            causation_id text PRIMARY KEY,
            provider text NOT NULL,
            payload jsonb NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now())`,
  },
];

export const migrateProviderTransfers = (pool: Pool): Promise<void> => runMigrations(pool, 'provider-transfers', providerTransferMigrations);

export interface ProviderTransferRef {
  kind: 'ach-pull' | 'payout' | 'transfer';
  aggregateId: string;
  streamId: string;
}

/** Idempotent: the same transfer recorded twice keeps its first owner. */
export async function recordProviderTransfer(
  db: Pick<PoolClient, 'query'>,
  provider: string,
  providerTransferId: string,
  ref: ProviderTransferRef,
): Promise<void> {
  await db.query(
    `INSERT INTO provider_transfers (provider, provider_transfer_id, kind, aggregate_id, stream_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (provider, provider_transfer_id) DO NOTHING`,
    [provider, providerTransferId, ref.kind, ref.aggregateId, ref.streamId],
  );
}

export async function findProviderTransfer(db: Pick<PoolClient, 'query'>, provider: string, providerTransferId: string): Promise<ProviderTransferRef | undefined> {
  const { rows } = await db.query<{ kind: ProviderTransferRef['kind']; aggregate_id: string; stream_id: string }>(
    'SELECT kind, aggregate_id, stream_id FROM provider_transfers WHERE provider = $1 AND provider_transfer_id = $2',
    [provider, providerTransferId],
  );
  return rows[0] ? { kind: rows[0].kind, aggregateId: rows[0].aggregate_id, streamId: rows[0].stream_id } : undefined;
}

/** The owners of many provider transfers in one query; transfers not recorded are absent from the map. */
export async function findProviderTransfers(
  db: Pick<PoolClient, 'query'>,
  provider: string,
  providerTransferIds: readonly string[],
): Promise<Map<string, ProviderTransferRef>> {
  const found = new Map<string, ProviderTransferRef>();
  if (providerTransferIds.length === 0) return found;
  const { rows } = await db.query<{ provider_transfer_id: string; kind: ProviderTransferRef['kind']; aggregate_id: string; stream_id: string }>(
    'SELECT provider_transfer_id, kind, aggregate_id, stream_id FROM provider_transfers WHERE provider = $1 AND provider_transfer_id = ANY($2::text[])',
    [provider, [...new Set(providerTransferIds)]],
  );
  for (const row of rows) found.set(row.provider_transfer_id, { kind: row.kind, aggregateId: row.aggregate_id, streamId: row.stream_id });
  return found;
}

/** What a run over a provider feed returns: its outcome, and the error that ended it early, if any. */
export interface FeedRun<T> {
  result: T;
  /** Rethrown by the caller after the commit: the progress made before it is kept. */
  failure?: Error;
}

/**
 * Runs `run` in one transaction holding the feed's row of `provider_event_cursors` locked (created at 0 the first
 * time), so runs over one feed never overlap on any number of instances. `run` gets the stored `after_id` and moves
 * it with {@link advanceFeedCursor}; the transaction commits also when the run reports a failure (events before it
 * were applied), and rolls back only when `run` itself throws. A connection that cannot roll back is dropped.
 */
export async function withLockedFeedCursor<T>(pool: Pool, feed: string, run: (client: PoolClient, afterId: number) => Promise<FeedRun<T>>): Promise<FeedRun<T>> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO provider_event_cursors (feed, after_id) VALUES ($1, 0) ON CONFLICT (feed) DO NOTHING', [feed]);
    const { rows } = await client.query<{ after_id: string }>('SELECT after_id FROM provider_event_cursors WHERE feed = $1 FOR UPDATE', [feed]);
    const outcome = await run(client, Number(rows[0].after_id));
    await client.query('COMMIT');
    return outcome;
  } catch (error) {
    broken = await client.query('ROLLBACK').then(
      () => undefined,
      (rollbackError: unknown) => rollbackError as Error,
    );
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Moves a feed's cursor inside its {@link withLockedFeedCursor} transaction. */
export async function advanceFeedCursor(client: Pick<PoolClient, 'query'>, feed: string, afterId: number): Promise<void> {
  await client.query('UPDATE provider_event_cursors SET after_id = $2, updated_at = now() WHERE feed = $1', [feed, afterId]);
}

/** A provider event kept for `ops history`, keyed by the causation id the domain events it caused carry. */
export interface ProviderEventPayload {
  causationId: string;
  provider: string;
  payload: Record<string, unknown>;
}

/** Stores provider events (first write wins: replays of the same provider event change nothing). One statement. */
export async function recordProviderEventPayloads(db: Pick<PoolClient, 'query'>, payloads: ProviderEventPayload[]): Promise<void> {
  if (payloads.length === 0) return;
  await db.query(
    `INSERT INTO provider_event_payloads (causation_id, provider, payload)
     SELECT * FROM unnest($1::text[], $2::text[], $3::jsonb[]) ON CONFLICT (causation_id) DO NOTHING`,
    [payloads.map((p) => p.causationId), payloads.map((p) => p.provider), payloads.map((p) => JSON.stringify(p.payload))],
  );
}

/** The stored provider events for these causation ids (absent ones are simply missing from the map). */
export async function findProviderEventPayloads(db: Pick<PoolClient, 'query'>, causationIds: string[]): Promise<Map<string, ProviderEventPayload>> {
  if (causationIds.length === 0) return new Map();
  const { rows } = await db.query<{ causation_id: string; provider: string; payload: Record<string, unknown> }>(
    'SELECT causation_id, provider, payload FROM provider_event_payloads WHERE causation_id = ANY($1::text[])',
    [causationIds],
  );
  return new Map(rows.map((r) => [r.causation_id, { causationId: r.causation_id, provider: r.provider, payload: r.payload }]));
}
