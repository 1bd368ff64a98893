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

  it('rebuilds every projection from position 0 to the same rows, and creates API keys that work', async () => {
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
      await db.query('DELETE FROM customers'); // a read model lost its rows; the events are intact
      const output = await ops('rebuild', 'all');
      expect(output).toMatch(/rebuilt customers: 4 events applied of \d+ read/);
      expect(output).toMatch(/rebuilt bank-links: 0 events applied/);
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
