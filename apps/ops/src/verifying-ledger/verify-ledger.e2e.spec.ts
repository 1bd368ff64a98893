import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { AccountCommand, accountDecider, accountStreamId } from '@payments/domain';
import { CommandProcessor, EVENT_STORE, EventStore } from '@payments/event-store';
import { ServiceHarness, projectionsOf, startService } from '../../../../test/support/service-harness';

const ROOT = resolve(__dirname, '../../../..');

/** `ops ledger verify` against a running service's database: OK on a sound ledger, names a corrupted entry's transaction. */
describe('ops ledger verify', () => {
  let service: ServiceHarness;
  let db: Client;
  const dataDir = mkdtempSync(join(tmpdir(), 'payments-ops-ledger-'));

  beforeAll(async () => {
    service = await startService('ops-ledger-verify', { kafka: false });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ops = async (...args: string[]): Promise<{ code: number; stdout: string }> => {
    try {
      const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'apps/ops/src/main.ts', ...args], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: service.databaseUrl, DATA_DIR: dataDir, KAFKA_BROKERS: '', LOG_LEVEL: 'warn' },
        timeout: 120_000,
      });
      return { code: 0, stdout };
    } catch (error) {
      const failed = error as { code?: number; stdout?: string };
      if (typeof failed.code !== 'number') throw error;
      return { code: failed.code, stdout: failed.stdout ?? '' };
    }
  };

  it('passes on the ledger the service wrote, fails naming the transaction whose entry was corrupted, passes after a rebuild', async () => {
    // Money moves on one user's account through the real command path; the worker's projections write the ledger.
    const commands = service.app.get(CommandProcessor);
    const userId = 'verify-user';
    const usd = (amountMinor: bigint) => ({ amountMinor, currency: 'USD' as const });
    const steps: Omit<AccountCommand, 'now'>[] = [
      { type: 'OpenAccount', data: { account_id: '6f0c1b7e-5a0d-4c8e-9d2a-3b4c5d6e7f80', user_id: userId, currency: 'USD', account_type: 'checking', customer: { exists: true, type: 'individual', userStatus: 'FULL_USER' } } },
      { type: 'PostCredit', data: { movement_id: 'pull-1', source: 'ACH_PULL', amount: usd(10000n) } },
      { type: 'PlaceHold', data: { movement_id: 'payout-1', purpose: 'PAYOUT', amount: usd(4000n) } },
      { type: 'CaptureHold', data: { movement_id: 'payout-1' } },
    ];
    let position;
    for (const step of steps) {
      await commands.execute(accountStreamId(userId, 'USD'), accountDecider, { ...step, now: commands.now() } as AccountCommand, { correlationId: 'ops-test', actor: 'test' });
      position = (await service.app.get<EventStore>(EVENT_STORE).readStream(accountStreamId(userId, 'USD'))).at(-1)?.position;
    }
    if (!position) throw new Error('nothing appended');
    await projectionsOf(service).waitFor(position);

    const sound = await ops('ledger', 'verify');
    expect(sound.code).toBe(0);
    expect(sound.stdout).toMatch(/^ledger OK: 4 transactions, 10 entries, 1 accounts$/m);

    const { rows } = await db.query<{ transaction_id: string }>(`SELECT transaction_id FROM ledger_transactions WHERE kind = 'AccountHoldCaptured'`);
    const corrupted = rows[0].transaction_id;
    await db.query('UPDATE ledger_entries SET amount_minor = amount_minor + 1 WHERE transaction_id = $1 AND entry_no = 1', [corrupted]);

    const broken = await ops('ledger', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain(`UNBALANCED transaction ${corrupted}: USD entries sum to -1 minor units, not 0`);
    expect(broken.stdout).toMatch(/MISMATCH account 6f0c1b7e-5a0d-4c8e-9d2a-3b4c5d6e7f80: posted balance 6000 minor units, ledger entries say 5999/);
    expect(broken.stdout).toMatch(/ledger BROKEN: 1 unbalanced transactions/);

    // The events are intact: rebuilding the ledger from position 0 repairs it.
    const rebuilt = await ops('rebuild', 'ledger');
    expect(rebuilt.stdout).toMatch(/rebuilt ledger: 4 events applied/);
    // The rebuild names the corrupted row as drift (by its key) and the swap corrects it.
    expect(rebuilt.stdout).toContain('drift: 1 rows, live tables corrected by the swap');
    expect(rebuilt.stdout).toContain(`ledger_entries: live 10 rows, rebuilt 10; missing in live 0, extra in live 0, changed 1; e.g. {"entry_no":1,"transaction_id":"${corrupted}"}`);
    expect((await ops('ledger', 'verify')).stdout).toMatch(/^ledger OK: 4 transactions, 10 entries, 1 accounts$/m);
  }, 240_000);
});
