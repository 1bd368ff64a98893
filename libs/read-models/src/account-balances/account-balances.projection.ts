import { PoolClient } from 'pg';
import { AccountEvent } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { occurredAt, Projection } from '../projections/projection';

/**
 * Posted, pending and available balance per account (ARCHITECTURE §6), from the balances each money event of the
 * Account aggregate reports. `overdrawn` flags a posted balance below zero (a return after the money was spent).
 * An event at or below the row's revision changes nothing.
 */
export const accountBalancesProjection: Projection = {
  name: 'account-balances',
  tables: ['account_balances'],
  filter: { streamPrefixes: ['account-'] },
  migrations: [
    {
      id: '001-account-balances',
      sql: `CREATE TABLE IF NOT EXISTS account_balances (
              account_uuid uuid PRIMARY KEY,
              user_id text NOT NULL,
              currency text NOT NULL,
              posted_minor bigint NOT NULL,
              pending_minor bigint NOT NULL,
              available_minor bigint NOT NULL,
              overdrawn boolean NOT NULL,
              updated_at timestamptz NOT NULL,
              stream_revision bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS account_balances_user_idx ON account_balances (user_id)`,
    },
  ],
  async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as AccountEvent;
    const revision = recorded.revision.toString();
    if (event.type === 'AccountOpened') {
      const d = event.data;
      await client.query(
        `INSERT INTO account_balances (account_uuid, user_id, currency, posted_minor, pending_minor, available_minor, overdrawn, updated_at, stream_revision)
         VALUES ($1, $2, $3, 0, 0, 0, false, $4, $5) ON CONFLICT (account_uuid) DO NOTHING`,
        [d.account_id, d.user_id, d.currency, occurredAt(recorded), revision],
      );
      return;
    }
    const { account_id, balances } = event.data;
    await client.query(
      `UPDATE account_balances SET posted_minor = $2, pending_minor = $3, available_minor = $4, overdrawn = $5, updated_at = $6, stream_revision = $7
        WHERE account_uuid = $1 AND stream_revision < $7`,
      [account_id, balances.posted_minor, balances.pending_minor, balances.available_minor, balances.overdrawn, occurredAt(recorded), revision],
    );
  },
};
