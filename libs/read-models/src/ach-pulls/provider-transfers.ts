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
