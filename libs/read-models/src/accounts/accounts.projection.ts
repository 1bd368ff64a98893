import { PoolClient } from 'pg';
import { AccountEvent } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { occurredAt, Projection } from '../projections/projection';

/** A user's accounts (one per currency). Balances arrive with the ledger (issue 4). */
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

type Row = { account_uuid: string; user_id: string; currency: string; account_type: string; status: string; created_at: Date };
const toView = (r: Row): AccountView => ({
  account_uuid: r.account_uuid,
  currency: r.currency,
  account_type: r.account_type,
  status: r.status,
  created_at: r.created_at.toISOString(),
});

export async function listAccounts(db: Pick<PoolClient, 'query'>, userId: string): Promise<AccountView[]> {
  const { rows } = await db.query<Row>('SELECT * FROM accounts WHERE user_id = $1 ORDER BY currency', [userId]);
  return rows.map(toView);
}

/** Any account by id, with its owner (callers decide what another user's account means). */
export async function findAccountById(db: Pick<PoolClient, 'query'>, accountUuid: string): Promise<(AccountView & { user_id: string }) | undefined> {
  const { rows } = await db.query<Row>('SELECT * FROM accounts WHERE account_uuid = $1', [accountUuid]);
  return rows[0] ? { ...toView(rows[0]), user_id: rows[0].user_id } : undefined;
}
