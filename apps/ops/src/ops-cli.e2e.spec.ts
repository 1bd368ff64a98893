import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { ServiceHarness, startService } from '../../../test/support/service-harness';

const ROOT = resolve(__dirname, '../../..');

describe('ops CLI against a running service database', () => {
  let service: ServiceHarness;
  const dataDir = mkdtempSync(join(tmpdir(), 'payments-ops-'));

  beforeAll(async () => {
    service = await startService('ops-cli', { kafka: false });
  });
  afterAll(async () => {
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ops = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'apps/ops/src/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: service.databaseUrl, DATA_DIR: dataDir, KAFKA_BROKERS: '', LOG_LEVEL: 'warn' },
      timeout: 120_000,
    });
    return stdout;
  };

  it('rebuilds every projection from position 0 in shadow tables, reports drift and swaps to the same rows, and creates API keys that work', async () => {
    for (const userId of ['o1', 'o2', 'o3']) {
      await service.request('POST', '/user/linked-bank-account/profile', { userId, body: { type: 'individual', first_name: 'O', last_name: userId } });
    }
    await service.request('PUT', '/ops/users/o2/kyc', { key: service.opsKey, body: { kyc_status: 'approved' } });
    await service.eventually(async () => (await service.request<{ status: string }>('GET', '/user', { userId: 'o2' })).body.status === 'FULL_USER');

    const db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    try {
      const snapshot = async () => (await db.query('SELECT * FROM customers ORDER BY user_id')).rows;
      const before = await snapshot();
      await db.query("DELETE FROM customers WHERE user_id <> 'o1'"); // a read model lost rows; the events are intact
      await db.query("UPDATE customers SET first_name = 'Tampered' WHERE user_id = 'o1'");
      // A dry run reports the drift (2 rows missing, 1 changed, with their keys) and changes nothing.
      const dryRun = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'apps/ops/src/main.ts', 'rebuild', 'customers', '--dry-run'], {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: service.databaseUrl, DATA_DIR: dataDir, KAFKA_BROKERS: '', LOG_LEVEL: 'warn' },
      }).catch((error: { code: number; stdout: string }) => error);
      expect('code' in dryRun ? dryRun.code : 0).toBe(3);
      expect(dryRun.stdout).toMatch(/customers: live 1 rows, rebuilt 3; missing in live 2, extra in live 0, changed 1; e\.g\. .*"user_id":"o2"/);
      expect(dryRun.stdout).toContain('dry run: live tables unchanged');
      expect((await snapshot()).length).toBe(1);
      const output = await ops('rebuild', 'all');
      expect(output).toMatch(/rebuilt customers: 4 events applied of \d+ read/);
      expect(output).toMatch(/drift: 3 rows, live tables corrected by the swap/);
      expect(output).toMatch(/rebuilt bank-links: 0 events applied/);
      expect(await snapshot()).toEqual(before);
      // Nothing left to correct, and no shadow schema left behind.
      expect(await ops('rebuild', 'customers')).toMatch(/drift: 0 rows, swapped\n {2}customers: live 3 rows, rebuilt 3; no drift/);
      expect((await db.query("SELECT 1 FROM information_schema.schemata WHERE schema_name LIKE 'shadow\\_%'")).rowCount).toBe(0);
      expect(await ops('rebuild', 'customers', '--in-place')).toMatch(/rebuilt customers in place: 4 events applied/);
      expect(await snapshot()).toEqual(before);
    } finally {
      await db.end();
    }

    const created = JSON.parse((await ops('create-api-key', '--name', 'partner', '--scope', 'app')).trim()) as { key: string; scope: string };
    expect(created.scope).toBe('app');
    const withNewKey = await service.request('GET', '/user', { userId: 'o1', key: created.key });
    expect(withNewKey.status).toBe(200);
  }, 180_000);
});
