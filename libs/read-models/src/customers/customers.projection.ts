import { PoolClient } from 'pg';
import { CAPABILITIES, Capability, CustomerEvent, userStatusOf } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { occurredAt, Projection } from '../projections/projection';

/**
 * Read model of customer profiles, their KYC-derived user status (backs `GET /user`) and their capabilities
 * (`customer_capabilities`, one row per capability ever granted; backs `GET /api/v2/user`).
 */
export const customersProjection: Projection = {
  name: 'customers',
  tables: ['customers', 'customer_capabilities'],
  filter: { streamPrefixes: ['customer-'] },
  migrations: [
    {
      id: '001-customers',
      sql: `CREATE TABLE IF NOT EXISTS customers (
              user_id text PRIMARY KEY,
              customer_type text NOT NULL,
              first_name text NOT NULL,
              last_name text NOT NULL,
              email text,
              kyc_status text NOT NULL,
              status text NOT NULL,
              created_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL,
              stream_revision bigint NOT NULL)`,
    },
    {
      id: '002-customer-capabilities',
      sql: `CREATE TABLE IF NOT EXISTS customer_capabilities (
              user_id text NOT NULL,
              capability text NOT NULL,
              active boolean NOT NULL,
              reason text,
              granted_at timestamptz,
              revoked_at timestamptz,
              updated_at timestamptz NOT NULL,
              stream_revision bigint NOT NULL,
              PRIMARY KEY (user_id, capability))`,
    },
  ],
  async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as CustomerEvent;
    const at = occurredAt(recorded);
    const revision = recorded.revision.toString();
    switch (event.type) {
      case 'CustomerRegistered': {
        const d = event.data;
        await client.query(
          `INSERT INTO customers (user_id, customer_type, first_name, last_name, email, kyc_status, status, created_at, updated_at, stream_revision)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9)
           ON CONFLICT (user_id) DO NOTHING`,
          [d.customer_id, d.type, d.first_name, d.last_name, d.email ?? null, d.kyc_status, userStatusOf(d.kyc_status), at, revision],
        );
        return;
      }
      case 'CustomerKycStatusChanged':
        await client.query(
          `UPDATE customers SET kyc_status = $2, status = $3, updated_at = $4, stream_revision = $5
            WHERE user_id = $1 AND stream_revision < $5`,
          [event.data.customer_id, event.data.kyc_status, userStatusOf(event.data.kyc_status), at, revision],
        );
        return;
      case 'CustomerCapabilityGranted':
      case 'CustomerCapabilityRevoked': {
        const granted = event.type === 'CustomerCapabilityGranted';
        // The customer stream's revision guards the row: a redelivered or older event changes nothing.
        await client.query(
          `INSERT INTO customer_capabilities (user_id, capability, active, reason, granted_at, revoked_at, updated_at, stream_revision)
           VALUES ($1, $2, $3, $4, CASE WHEN $3 THEN $5::timestamptz END, CASE WHEN $3 THEN NULL ELSE $5::timestamptz END, $5, $6)
           ON CONFLICT (user_id, capability) DO UPDATE SET
             active = EXCLUDED.active, reason = EXCLUDED.reason,
             granted_at = COALESCE(EXCLUDED.granted_at, customer_capabilities.granted_at),
             revoked_at = CASE WHEN EXCLUDED.active THEN NULL ELSE EXCLUDED.revoked_at END,
             updated_at = EXCLUDED.updated_at, stream_revision = EXCLUDED.stream_revision
           WHERE customer_capabilities.stream_revision < EXCLUDED.stream_revision`,
          [event.data.customer_id, event.data.capability, granted, event.data.reason ?? null, at, revision],
        );
        return;
      }
      default:
        return; // other event types of customer streams (future versions) do not change this view
    }
  },
};

export type CapabilityStatus = 'Active' | 'Inactive';

export interface CapabilityView {
  name: Capability;
  status: CapabilityStatus;
  /** Why it was last granted or revoked (ops' reason), if given. */
  reason: string | null;
  granted_at: string | null;
  revoked_at: string | null;
}

/** Every known capability for the user, in CAPABILITIES order: `Active` while granted, else `Inactive`. */
export async function findCustomerCapabilities(db: Pick<PoolClient, 'query'>, userId: string): Promise<CapabilityView[]> {
  const { rows } = await db.query<{ capability: string; active: boolean; reason: string | null; granted_at: Date | null; revoked_at: Date | null }>(
    'SELECT capability, active, reason, granted_at, revoked_at FROM customer_capabilities WHERE user_id = $1',
    [userId],
  );
  return CAPABILITIES.map((name) => {
    const row = rows.find((r) => r.capability === name);
    return {
      name,
      status: row?.active ? 'Active' : 'Inactive',
      reason: row?.reason ?? null,
      granted_at: row?.granted_at ? row.granted_at.toISOString() : null,
      revoked_at: row?.revoked_at ? row.revoked_at.toISOString() : null,
    };
  });
}

export interface CustomerView {
  user_id: string;
  type: string;
  first_name: string;
  last_name: string;
  email: string | null;
  kyc_status: string;
  status: string;
  created_at: string;
  updated_at: string;
}

export async function findCustomer(db: Pick<PoolClient, 'query'>, userId: string): Promise<CustomerView | undefined> {
  const { rows } = await db.query<{
    user_id: string; customer_type: string; first_name: string; last_name: string; email: string | null;
    kyc_status: string; status: string; created_at: Date; updated_at: Date;
  }>('SELECT * FROM customers WHERE user_id = $1', [userId]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    user_id: r.user_id,
    type: r.customer_type,
    first_name: r.first_name,
    last_name: r.last_name,
    email: r.email,
    kyc_status: r.kyc_status,
    status: r.status,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}
