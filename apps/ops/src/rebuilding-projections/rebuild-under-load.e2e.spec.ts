/**
 * `ops rebuild ledger` on a live system under load: ACH pulls are requested over HTTP and posted by the provider-sandbox
 * (signed webhooks, real Kafka, the translator, the account process manager, the live projector) the whole time,
 * while a reader polls the ledger tables and the transaction history endpoint. The rebuild (shadow tables, drift,
 * swap) must report zero drift, and the reader must never see an empty or partial ledger: counts never drop, every
 * transaction has entries and balances, in every single read.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client, Pool } from 'pg';
import { EVENT_STORE, EventStore } from '@payments/event-store';
import { PG_POOL, projectionByName, rebuildProjectionInShadow, ShadowRebuildReport } from '@payments/read-models';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';

const ROOT = resolve(__dirname, '../../../..');

interface LedgerRead {
  transactions: number;
  entries: number;
  withoutEntries: number;
  unbalanced: number;
}

describe('rebuild ledger under load (shadow, drift, swap; HTTP, provider-sandbox, Kafka)', () => {
  let service: ServiceHarness;
  let db: Client;
  let pulls: AchPullDriver;
  const users = ['rebuild-load-1', 'rebuild-load-2', 'rebuild-load-3'];
  const dataDir = mkdtempSync(join(tmpdir(), 'payments-ops-rebuild-'));

  beforeAll(async () => {
    service = await startService('rebuild-load', { kafka: true });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    for (const user of users) await pulls.linkBankAccount(user);
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** One statement, so one snapshot: what a reader of the ledger tables sees at one moment. */
  const readLedger = async (reader: Client): Promise<LedgerRead> => {
    const { rows } = await reader.query<{ transactions: string; entries: string; without_entries: string; unbalanced: string }>(
      `SELECT (SELECT count(*) FROM ledger_transactions) AS transactions, (SELECT count(*) FROM ledger_entries) AS entries,
              (SELECT count(*) FROM ledger_transactions t WHERE NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.transaction_id = t.transaction_id)) AS without_entries,
              (SELECT count(*) FROM (SELECT transaction_id FROM ledger_entries GROUP BY transaction_id, currency
                                      HAVING sum(CASE direction WHEN 'CREDIT' THEN amount_minor ELSE -amount_minor END) <> 0) u) AS unbalanced`,
    );
    const r = rows[0];
    return { transactions: Number(r.transactions), entries: Number(r.entries), withoutEntries: Number(r.without_entries), unbalanced: Number(r.unbalanced) };
  };

  it('reports zero drift and readers never see an empty or partial ledger', async () => {
    // Some history first, so there is a ledger to lose.
    for (const user of users) {
      const { uuid, transferId } = await pulls.pendingPull(user, '10.00');
      await pulls.simulate(transferId, 'posted');
      await pulls.waitForStatus(user, uuid, 'SETTLED');
    }

    let stop = false;
    const started: string[] = [];
    // One driver (and database client) per user: each loop queries on its own connection.
    const loadClients = users.map(() => new Client({ connectionString: service.databaseUrl }));
    await Promise.all(loadClients.map((c) => c.connect()));
    const load = users.map(async (user, i) => {
      const pulls = achPullDriver(service, loadClients[i]);
      let n = 0;
      while (!stop) {
        const { uuid, transferId } = await pulls.pendingPull(user, `${11 + i}.${String(n % 100).padStart(2, '0')}`);
        started.push(uuid);
        // Most settle; every fourth comes back after settling (a reversal in the ledger too).
        await pulls.simulate(transferId, 'posted');
        if (n % 4 === 3) {
          await pulls.waitForStatus(user, uuid, 'SETTLED');
          await pulls.simulate(transferId, 'reversed', 'R01');
        }
        n++;
      }
    });

    const reads: LedgerRead[] = [];
    const historyCounts = new Map<string, number[]>(users.map((u) => [u, []]));
    const reader = new Client({ connectionString: service.databaseUrl });
    await reader.connect();
    let readerFailure: Error | undefined;
    const polling = (async () => {
      try {
        while (!stop) {
          reads.push(await readLedger(reader));
          for (const user of users) {
            const response = await service.request<unknown[]>('GET', '/user/ledger/transactions?limit=100', { userId: user });
            expect(response.status).toBe(200);
            historyCounts.get(user)?.push(response.body.length);
          }
        }
      } catch (error) {
        readerFailure = error as Error;
      }
    })();

    const ledger = projectionByName('ledger');
    if (!ledger) throw new Error('no ledger projection');
    const reports: ShadowRebuildReport[] = [];
    let pullsDuringRebuilds = 0;
    try {
      await service.eventually(async () => started.length >= 3, 30_000);
      // In process with small pages (many shadow transactions, a real catch-up at the swap), then through the CLI.
      const before = started.length;
      reports.push(await rebuildProjectionInShadow(service.app.get<EventStore>(EVENT_STORE), service.app.get<Pool>(PG_POOL), ledger, { pageSize: 7 }));
      const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'apps/ops/src/main.ts', 'rebuild', 'ledger', '--json'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: service.databaseUrl, DATA_DIR: dataDir, KAFKA_BROKERS: '', LOG_LEVEL: 'warn' },
        timeout: 120_000,
      });
      reports.push(JSON.parse(stdout.trim()) as ShadowRebuildReport);
      pullsDuringRebuilds = started.length - before;
      // Keep loading a little after the swap: the live projector goes on from the shadow's checkpoint.
      const after = started.length;
      await service.eventually(async () => started.length >= after + 3, 30_000);
    } finally {
      stop = true;
      await Promise.all(load);
      await polling;
      await Promise.all(loadClients.map((c) => c.end()));
      await reader.end();
    }
    if (readerFailure) throw readerFailure;

    // The load really ran while rebuilding, and both rebuilds found the live ledger right.
    expect(pullsDuringRebuilds).toBeGreaterThan(0);
    for (const report of reports) {
      expect(report).toMatchObject({ projection: 'ledger', driftRows: 0, swapped: true });
      expect(report.drift.map((d) => d.table)).toEqual(['ledger_entries', 'ledger_transactions', 'ledger_accounts']);
      expect(report.drift.every((d) => d.liveRows === d.shadowRows && d.liveRows > 0)).toBe(true);
    }

    // Every read was a whole ledger: never empty, never a transaction without entries or out of balance, never fewer rows.
    expect(reads.length).toBeGreaterThan(5);
    for (const [i, read] of reads.entries()) {
      expect(read).toMatchObject({ withoutEntries: 0, unbalanced: 0 });
      expect(read.transactions).toBeGreaterThan(0);
      if (i > 0) {
        expect(read.transactions).toBeGreaterThanOrEqual(reads[i - 1].transactions);
        expect(read.entries).toBeGreaterThanOrEqual(reads[i - 1].entries);
      }
    }
    for (const counts of historyCounts.values()) {
      expect(counts[0]).toBeGreaterThan(0);
      for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]);
    }

    // Once the load is over, the ledger still equals a rebuild (a dry run compares at one position: no lag involved).
    await service.eventually(async () => {
      const { rows } = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ach_pulls WHERE pull_id = ANY($1::uuid[]) AND status NOT IN ('SETTLED', 'RETURNED')`, [started]);
      return Number(rows[0].n) === 0;
    }, 60_000);
    const final = await rebuildProjectionInShadow(service.app.get<EventStore>(EVENT_STORE), service.app.get<Pool>(PG_POOL), ledger, { dryRun: true });
    expect(final).toMatchObject({ driftRows: 0, swapped: false });
  }, 240_000);
});
