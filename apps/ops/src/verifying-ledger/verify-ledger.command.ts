import { Inject } from '@nestjs/common';
import { Command, CommandRunner, SubCommand } from 'nest-commander';
import { Pool } from 'pg';
import { migrateProjections, PG_POOL, projectionByName, verifyLedger } from '@payments/read-models';

/**
 * `ops ledger verify`: every ledger transaction sums to zero per currency, and every account's posted, pending and
 * available balance equals the sum of its ledger entries. Prints OK with counts, or each broken transaction and
 * account, and exits 1.
 */
@SubCommand({ name: 'verify', description: 'check that every ledger transaction balances and every account balance equals its entries' })
export class VerifyLedgerCommand extends CommandRunner {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {
    super();
  }

  async run(): Promise<void> {
    // A database the worker never ran on has no ledger tables yet: an empty ledger, which verifies.
    await migrateProjections(this.pool, ['ledger', 'account-balances'].map((name) => projectionByName(name)).filter((p) => p !== undefined));
    const client = await this.pool.connect();
    try {
      const report = await verifyLedger(client);
      const counts = `${report.transactions} transactions, ${report.entries} entries, ${report.accounts} accounts`;
      if (report.ok) {
        console.log(`ledger OK: ${counts}`);
        return;
      }
      for (const t of report.unbalanced) {
        console.log(`UNBALANCED transaction ${t.transaction_id}: ${t.currency} entries sum to ${t.sum_minor} minor units, not 0`);
      }
      for (const m of report.mismatched) {
        console.log(`MISMATCH account ${m.account_uuid}: ${m.balance} balance ${m.balance_minor} minor units, ledger entries say ${m.entries_minor}`);
      }
      console.log(`ledger BROKEN: ${report.unbalanced.length} unbalanced transactions, ${report.mismatched.length} balance mismatches (${counts})`);
      process.exitCode = 1;
    } finally {
      client.release();
    }
  }
}

/** `ops ledger <subcommand>`. */
@Command({ name: 'ledger', description: 'double-entry ledger checks', subCommands: [VerifyLedgerCommand] })
export class LedgerCommand extends CommandRunner {
  async run(): Promise<void> {
    console.error('usage: ledger verify');
    process.exitCode = 2;
  }
}
