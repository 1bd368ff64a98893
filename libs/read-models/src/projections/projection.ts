import { PoolClient } from 'pg';
import { RecordedEvent, SubscriptionFilter } from '@payments/event-store';
import { Migration } from '../database/migrations';

/**
 * A projection turns events into rows. `apply` runs inside the transaction that also advances the projection's
 * checkpoint, so rows and checkpoint always move together. It must be deterministic (use event data and
 * metadata, never the wall clock) so a rebuild from position 0 equals the live tables.
 */
export interface Projection {
  readonly name: string;
  /** Tables this projection owns (emptied by a rebuild). */
  readonly tables: string[];
  readonly migrations: Migration[];
  readonly filter: SubscriptionFilter;
  apply(client: PoolClient, event: RecordedEvent): Promise<void>;
}

/** Event time for read models: when the command was decided (metadata), else when it was recorded. */
export function occurredAt(event: RecordedEvent): Date {
  const at = event.metadata.occurred_at;
  return typeof at === 'string' ? new Date(at) : event.recordedAt;
}

/** A timestamptz column as an ISO-8601 string for views, or null when unset. */
export const isoOrNull = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : null);
