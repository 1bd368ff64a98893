import { PoolClient } from 'pg';
import { Currency, formatMinor, RemittanceEvent, RemittanceStatus } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { isoOrNull, occurredAt, Projection } from '../projections/projection';

/**
 * One row per remittance (quote id = remittance id): status QUOTED → PENDING (started, source amount held) →
 * SUBMITTED → SETTLED or FAILED, both amounts in minor units, the quoted rate and its source, the destination
 * (a saved recipient id, or a beneficiary's name, country and account last four; never the sealed number) and
 * lifecycle times. Backs GET /user/remittance/{uuid} and the worker's outcome poller (status SUBMITTED).
 */
export const remittancesProjection: Projection = {
  name: 'remittances',
  tables: ['remittances'],
  filter: { streamPrefixes: ['remittance-'] },
  migrations: [
    {
      id: '001-remittances',
      sql: `CREATE TABLE IF NOT EXISTS remittances (
              remittance_id uuid PRIMARY KEY,
              user_id text NOT NULL,
              status text NOT NULL,
              source_currency text NOT NULL,
              target_currency text NOT NULL,
              source_amount_minor bigint NOT NULL,
              target_amount_minor bigint NOT NULL,
              fixed_side text NOT NULL,
              rate text NOT NULL,
              rate_source text NOT NULL,
              rate_as_of timestamptz NOT NULL,
              expires_at timestamptz NOT NULL,
              destination jsonb,
              provider text,
              provider_remittance_id text,
              failure_code text,
              failure_description text,
              created_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL,
              started_at timestamptz,
              submitted_at timestamptz,
              settled_at timestamptz,
              failed_at timestamptz,
              stream_revision bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS remittances_status_idx ON remittances (status) WHERE status = 'SUBMITTED'`,
    },
  ],
  async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as RemittanceEvent;
    const at = occurredAt(recorded);
    const revision = recorded.revision.toString();
    const update = (set: string, values: unknown[]) =>
      client.query(`UPDATE remittances SET ${set}, updated_at = $2, stream_revision = $3 WHERE remittance_id = $1 AND stream_revision < $3`, [
        event.data.remittance_id,
        at,
        revision,
        ...values,
      ]);
    switch (event.type) {
      case 'RemittanceQuoted': {
        const d = event.data;
        await client.query(
          `INSERT INTO remittances (remittance_id, user_id, status, source_currency, target_currency, source_amount_minor, target_amount_minor,
                                    fixed_side, rate, rate_source, rate_as_of, expires_at, created_at, updated_at, stream_revision)
           VALUES ($1, $2, 'QUOTED', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)
           ON CONFLICT (remittance_id) DO NOTHING`,
          [d.remittance_id, d.user_id, d.source_currency, d.target_currency, d.source_amount_minor, d.target_amount_minor, d.fixed_side, d.fx.rate, d.fx.source, d.fx.as_of, d.expires_at, at, revision],
        );
        return;
      }
      case 'RemittanceStarted': {
        const d = event.data.destination;
        // The sealed account number stays in the event store; the view keeps what may be shown.
        const shown =
          d.kind === 'recipient'
            ? { recipient_uuid: d.recipient_id }
            : { beneficiary: { first_name: d.first_name, last_name: d.last_name, country: d.country, account_number: `****${d.account_last4}` } };
        await update(`status = 'PENDING', destination = $4, started_at = $2`, [JSON.stringify(shown)]);
        return;
      }
      case 'RemittanceSubmitted':
        await update(`status = CASE WHEN status = 'PENDING' THEN 'SUBMITTED' ELSE status END, provider = $4, provider_remittance_id = $5, submitted_at = $2`, [
          event.data.provider,
          event.data.provider_remittance_id,
        ]);
        return;
      case 'RemittanceSettled':
        await update(`status = 'SETTLED', settled_at = $2`, []);
        return;
      case 'RemittanceFailed':
        await update(`status = 'FAILED', failure_code = $4, failure_description = $5, failed_at = $2`, [event.data.reason.code, event.data.reason.description]);
        return;
      case 'RemittanceAbandoned':
        // Never started (orphaned hold released by the sweep): shown FAILED with the sweep's reason.
        await update(`status = 'FAILED', failure_code = $4, failure_description = $5, failed_at = $2`, [event.data.reason.code, event.data.reason.description]);
        return;
      default:
        return;
    }
  },
};

export interface RemittanceView {
  uuid: string;
  status: RemittanceStatus;
  source_currency: string;
  target_currency: string;
  /** Decimal strings in each currency's minor-unit precision ("10000.00", "1796"). */
  source_amount: string;
  target_amount: string;
  fixed_side: string;
  rate: string;
  rate_source: string;
  rate_as_of: string;
  expires_at: string;
  recipient_uuid?: string;
  beneficiary?: { first_name: string; last_name: string; country: string; account_number: string };
  failure_reason: { code: string; description: string } | null;
  created_at: string;
  updated_at: string;
  started_at: string | null;
  submitted_at: string | null;
  settled_at: string | null;
  failed_at: string | null;
}

interface RemittanceRow {
  remittance_id: string;
  status: RemittanceStatus;
  source_currency: Currency;
  target_currency: Currency;
  source_amount_minor: string;
  target_amount_minor: string;
  fixed_side: string;
  rate: string;
  rate_source: string;
  rate_as_of: Date;
  expires_at: Date;
  destination: { recipient_uuid?: string; beneficiary?: RemittanceView['beneficiary'] } | null;
  failure_code: string | null;
  failure_description: string | null;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  submitted_at: Date | null;
  settled_at: Date | null;
  failed_at: Date | null;
}

function toView(r: RemittanceRow): RemittanceView {
  return {
    uuid: r.remittance_id,
    status: r.status,
    source_currency: r.source_currency,
    target_currency: r.target_currency,
    source_amount: formatMinor(BigInt(r.source_amount_minor), r.source_currency),
    target_amount: formatMinor(BigInt(r.target_amount_minor), r.target_currency),
    fixed_side: r.fixed_side,
    rate: r.rate,
    rate_source: r.rate_source,
    rate_as_of: r.rate_as_of.toISOString(),
    expires_at: r.expires_at.toISOString(),
    ...(r.destination ?? {}),
    failure_reason: r.failure_code !== null ? { code: r.failure_code, description: r.failure_description ?? '' } : null,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    started_at: isoOrNull(r.started_at),
    submitted_at: isoOrNull(r.submitted_at),
    settled_at: isoOrNull(r.settled_at),
    failed_at: isoOrNull(r.failed_at),
  };
}

export async function findRemittance(db: Pick<PoolClient, 'query'>, userId: string, remittanceId: string): Promise<RemittanceView | undefined> {
  const { rows } = await db.query<RemittanceRow>('SELECT * FROM remittances WHERE remittance_id = $1 AND user_id = $2', [remittanceId, userId]);
  return rows[0] ? toView(rows[0]) : undefined;
}

/** Remittances the provider has and has not finished (the worker's outcome poller), oldest first. */
export async function submittedRemittances(db: Pick<PoolClient, 'query'>, limit = 100): Promise<{ remittance_id: string; provider_remittance_id: string }[]> {
  const { rows } = await db.query<{ remittance_id: string; provider_remittance_id: string }>(
    `SELECT remittance_id, provider_remittance_id FROM remittances WHERE status = 'SUBMITTED' AND provider_remittance_id IS NOT NULL
      ORDER BY submitted_at LIMIT $1`,
    [limit],
  );
  return rows;
}
