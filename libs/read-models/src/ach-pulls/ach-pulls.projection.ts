import { PoolClient } from 'pg';
import { AchPullEvent, Currency, formatMinor } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { isoOrNull, occurredAt, Projection } from '../projections/projection';

/** One row per ACH pull: status, amounts, provider transfer, failure or return reason and lifecycle times. */
export const achPullsProjection: Projection = {
  name: 'ach-pulls',
  tables: ['ach_pulls'],
  filter: { streamPrefixes: ['ach-pull-'] },
  migrations: [
    {
      id: '001-ach-pulls',
      sql: `CREATE TABLE IF NOT EXISTS ach_pulls (
              pull_id uuid PRIMARY KEY,
              user_id text NOT NULL,
              status text NOT NULL,
              amount_minor bigint NOT NULL,
              currency text NOT NULL,
              via text NOT NULL,
              source_link_id uuid NOT NULL,
              source_account_mask text,
              destination_account_uuid text,
              provider_transfer_id text,
              failure_code text,
              failure_description text,
              cancel_requested boolean NOT NULL DEFAULT false,
              cancel_declined_reason text,
              created_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL,
              submitted_at timestamptz,
              settled_at timestamptz,
              failed_at timestamptz,
              returned_at timestamptz,
              cancelled_at timestamptz,
              stream_revision bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS ach_pulls_user_created_idx ON ach_pulls (user_id, created_at DESC, pull_id)`,
    },
  ],
  async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as AchPullEvent;
    const at = occurredAt(recorded);
    const revision = recorded.revision.toString();
    const update = (set: string, values: unknown[]) =>
      client.query(
        `UPDATE ach_pulls SET ${set}, updated_at = $2, stream_revision = $3 WHERE pull_id = $1 AND stream_revision < $3`,
        [event.data.pull_id, at, revision, ...values],
      );
    switch (event.type) {
      case 'AchPullRequested': {
        const d = event.data;
        await client.query(
          `INSERT INTO ach_pulls (pull_id, user_id, status, amount_minor, currency, via, source_link_id, source_account_mask,
                                  destination_account_uuid, created_at, updated_at, stream_revision)
           VALUES ($1, $2, 'CREATED', $3, $4, $5, $6, $7, $8, $9, $9, $10)
           ON CONFLICT (pull_id) DO NOTHING`,
          [d.pull_id, d.user_id, d.amount_minor, d.currency, d.via, d.source.link_id, d.source.mask, d.destination_account_uuid ?? null, at, revision],
        );
        return;
      }
      case 'AchPullSubmitted':
        await update(`provider_transfer_id = $4, submitted_at = $2`, [event.data.provider_transfer_id]);
        return;
      case 'AchPullPending':
        await update(`status = 'PENDING', provider_transfer_id = $4`, [event.data.provider_transfer_id]);
        return;
      case 'AchPullSettled':
        await update(`status = 'SETTLED', settled_at = $2`, []);
        return;
      case 'AchPullFailed':
        await update(`status = 'FAILED', failed_at = $2, failure_code = $4, failure_description = $5`, [event.data.reason.code, event.data.reason.description]);
        return;
      case 'AchPullReturned':
        await update(`status = 'RETURNED', returned_at = $2, failure_code = $4, failure_description = $5`, [event.data.ach_return_code, event.data.description]);
        return;
      case 'AchPullCancelRequested':
        await update(`cancel_requested = true`, []);
        return;
      case 'AchPullCancelDeclined':
        await update(`cancel_declined_reason = $4`, [event.data.reason]);
        return;
      case 'AchPullCancelled':
        await update(`status = 'CANCELLED', cancelled_at = $2`, []);
        return;
      default:
        return;
    }
  },
};

export interface AchPullView {
  uuid: string;
  /** The seed's lifecycle: PENDING (until the provider settles it), SETTLED, FAILED, RETURNED, CANCELLED. */
  status: 'PENDING' | 'SETTLED' | 'FAILED' | 'RETURNED' | 'CANCELLED';
  amount: string;
  currency: string;
  source_account_mask: string | null;
  failure_reason: { code: string; description: string } | null;
  cancel_requested: boolean;
  created_at: string;
  updated_at: string;
  settled_at: string | null;
  failed_at: string | null;
  returned_at: string | null;
  cancelled_at: string | null;
}

type Row = Record<string, unknown> & { amount_minor: string; currency: string };


function toView(r: Row): AchPullView {
  return {
    uuid: String(r.pull_id),
    status: r.status === 'CREATED' ? 'PENDING' : (r.status as AchPullView['status']),
    amount: formatMinor(BigInt(r.amount_minor), r.currency as Currency),
    currency: r.currency,
    source_account_mask: (r.source_account_mask as string | null) ?? null,
    failure_reason: r.failure_code ? { code: String(r.failure_code), description: String(r.failure_description ?? '') } : null,
    cancel_requested: Boolean(r.cancel_requested),
    created_at: isoOrNull(r.created_at) ?? '',
    updated_at: isoOrNull(r.updated_at) ?? '',
    settled_at: isoOrNull(r.settled_at),
    failed_at: isoOrNull(r.failed_at),
    returned_at: isoOrNull(r.returned_at),
    cancelled_at: isoOrNull(r.cancelled_at),
  };
}

export async function findAchPull(db: Pick<PoolClient, 'query'>, userId: string, pullId: string): Promise<AchPullView | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM ach_pulls WHERE pull_id = $1 AND user_id = $2', [pullId, userId]);
  return rows[0] ? toView(rows[0]) : undefined;
}

export async function listAchPulls(db: Pick<PoolClient, 'query'>, userId: string, limit: number, offset: number): Promise<AchPullView[]> {
  const { rows } = await db.query<Row>('SELECT * FROM ach_pulls WHERE user_id = $1 ORDER BY created_at DESC, pull_id LIMIT $2 OFFSET $3', [userId, limit, offset]);
  return rows.map(toView);
}
