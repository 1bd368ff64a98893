/**
 * The end-of-run ledger check (issue 4: "`ledger verify` passes after the whole e2e suite"): in every database of the
 * run that holds the ledger read models, the ledger and balance projections are first brought up to the last event
 * (a service closed by its test may have stopped them a few events short), then `verifyLedger` must find every
 * ledger transaction summing to zero per currency and every account balance equal to its entries. Tests that break
 * a ledger on purpose repair it before they end (by a rebuild).
 *
 * Jest loads its global teardown without the path aliases, so the teardown runs this file as a child process
 * (`node -r @swc-node/register`, which reads tsconfig's paths) through runLedgerCheck (run-ledger-check.ts).
 */
import { Pool } from 'pg';
import { PostgresEventStore } from '@payments/event-store';
import { accountBalancesProjection, ledgerProjection, ProjectionRunner, verifyLedger } from '@payments/read-models';
import { withClient, withDatabase } from './postgres';

import type { LedgerCheckResult } from './run-ledger-check';

const CATCH_UP_TIMEOUT_MS = 30_000;

export async function checkRunLedgers(adminUrl: string, databasePrefix: string): Promise<LedgerCheckResult> {
  const databases = await withClient(adminUrl, async (client) =>
    (await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname', [databasePrefix])).rows.map(
      (r) => r.datname,
    ),
  );
  const result: LedgerCheckResult = { verified: [], problems: [] };
  for (const database of databases) {
    const pool = new Pool({ connectionString: withDatabase(adminUrl, database), max: 3 });
    try {
      const { rows } = await pool.query<{ ready: boolean }>(
        `SELECT to_regclass('public.events') IS NOT NULL AND to_regclass('public.ledger_transactions') IS NOT NULL
            AND to_regclass('public.account_balances') IS NOT NULL AND to_regclass('public.projection_checkpoints') IS NOT NULL AS ready`,
      );
      if (!rows[0]?.ready) continue;
      await catchUp(pool);
      const client = await pool.connect();
      try {
        const report = await verifyLedger(client);
        result.verified.push(database);
        for (const t of report.unbalanced) result.problems.push(`${database}: UNBALANCED transaction ${t.transaction_id}: ${t.currency} entries sum to ${t.sum_minor}`);
        for (const m of report.mismatched) {
          result.problems.push(`${database}: MISMATCH account ${m.account_uuid}: ${m.balance} balance ${m.balance_minor}, ledger entries say ${m.entries_minor}`);
        }
      } finally {
        client.release();
      }
    } catch (error) {
      result.problems.push(`${database}: ledger check could not run: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      await pool.end().catch(() => undefined);
    }
  }
  return result;
}

/** Runs the ledger and balance projections from their checkpoints up to the last event of the database. */
async function catchUp(pool: Pool): Promise<void> {
  const { rows } = await pool.query<{ commit: string; prepare: string }>(
    'SELECT tx_id::text AS commit, global_position::text AS prepare FROM events ORDER BY tx_id DESC, global_position DESC LIMIT 1',
  );
  if (rows.length === 0) return;
  const store = new PostgresEventStore({ pool, notifyOnAppend: false, pollIntervalMs: 50 });
  const runner = new ProjectionRunner(store, pool, [ledgerProjection, accountBalancesProjection], { retryDelayMs: 100 });
  try {
    await runner.start();
    await runner.waitFor({ commit: BigInt(rows[0].commit), prepare: BigInt(rows[0].prepare) }, CATCH_UP_TIMEOUT_MS);
  } finally {
    await runner.stop();
    await store.close();
  }
}

if (require.main === module) {
  const [adminUrl, databasePrefix] = process.argv.slice(2);
  checkRunLedgers(adminUrl, databasePrefix).then(
    (result) => {
      process.stdout.write(`${JSON.stringify(result)}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
