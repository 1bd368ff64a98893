import { PoolClient } from 'pg';
import { AccountEvent, Currency, formatMinor } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { occurredAt, Projection } from '../projections/projection';

/** A user's accounts (one per currency). Their balances are the account-balances projection's. */
export const accountsProjection: Projection = {
  name: 'accounts',
  tables: ['accounts'],
  filter: { streamPrefixes: ['account-'] },
  migrations: [
    {
      id: '001-accounts',
      sql: `CREATE TABLE IF NOT EXISTS accounts (
              account_uuid uuid PRIMARY KEY,
              user_id text NOT NULL,
              currency text NOT NULL,
              account_type text NOT NULL,
              status text NOT NULL,
              created_at timestamptz NOT NULL,
              stream_revision bigint NOT NULL,
              UNIQUE (user_id, currency))`,
    },
  ],
  async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as AccountEvent;
    switch (event.type) {
      case 'AccountOpened': {
        const d = event.data;
        await client.query(
          `INSERT INTO accounts (account_uuid, user_id, currency, account_type, status, created_at, stream_revision)
           VALUES ($1, $2, $3, $4, 'OPEN', $5, $6) ON CONFLICT (account_uuid) DO NOTHING`,
          [d.account_id, d.user_id, d.currency, d.account_type, occurredAt(recorded), recorded.revision.toString()],
        );
        return;
      }
      default:
        return;
    }
  },
};

export interface AccountView {
  account_uuid: string;
  currency: string;
  account_type: string;
  status: string;
  created_at: string;
}

/**
 * Balances as decimal strings in major units ("100.00"): posted (settled), pending (inbound credits on their way minus
 * active holds) and available (posted minus active holds). `overdrawn`: posted is below zero (a return came after
 * the money was spent).
 */
export interface AccountBalancesView {
  posted: string;
  pending: string;
  available: string;
  overdrawn: boolean;
}

export type AccountWithBalancesView = AccountView & { balances: AccountBalancesView };

type Row = { account_uuid: string; user_id: string; currency: string; account_type: string; status: string; created_at: Date };
const toView = (r: Row): AccountView => ({
  account_uuid: r.account_uuid,
  currency: r.currency,
  account_type: r.account_type,
  status: r.status,
  created_at: r.created_at.toISOString(),
});

type BalanceRow = Row & { posted_minor: string | null; pending_minor: string | null; available_minor: string | null; overdrawn: boolean | null };
const toBalancesView = (r: BalanceRow): AccountBalancesView => {
  const format = (minor: string | null) => formatMinor(BigInt(minor ?? '0'), r.currency as Currency);
  return { posted: format(r.posted_minor), pending: format(r.pending_minor), available: format(r.available_minor), overdrawn: r.overdrawn ?? false };
};

/** The user's accounts with their balances (zero until the balances projection has seen the account). */
export async function listAccounts(db: Pick<PoolClient, 'query'>, userId: string): Promise<AccountWithBalancesView[]> {
  const { rows } = await db.query<BalanceRow>(
    `SELECT a.*, b.posted_minor, b.pending_minor, b.available_minor, b.overdrawn
       FROM accounts a LEFT JOIN account_balances b ON b.account_uuid = a.account_uuid
      WHERE a.user_id = $1 ORDER BY a.currency`,
    [userId],
  );
  return rows.map((r) => ({ ...toView(r), balances: toBalancesView(r) }));
}

/** Any account by id, with its owner (callers decide what another user's account means). */
export async function findAccountById(db: Pick<PoolClient, 'query'>, accountUuid: string): Promise<(AccountView & { user_id: string }) | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM accounts WHERE account_uuid = $1', [accountUuid]);
  return rows[0] ? { ...toView(rows[0]), user_id: rows[0].user_id } : undefined;
}
