import { PoolClient } from 'pg';
import { formatMinor, PayoutEvent, PayoutStatus, RecipientCurrency } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { isoOrNull, occurredAt, Projection } from '../projections/projection';

/**
 * One row per payout: status (PENDING → SUBMITTED → SETTLED, or FAILED, or RETURNED after SETTLED), amount, rail,
 * expected settlement window, provider payout, failure or return reason and lifecycle times. Abandoned ids (the
 * orphan-hold sweep) never had a request and get no row.
 */
export const payoutsProjection: Projection = {
  name: 'payouts',
  tables: ['payouts'],
  filter: { streamPrefixes: ['payout-'] },
  migrations: [
    {
      id: '001-payouts',
      sql: `CREATE TABLE IF NOT EXISTS payouts (
              payout_id uuid PRIMARY KEY,
              user_id text NOT NULL,
              recipient_id uuid NOT NULL,
              status text NOT NULL,
              amount_minor bigint NOT NULL,
              currency text NOT NULL,
              rail text NOT NULL,
              reference text,
              expected_earliest text NOT NULL,
              expected_latest text NOT NULL,
              provider text,
              provider_payout_id text,
              failure_code text,
              failure_description text,
              created_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL,
              submitted_at timestamptz,
              settled_at timestamptz,
              failed_at timestamptz,
              returned_at timestamptz,
              stream_revision bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS payouts_user_created_idx ON payouts (user_id, created_at DESC, payout_id)`,
    },
  ],
  async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as PayoutEvent;
    const at = occurredAt(recorded);
    const revision = recorded.revision.toString();
    // The revision guard makes a replayed event a no-op.
    const update = (set: string, values: unknown[]) =>
      client.query(`UPDATE payouts SET ${set}, updated_at = $2, stream_revision = $3 WHERE payout_id = $1 AND stream_revision < $3`, [
        event.data.payout_id,
        at,
        revision,
        ...values,
      ]);
    switch (event.type) {
      case 'PayoutRequested': {
        const d = event.data;
        await client.query(
          `INSERT INTO payouts (payout_id, user_id, recipient_id, status, amount_minor, currency, rail, reference, expected_earliest, expected_latest,
                                created_at, updated_at, stream_revision)
           VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, $7, $8, $9, $10, $10, $11)
           ON CONFLICT (payout_id) DO NOTHING`,
          [d.payout_id, d.user_id, d.recipient_id, d.amount_minor, d.currency, d.rail, d.reference ?? null, d.expected_settlement.earliest, d.expected_settlement.latest, at, revision],
        );
        return;
      }
      case 'PayoutSubmitted':
        // A late submission record never moves a settled/failed payout back.
        await update(`status = CASE WHEN status = 'PENDING' THEN 'SUBMITTED' ELSE status END, provider = $4, provider_payout_id = $5, submitted_at = $2`, [
          event.data.provider,
          event.data.provider_payout_id,
        ]);
        return;
      case 'PayoutSettled':
        await update(`status = 'SETTLED', settled_at = $2`, []);
        return;
      case 'PayoutFailed':
        await update(`status = 'FAILED', failed_at = $2, failure_code = $4, failure_description = $5`, [event.data.reason.code, event.data.reason.description]);
        return;
      case 'PayoutReturned':
        await update(`status = 'RETURNED', returned_at = $2, failure_code = $4, failure_description = $5`, [event.data.reason.code, event.data.reason.description]);
        return;
      case 'PayoutAbandoned':
        return;
      default:
        return;
    }
  },
};

export interface PayoutView {
  uuid: string;
  status: PayoutStatus;
  amount: string;
  currency: string;
  recipient_uuid: string;
  rail: string;
  reference: string | null;
  expected_settlement: { earliest: string; latest: string };
  failure_reason: { code: string; description: string } | null;
  created_at: string;
  updated_at: string;
  submitted_at: string | null;
  settled_at: string | null;
  failed_at: string | null;
  returned_at: string | null;
}

type Row = Record<string, unknown> & { amount_minor: string; currency: string };

function toView(r: Row): PayoutView {
  return {
    uuid: String(r.payout_id),
    status: r.status as PayoutStatus,
    amount: formatMinor(BigInt(r.amount_minor), r.currency as RecipientCurrency),
    currency: r.currency,
    recipient_uuid: String(r.recipient_id),
    rail: String(r.rail),
    reference: (r.reference as string | null) ?? null,
    expected_settlement: { earliest: String(r.expected_earliest), latest: String(r.expected_latest) },
    failure_reason: r.failure_code ? { code: String(r.failure_code), description: String(r.failure_description ?? '') } : null,
    created_at: isoOrNull(r.created_at) ?? '',
    updated_at: isoOrNull(r.updated_at) ?? '',
    submitted_at: isoOrNull(r.submitted_at),
    settled_at: isoOrNull(r.settled_at),
    failed_at: isoOrNull(r.failed_at),
    returned_at: isoOrNull(r.returned_at),
  };
}

// Settlement dates are kept as YYYY-MM-DD text: a `date` column would come back from pg as a local-midnight Date.
const SELECT = 'SELECT * FROM payouts';

export async function findPayout(db: Pick<PoolClient, 'query'>, userId: string, payoutId: string): Promise<PayoutView | undefined> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE payout_id = $1 AND user_id = $2`, [payoutId, userId]);
  return rows[0] ? toView(rows[0]) : undefined;
}

export async function listPayouts(db: Pick<PoolClient, 'query'>, userId: string, limit: number, offset: number): Promise<PayoutView[]> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE user_id = $1 ORDER BY created_at DESC, payout_id LIMIT $2 OFFSET $3`, [userId, limit, offset]);
  return rows.map(toView);
}
