import { PoolClient } from 'pg';

/** A ledger transaction whose entries do not sum to zero in a currency (sum: credits − debits, minor units). */
export interface UnbalancedTransaction {
  transaction_id: string;
  currency: string;
  sum_minor: bigint;
}

/** An account whose projected balance differs from the sum of its ledger entries. */
export interface BalanceMismatch {
  account_uuid: string;
  balance: 'posted' | 'pending' | 'available';
  /** account_balances' figure. */
  balance_minor: bigint;
  /** The same figure from the ledger entries. */
  entries_minor: bigint;
}

export interface LedgerVerification {
  transactions: number;
  entries: number;
  accounts: number;
  unbalanced: UnbalancedTransaction[];
  mismatched: BalanceMismatch[];
  ok: boolean;
}

/**
 * Checks the double-entry invariants over the read models: every ledger transaction sums to zero per currency (and
 * has entries), and every account's posted, pending and available balance equals what its ledger accounts add up to
 * (posted = user:posted; pending = user:pending + user:holds; available = user:posted + user:holds, in credits −
 * debits). Reads one snapshot (REPEATABLE READ), so a projection writing meanwhile cannot produce a false alarm.
 */
export async function verifyLedger(client: Pick<PoolClient, 'query'>): Promise<LedgerVerification> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    const counts = await client.query<{ transactions: string; entries: string; accounts: string }>(
      `SELECT (SELECT count(*) FROM ledger_transactions) AS transactions, (SELECT count(*) FROM ledger_entries) AS entries,
              (SELECT count(*) FROM account_balances) AS accounts`,
    );
    const unbalanced = await client.query<{ transaction_id: string; currency: string; sum_minor: string }>(
      `SELECT t.transaction_id, COALESCE(e.currency, t.currency) AS currency,
              COALESCE(sum(CASE e.direction WHEN 'CREDIT' THEN e.amount_minor ELSE -e.amount_minor END), 0) AS sum_minor
         FROM ledger_transactions t LEFT JOIN ledger_entries e ON e.transaction_id = t.transaction_id
        GROUP BY t.transaction_id, COALESCE(e.currency, t.currency)
       HAVING count(e.transaction_id) = 0 OR sum(CASE e.direction WHEN 'CREDIT' THEN e.amount_minor ELSE -e.amount_minor END) <> 0
        ORDER BY t.transaction_id`,
    );
    const balances = await client.query<{ account_uuid: string; posted: string; pending: string; available: string; e_posted: string; e_pending: string; e_available: string }>(
      `WITH sums AS (
         SELECT la.account_uuid,
                sum(CASE WHEN la.kind = 'USER_POSTED' THEN s ELSE 0 END) AS posted,
                sum(CASE WHEN la.kind = 'USER_PENDING' THEN s ELSE 0 END) AS pending,
                sum(CASE WHEN la.kind = 'USER_HOLDS' THEN s ELSE 0 END) AS holds
           FROM (SELECT ledger_account, CASE direction WHEN 'CREDIT' THEN amount_minor ELSE -amount_minor END AS s FROM ledger_entries) e
           JOIN ledger_accounts la ON la.code = e.ledger_account
          WHERE la.account_uuid IS NOT NULL
          GROUP BY la.account_uuid)
       SELECT COALESCE(b.account_uuid, s.account_uuid) AS account_uuid,
              COALESCE(b.posted_minor, 0) AS posted, COALESCE(b.pending_minor, 0) AS pending, COALESCE(b.available_minor, 0) AS available,
              COALESCE(s.posted, 0) AS e_posted, COALESCE(s.pending + s.holds, 0) AS e_pending, COALESCE(s.posted + s.holds, 0) AS e_available
         FROM account_balances b FULL JOIN sums s ON s.account_uuid = b.account_uuid
        ORDER BY 1`,
    );
    const mismatched: BalanceMismatch[] = [];
    for (const row of balances.rows) {
      for (const [balance, mine, theirs] of [
        ['posted', row.posted, row.e_posted],
        ['pending', row.pending, row.e_pending],
        ['available', row.available, row.e_available],
      ] as const) {
        if (BigInt(mine) !== BigInt(theirs)) mismatched.push({ account_uuid: row.account_uuid, balance, balance_minor: BigInt(mine), entries_minor: BigInt(theirs) });
      }
    }
    const assets = await verifyAssetLedger(client);
    const result = {
      transactions: Number(counts.rows[0].transactions),
      entries: Number(counts.rows[0].entries),
      accounts: Number(counts.rows[0].accounts),
      unbalanced: [...unbalanced.rows.map((r) => ({ transaction_id: r.transaction_id, currency: r.currency, sum_minor: BigInt(r.sum_minor) })), ...assets.unbalanced],
      mismatched: [...mismatched, ...assets.mismatched],
    };
    return { ...result, ok: result.unbalanced.length === 0 && result.mismatched.length === 0 };
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
  }
}

/**
 * The funding-asset ledger (issue 5), when its tables exist: every transaction sums to zero in its unit (the asset
 * symbol), and each user's asset balance, held and available equal their ledger accounts (balance = balance account;
 * available = balance + holds). Mismatches are reported with `account_uuid` = `asset:{user}:{SYMBOL}`.
 */
async function verifyAssetLedger(client: Pick<PoolClient, 'query'>): Promise<{ unbalanced: UnbalancedTransaction[]; mismatched: BalanceMismatch[] }> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('asset_ledger_entries')::text AS t");
  if (!exists.rows[0]?.t) return { unbalanced: [], mismatched: [] };
  const unbalanced = await client.query<{ transaction_id: string; unit: string; sum: string }>(
    `SELECT t.transaction_id, t.unit, COALESCE(sum(CASE e.direction WHEN 'CREDIT' THEN e.amount ELSE -e.amount END), 0)::text AS sum
       FROM asset_ledger_transactions t LEFT JOIN asset_ledger_entries e ON e.transaction_id = t.transaction_id
      GROUP BY t.transaction_id, t.unit
     HAVING count(e.transaction_id) = 0 OR sum(CASE e.direction WHEN 'CREDIT' THEN e.amount ELSE -e.amount END) <> 0
      ORDER BY t.transaction_id`,
  );
  const balances = await client.query<{ user_id: string; unit: string; balance: string; available: string; e_balance: string; e_available: string }>(
    `WITH sums AS (
       SELECT la.user_id, la.unit,
              sum(CASE WHEN la.kind = 'ASSET_BALANCE' THEN s ELSE 0 END) AS balance,
              sum(CASE WHEN la.kind = 'ASSET_HOLDS' THEN s ELSE 0 END) AS holds
         FROM (SELECT ledger_account, CASE direction WHEN 'CREDIT' THEN amount ELSE -amount END AS s FROM asset_ledger_entries) e
         JOIN asset_ledger_accounts la ON la.code = e.ledger_account
        WHERE la.user_id IS NOT NULL
        GROUP BY la.user_id, la.unit)
     SELECT COALESCE(b.user_id, s.user_id) AS user_id, COALESCE(b.unit, s.unit) AS unit,
            COALESCE(b.balance, 0)::text AS balance, COALESCE(b.available, 0)::text AS available,
            COALESCE(s.balance, 0)::text AS e_balance, COALESCE(s.balance + s.holds, 0)::text AS e_available
       FROM asset_balances b FULL JOIN sums s ON s.user_id = b.user_id AND s.unit = b.unit
      ORDER BY 1, 2`,
  );
  const mismatched: BalanceMismatch[] = [];
  for (const row of balances.rows) {
    for (const [balance, mine, theirs] of [
      ['posted', row.balance, row.e_balance],
      ['available', row.available, row.e_available],
    ] as const) {
      if (BigInt(mine) !== BigInt(theirs)) mismatched.push({ account_uuid: `asset:${row.user_id}:${row.unit}`, balance, balance_minor: BigInt(mine), entries_minor: BigInt(theirs) });
    }
  }
  return { unbalanced: unbalanced.rows.map((r) => ({ transaction_id: r.transaction_id, currency: r.unit, sum_minor: BigInt(r.sum) })), mismatched };
}
