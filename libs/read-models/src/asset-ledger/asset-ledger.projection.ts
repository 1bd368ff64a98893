import { PoolClient } from 'pg';
import { ASSET_BALANCE_EVENT_TYPES, AssetBalanceEvent, assetLedgerTransactionFor } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { occurredAt, Projection } from '../projections/projection';

/**
 * Funding-asset balances and their double-entry ledger (issue 5). Amounts are numeric(78,0): exact smallest units of
 * an 18-decimal token exceed bigint (1,000 WEUR = 10^21). One balanced transaction per asset event (transaction id =
 * event id, so a repeat inserts nothing); `asset_balances` holds the balances the event reports, newest revision wins.
 */
export const assetLedgerProjection: Projection = {
  name: 'asset-ledger',
  tables: ['asset_ledger_entries', 'asset_ledger_transactions', 'asset_ledger_accounts', 'asset_balances'],
  filter: { streamPrefixes: ['asset-balance-'], eventTypes: [...ASSET_BALANCE_EVENT_TYPES] },
  migrations: [
    {
      id: '001-asset-ledger',
      sql: `CREATE TABLE IF NOT EXISTS asset_ledger_accounts (
              code text PRIMARY KEY,
              kind text NOT NULL,
              unit text NOT NULL,
              user_id text);
            CREATE TABLE IF NOT EXISTS asset_ledger_transactions (
              transaction_id uuid PRIMARY KEY,
              user_id text NOT NULL,
              movement_id text NOT NULL,
              kind text NOT NULL,
              unit text NOT NULL,
              amount numeric(78, 0) NOT NULL CHECK (amount > 0),
              description text NOT NULL,
              occurred_at timestamptz NOT NULL,
              stream_id text NOT NULL,
              stream_revision bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS asset_ledger_transactions_movement_idx ON asset_ledger_transactions (movement_id);
            CREATE TABLE IF NOT EXISTS asset_ledger_entries (
              transaction_id uuid NOT NULL REFERENCES asset_ledger_transactions (transaction_id),
              entry_no integer NOT NULL,
              ledger_account text NOT NULL REFERENCES asset_ledger_accounts (code),
              unit text NOT NULL,
              direction text NOT NULL CHECK (direction IN ('DEBIT', 'CREDIT')),
              amount numeric(78, 0) NOT NULL CHECK (amount > 0),
              PRIMARY KEY (transaction_id, entry_no));
            CREATE TABLE IF NOT EXISTS asset_balances (
              user_id text NOT NULL,
              unit text NOT NULL,
              token_address text NOT NULL,
              decimals integer NOT NULL,
              balance numeric(78, 0) NOT NULL,
              held numeric(78, 0) NOT NULL,
              available numeric(78, 0) NOT NULL,
              stream_revision bigint NOT NULL,
              PRIMARY KEY (user_id, unit))`,
    },
  ],
  async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as unknown as AssetBalanceEvent;
    const { balances } = event.data;
    await client.query(
      `INSERT INTO asset_balances (user_id, unit, token_address, decimals, balance, held, available, stream_revision) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (user_id, unit) DO UPDATE SET balance = EXCLUDED.balance, held = EXCLUDED.held, available = EXCLUDED.available, stream_revision = EXCLUDED.stream_revision
       WHERE asset_balances.stream_revision < EXCLUDED.stream_revision`,
      [event.data.user_id, event.data.token_symbol, event.data.token_address, event.data.decimals, balances.balance, balances.held, balances.available, recorded.revision.toString()],
    );
    const tx = assetLedgerTransactionFor(event);
    const inserted = await client.query(
      `INSERT INTO asset_ledger_transactions (transaction_id, user_id, movement_id, kind, unit, amount, description, occurred_at, stream_id, stream_revision)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (transaction_id) DO NOTHING`,
      [recorded.id, tx.user_id, tx.movement_id, tx.kind, tx.unit, tx.amount.toString(), tx.description, occurredAt(recorded), recorded.streamId, recorded.revision.toString()],
    );
    if (inserted.rowCount === 0) return;
    for (const [index, entry] of tx.entries.entries()) {
      await client.query('INSERT INTO asset_ledger_accounts (code, kind, unit, user_id) VALUES ($1, $2, $3, $4) ON CONFLICT (code) DO NOTHING', [
        entry.code,
        entry.kind,
        tx.unit,
        entry.user_id ?? null,
      ]);
      await client.query('INSERT INTO asset_ledger_entries (transaction_id, entry_no, ledger_account, unit, direction, amount) VALUES ($1, $2, $3, $4, $5, $6)', [
        recorded.id,
        index + 1,
        entry.code,
        tx.unit,
        entry.direction,
        entry.amount.toString(),
      ]);
    }
  },
};
