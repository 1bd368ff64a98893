import { PoolClient } from 'pg';
import { ACCOUNT_MONEY_EVENT_TYPES, AccountMoneyEvent, Currency, formatMinor, LedgerDirection, ledgerTransactionFor, LedgerTransactionStatus } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { occurredAt, Projection } from '../projections/projection';

/**
 * The double-entry ledger (ARCHITECTURE §6): one balanced ledger transaction per money event of an account
 * (`ledgerTransactionFor`), its entries on the chart of accounts (`ledger_accounts`, created as first used). The
 * transaction id is the event id, so applying an event twice inserts nothing the second time.
 */
export const ledgerProjection: Projection = {
  name: 'ledger',
  tables: ['ledger_entries', 'ledger_transactions', 'ledger_accounts'],
  filter: { streamPrefixes: ['account-'], eventTypes: [...ACCOUNT_MONEY_EVENT_TYPES] },
  migrations: [
    {
      id: '001-ledger',
      sql: `CREATE TABLE IF NOT EXISTS ledger_accounts (
              code text PRIMARY KEY,
              kind text NOT NULL,
              currency text NOT NULL,
              account_uuid uuid);
            CREATE TABLE IF NOT EXISTS ledger_transactions (
              transaction_id uuid PRIMARY KEY,
              account_uuid uuid NOT NULL,
              user_id text NOT NULL,
              movement_id text NOT NULL,
              kind text NOT NULL,
              type text NOT NULL CHECK (type IN ('CREDIT', 'DEBIT')),
              amount_minor bigint NOT NULL CHECK (amount_minor > 0),
              currency text NOT NULL,
              status text NOT NULL,
              description text NOT NULL,
              occurred_at timestamptz NOT NULL,
              stream_id text NOT NULL,
              stream_revision bigint NOT NULL,
              commit_position bigint NOT NULL,
              prepare_position bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS ledger_transactions_user_idx ON ledger_transactions (user_id, commit_position DESC, prepare_position DESC);
            CREATE INDEX IF NOT EXISTS ledger_transactions_movement_idx ON ledger_transactions (movement_id);
            CREATE TABLE IF NOT EXISTS ledger_entries (
              transaction_id uuid NOT NULL REFERENCES ledger_transactions (transaction_id),
              entry_no integer NOT NULL,
              ledger_account text NOT NULL REFERENCES ledger_accounts (code),
              currency text NOT NULL,
              direction text NOT NULL CHECK (direction IN ('DEBIT', 'CREDIT')),
              amount_minor bigint NOT NULL CHECK (amount_minor > 0),
              PRIMARY KEY (transaction_id, entry_no));
            CREATE INDEX IF NOT EXISTS ledger_entries_account_idx ON ledger_entries (ledger_account)`,
    },
  ],
  async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const tx = ledgerTransactionFor({ type: recorded.type, data: recorded.data } as unknown as AccountMoneyEvent);
    const inserted = await client.query(
      `INSERT INTO ledger_transactions (transaction_id, account_uuid, user_id, movement_id, kind, type, amount_minor, currency, status, description,
                                        occurred_at, stream_id, stream_revision, commit_position, prepare_position)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) ON CONFLICT (transaction_id) DO NOTHING`,
      [
        recorded.id,
        tx.account_uuid,
        tx.user_id,
        tx.movement_id,
        tx.kind,
        tx.type,
        tx.amountMinor.toString(),
        tx.currency,
        tx.status,
        tx.description,
        occurredAt(recorded),
        recorded.streamId,
        recorded.revision.toString(),
        recorded.position.commit.toString(),
        recorded.position.prepare.toString(),
      ],
    );
    if (inserted.rowCount === 0) return;
    for (const [index, entry] of tx.entries.entries()) {
      const { code, kind, currency, account_uuid } = entry.account;
      await client.query(
        'INSERT INTO ledger_accounts (code, kind, currency, account_uuid) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING',
        [code, kind, currency, account_uuid ?? null],
      );
      await client.query(
        'INSERT INTO ledger_entries (transaction_id, entry_no, ledger_account, currency, direction, amount_minor) VALUES ($1, $2, $3, $4, $5, $6)',
        [recorded.id, index + 1, code, currency, entry.direction, entry.amountMinor.toString()],
      );
    }
  },
};

/** The seed's shape (accounts-api-recipients-pulls-ledger.txt, "Get Transaction History"); amounts as decimal strings. */
export interface LedgerTransactionView {
  transaction_id: string;
  account_uuid: string;
  type: LedgerDirection;
  amount: string;
  currency: string;
  timestamp: string;
  status: LedgerTransactionStatus;
  description: string;
}

type TransactionRow = {
  transaction_id: string;
  account_uuid: string;
  type: LedgerDirection;
  amount_minor: string;
  currency: string;
  occurred_at: Date;
  status: LedgerTransactionStatus;
  description: string;
};

const VIEW_COLUMNS = 'transaction_id, account_uuid, type, amount_minor, currency, occurred_at, status, description';

const toView = (r: TransactionRow): LedgerTransactionView => ({
  transaction_id: r.transaction_id,
  account_uuid: r.account_uuid,
  type: r.type,
  amount: formatMinor(BigInt(r.amount_minor), r.currency as Currency),
  currency: r.currency,
  timestamp: r.occurred_at.toISOString(),
  status: r.status,
  description: r.description,
});

/** The user's ledger transactions over all their accounts, newest first. */
export async function listLedgerTransactions(db: Pick<PoolClient, 'query'>, userId: string, limit: number, offset: number): Promise<LedgerTransactionView[]> {
  const { rows } = await db.query<TransactionRow>(
    `SELECT ${VIEW_COLUMNS} FROM ledger_transactions WHERE user_id = $1
      ORDER BY commit_position DESC, prepare_position DESC LIMIT $2 OFFSET $3`,
    [userId, limit, offset],
  );
  return rows.map(toView);
}

/** One of the user's ledger transactions; another user's is not found. */
export async function findLedgerTransaction(db: Pick<PoolClient, 'query'>, userId: string, transactionId: string): Promise<LedgerTransactionView | undefined> {
  const { rows } = await db.query<TransactionRow>(`SELECT ${VIEW_COLUMNS} FROM ledger_transactions WHERE transaction_id = $1 AND user_id = $2`, [
    transactionId,
    userId,
  ]);
  return rows[0] ? toView(rows[0]) : undefined;
}
