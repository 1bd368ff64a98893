/**
 * The leak check against a real database and a real pg_dump: a number planted in a row is found and its table named.
 * (The planted number is not recorded for the run, so the run's own leak check in the teardown does not trip on it.)
 */
import { Client } from 'pg';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createIsolatedDatabase } from '../support/database';
import { checkRunForLeaks, dumpDatabase, findPgDump, scanDump } from './leak-check';
import { databaseName, runDatabasePrefix } from './postgres';
import { RecordedNumber, appendRecordedNumber } from './run-files';

describe('leak check over pg_dump', () => {
  const planted: RecordedNumber = { kind: 'account_number', value: '583920174466' };
  let url: string;

  beforeAll(async () => {
    url = await createIsolatedDatabase('leak_check');
    const db = new Client({ connectionString: url });
    await db.connect();
    try {
      await db.query('CREATE TABLE planted_rows (id int PRIMARY KEY, note jsonb NOT NULL)');
      await db.query(`INSERT INTO planted_rows VALUES (1, '{"last4": "4466"}'), (2, $1::jsonb)`, [JSON.stringify({ account_number: planted.value })]);
    } finally {
      await db.end();
    }
  });

  it('finds a number planted in a row of a real database, naming the database and the table', async () => {
    const dump = await dumpDatabase(findPgDump(), url);
    expect(dump).toContain('COPY public.planted_rows');
    const findings = scanDump(databaseName(url), dump, [planted]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'account_number', masked: '****4466', where: expect.stringMatching(new RegExp(`^database ${databaseName(url)}, table public\\.planted_rows, dump line \\d+$`)) });
    expect(scanDump(databaseName(url), dump, [{ kind: 'account_number', value: '583920174467' }])).toEqual([]);
  });

  it('checks every database of the run and the run log files given a run directory', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'leak-check-int-'));
    try {
      appendRecordedNumber(runDir, planted);
      mkdirSync(join(runDir, 'logs'));
      writeFileSync(join(runDir, 'logs', 'service-1.log'), '{"level":"info","msg":"ok"}\n{"level":"warn","note":"583920174466"}\n');
      const result = await checkRunForLeaks({ adminUrl: process.env.TEST_ADMIN_DATABASE_URL ?? '', databasePrefix: runDatabasePrefix(process.env.TEST_RUN_ID ?? ''), runDir });
      expect(result.databases).toContain(databaseName(url));
      expect(result.findings.map((f) => f.where)).toEqual(
        expect.arrayContaining([expect.stringContaining(`database ${databaseName(url)}, table public.planted_rows`), `log ${join(runDir, 'logs', 'service-1.log')}, line 2`]),
      );
      expect(result.findings).toHaveLength(2);
    } finally {
      rmSync(runDir, { recursive: true, force: true });
    }
  });
});
