import { PoolClient } from 'pg';
import { RecipientEvent, RecipientIndexEvent, SEALED_ACCOUNT_FIELDS, SealedRecipientAccount, SealedValue } from '@payments/domain';
import { RecordedEvent } from '@payments/event-store';
import { occurredAt, Projection } from '../projections/projection';

/**
 * The user's saved recipients (backs `GET /user/bank-account/remote[/{uuid}]`): one row per recipient from its
 * `recipient-{id}` stream, with the default flag from the user's `recipients-{userId}` index.
 *
 * `account` is the sealed account from the event: account numbers, IBANs, routing numbers and sort codes are
 * AES-256-GCM ciphertext with their last 4 for display; nothing here holds them in plaintext. `fingerprint` is the
 * keyed HMAC used for duplicate detection.
 *
 * The index is written before the recipient's own stream (see recipient-index.decider.ts), so a recipient's
 * DefaultRecipientChanged can arrive before its RecipientAdded: `recipient_defaults` keeps each user's pointer and
 * RecipientAdded reads it.
 */
export const recipientsProjection: Projection = {
  name: 'recipients',
  tables: ['recipients', 'recipient_defaults'],
  filter: { streamPrefixes: ['recipient-', 'recipients-'] },
  migrations: [
    {
      id: '001-recipients',
      sql: `CREATE TABLE IF NOT EXISTS recipients (
              recipient_id uuid PRIMARY KEY,
              user_id text NOT NULL,
              account_name text NOT NULL,
              currency text NOT NULL,
              transfer_method text NOT NULL,
              account jsonb NOT NULL,
              fingerprint text NOT NULL,
              is_default boolean NOT NULL DEFAULT false,
              status text NOT NULL,
              created_at timestamptz NOT NULL,
              updated_at timestamptz NOT NULL,
              deleted_at timestamptz,
              stream_revision bigint NOT NULL);
            CREATE INDEX IF NOT EXISTS recipients_user_idx ON recipients (user_id, created_at, recipient_id);
            CREATE TABLE IF NOT EXISTS recipient_defaults (
              user_id text PRIMARY KEY,
              recipient_id uuid,
              index_revision bigint NOT NULL)`,
    },
  ],
  async apply(client: PoolClient, recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as RecipientEvent | RecipientIndexEvent;
    const revision = recorded.revision.toString();
    switch (event.type) {
      case 'RecipientAdded': {
        const d = event.data;
        await client.query(
          `INSERT INTO recipients (recipient_id, user_id, account_name, currency, transfer_method, account, fingerprint, is_default, status,
                                   created_at, updated_at, stream_revision)
           VALUES ($1, $2, $3, $4, $5, $6, $7,
                   EXISTS (SELECT 1 FROM recipient_defaults WHERE user_id = $2 AND recipient_id = $1), 'ACTIVE', $8, $8, $9)
           ON CONFLICT (recipient_id) DO NOTHING`,
          [d.recipient_id, d.user_id, d.account_name, d.account.currency, d.account.transfer_method, JSON.stringify(d.account), d.fingerprint, d.added_at, revision],
        );
        return;
      }
      case 'RecipientRemoved':
        await client.query(
          `UPDATE recipients SET status = 'DELETED', is_default = false, deleted_at = $2, updated_at = $2, stream_revision = $3
            WHERE recipient_id = $1 AND stream_revision < $3`,
          [event.data.recipient_id, event.data.removed_at, revision],
        );
        return;
      case 'DefaultRecipientChanged': {
        const { user_id, recipient_id } = event.data;
        const moved = await client.query(
          `INSERT INTO recipient_defaults (user_id, recipient_id, index_revision) VALUES ($1, $2, $3)
           ON CONFLICT (user_id) DO UPDATE SET recipient_id = EXCLUDED.recipient_id, index_revision = EXCLUDED.index_revision
            WHERE recipient_defaults.index_revision < EXCLUDED.index_revision`,
          [user_id, recipient_id, revision],
        );
        if ((moved.rowCount ?? 0) === 0) return;
        await client.query(
          `UPDATE recipients SET is_default = COALESCE(recipient_id = $2::uuid, false), updated_at = $3
            WHERE user_id = $1 AND status = 'ACTIVE' AND (is_default OR recipient_id = $2::uuid)`,
          [user_id, recipient_id, occurredAt(recorded)],
        );
        return;
      }
      case 'RecipientRegistered':
      case 'RecipientReleased':
        return;
      default:
        return;
    }
  },
};

/** `account_details` as responses show it: the seed's fields, every sealed value as "****" + its last 4. */
export type RecipientAccountDetailsView = { currency: string; transfer_method: string } & Record<string, string>;

export interface RecipientView {
  uuid: string;
  account_name: string;
  /** The user's default recipient for payouts (the seed's field). */
  main_recipient: boolean;
  status: 'ACTIVE';
  account_details: RecipientAccountDetailsView;
  created_at: string;
}

const isSealed = (field: string, value: unknown): value is SealedValue =>
  (SEALED_ACCOUNT_FIELDS as readonly string[]).includes(field) && typeof value === 'object' && value !== null;

/** The display form of a sealed account: last 4 behind a mask, never a ciphertext. */
export function recipientAccountDetailsView(account: SealedRecipientAccount): RecipientAccountDetailsView {
  const view: Record<string, string> = {};
  for (const [field, value] of Object.entries(account)) {
    if (value === undefined) continue;
    view[field] = isSealed(field, value) ? `****${value.last4}` : String(value);
  }
  return view as RecipientAccountDetailsView;
}

export interface RecipientRecord {
  recipient_id: string;
  account_name: string;
  account: SealedRecipientAccount;
  is_default: boolean;
  created_at: Date;
}

/** One view for every response (create, get, list, set default), from a row or from the aggregate's state. */
export function toRecipientView(r: RecipientRecord): RecipientView {
  return {
    uuid: r.recipient_id,
    account_name: r.account_name,
    main_recipient: r.is_default,
    status: 'ACTIVE',
    account_details: recipientAccountDetailsView(r.account),
    created_at: r.created_at.toISOString(),
  };
}

const ACTIVE_COLUMNS = 'recipient_id, account_name, account, is_default, created_at';

/** One of the user's active recipients; another user's or a deleted one is undefined (answer 404). */
export async function findRecipient(db: Pick<PoolClient, 'query'>, userId: string, recipientId: string): Promise<RecipientView | undefined> {
  const { rows } = await db.query<RecipientRecord>(
    `SELECT ${ACTIVE_COLUMNS} FROM recipients WHERE recipient_id = $1 AND user_id = $2 AND status = 'ACTIVE'`,
    [recipientId, userId],
  );
  return rows[0] ? toRecipientView(rows[0]) : undefined;
}

/** The user's active recipients, oldest first. */
export async function listRecipients(db: Pick<PoolClient, 'query'>, userId: string): Promise<RecipientView[]> {
  const { rows } = await db.query<RecipientRecord>(
    `SELECT ${ACTIVE_COLUMNS} FROM recipients WHERE user_id = $1 AND status = 'ACTIVE' ORDER BY created_at, recipient_id`,
    [userId],
  );
  return rows.map(toRecipientView);
}
