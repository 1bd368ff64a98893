import { PoolClient } from 'pg';
import { BankLinkEvent } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { occurredAt, Projection } from '../projections/projection';

/**
 * Read model of each user's linked external bank account (backs `GET /user/linked-bank-account`).
 * Holds display data only: mask (last 4), bank name. The provider access token never leaves the event store
 * (where it is encrypted).
 */
export const bankLinksProjection: Projection = {
  name: 'bank-links',
  tables: ['bank_links', 'link_sessions'],
  filter: { streamPrefixes: ['bank-link-'] },
  migrations: [
    {
      id: '001-bank-links',
      sql: `CREATE TABLE IF NOT EXISTS bank_links (
              user_id text PRIMARY KEY,
              link_id uuid NOT NULL,
              status text NOT NULL,
              link_url text,
              link_token text,
              link_expires_at timestamptz,
              bank_name text,
              institution_id text,
              account_id text,
              account_mask text,
              account_name text,
              account_subtype text,
              last_error jsonb,
              created_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL,
              stream_revision bigint NOT NULL)`,
    },
    {
      // Every link token ever issued, so a provider webhook (which names only the link token) finds its user,
      // including late webhooks for superseded tokens.
      id: '002-link-sessions',
      sql: `CREATE TABLE IF NOT EXISTS link_sessions (
              link_token text PRIMARY KEY,
              user_id text NOT NULL,
              link_id uuid NOT NULL,
              requested_at timestamptz NOT NULL)`,
    },
  ],
  async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as BankLinkEvent;
    const at = occurredAt(recorded);
    const revision = recorded.revision.toString();
    switch (event.type) {
      case 'BankLinkRequested': {
        const d = event.data;
        await client.query(
          `INSERT INTO bank_links (user_id, link_id, status, link_url, link_token, link_expires_at, created_at, updated_at, stream_revision)
           VALUES ($1, $2, 'PENDING', $3, $4, $5, $6, $6, $7)
           ON CONFLICT (user_id) DO UPDATE SET
             link_id = EXCLUDED.link_id, status = 'PENDING', link_url = EXCLUDED.link_url, link_token = EXCLUDED.link_token,
             link_expires_at = EXCLUDED.link_expires_at, bank_name = NULL, institution_id = NULL, account_id = NULL,
             account_mask = NULL, account_name = NULL, account_subtype = NULL, last_error = NULL,
             created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, stream_revision = EXCLUDED.stream_revision
           WHERE bank_links.stream_revision < EXCLUDED.stream_revision`,
          [d.user_id, d.link_id, d.link_url, d.link_token, d.expires_at, at, revision],
        );
        await client.query(
          `INSERT INTO link_sessions (link_token, user_id, link_id, requested_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (link_token) DO NOTHING`,
          [d.link_token, d.user_id, d.link_id, at],
        );
        return;
      }
      case 'BankLinkActivated': {
        const d = event.data;
        await client.query(
          `UPDATE bank_links SET status = 'ACTIVE', bank_name = $2, institution_id = $3, account_id = $4, account_mask = $5,
                  account_name = $6, account_subtype = $7, last_error = NULL, updated_at = $8, stream_revision = $9
            WHERE user_id = $1 AND stream_revision < $9`,
          [d.user_id, d.bank_name, d.institution_id, d.account_id, d.mask, d.account_name, d.account_subtype, at, revision],
        );
        return;
      }
      case 'BankLinkFailed':
        await client.query(
          `UPDATE bank_links SET status = 'ERROR', last_error = $2, updated_at = $3, stream_revision = $4
            WHERE user_id = $1 AND stream_revision < $4`,
          [event.data.user_id, JSON.stringify(event.data.last_error), at, revision],
        );
        return;
      case 'BankLinkUnlinked':
        await client.query(
          `UPDATE bank_links SET status = 'UNLINKED', link_url = NULL, link_token = NULL, updated_at = $2, stream_revision = $3
            WHERE user_id = $1 AND stream_revision < $3`,
          [event.data.user_id, at, revision],
        );
        return;
      default:
        return;
    }
  },
};

export interface BankLinkView {
  uuid: string;
  status: 'PENDING' | 'ACTIVE' | 'ERROR' | 'UNLINKED';
  bank_name: string | null;
  account_mask: string | null;
  account_name: string | null;
  account_subtype: string | null;
  lastError: { error_code: string; error_message: string } | null;
  created_at: string;
  updated_at: string;
}

/** The user's current link; UNLINKED counts as none. */
export async function findBankLink(db: Pick<PoolClient, 'query'>, userId: string): Promise<BankLinkView | undefined> {
  const { rows } = await db.query(`SELECT * FROM bank_links WHERE user_id = $1 AND status <> 'UNLINKED'`, [userId]);
  const r = rows[0];
  if (!r) return undefined;
  return {
    uuid: r.link_id,
    status: r.status,
    bank_name: r.bank_name,
    account_mask: r.account_mask,
    account_name: r.account_name,
    account_subtype: r.account_subtype,
    lastError: r.last_error,
    created_at: (r.created_at as Date).toISOString(),
    updated_at: (r.updated_at as Date).toISOString(),
  };
}

/** Which user a provider link token was issued for (undefined until the projection has seen the request). */
export async function findLinkSession(db: Pick<PoolClient, 'query'>, linkToken: string): Promise<{ user_id: string; link_id: string } | undefined> {
  const { rows } = await db.query('SELECT user_id, link_id FROM link_sessions WHERE link_token = $1', [linkToken]);
  return rows[0];
}
