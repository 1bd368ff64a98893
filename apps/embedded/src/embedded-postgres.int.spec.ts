import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import {
  EmbeddedPostgresAlreadyRunningError,
  startEmbeddedPostgres,
  type EmbeddedPostgres,
} from './embedded-postgres';

jest.setTimeout(120_000);

async function query<T extends Record<string, unknown>>(connectionString: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Live pids whose parent is `pid` (the postmaster's background workers). */
async function childrenOf(pid: number): Promise<number[]> {
  const children: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await fs.readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === pid) children.push(Number(entry));
  }
  return children;
}

async function waitUntilGone(pids: number[]): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    if (alive.length === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`processes still alive: ${pids.join(', ')}`);
}

describe('startEmbeddedPostgres', () => {
  let root: string;
  let dataDir: string;
  const running: EmbeddedPostgres[] = [];

  async function start(): Promise<EmbeddedPostgres> {
    const pg = await startEmbeddedPostgres({ dataDir });
    running.push(pg);
    return pg;
  }

  beforeAll(async () => {
    root = await fs.mkdtemp(path.join(tmpdir(), 'embedded-pg-'));
    // mkdtemp makes a 0700 folder; when the test runs as root the server runs as the `postgres` user,
    // which must be able to enter it.
    await fs.chmod(root, 0o755);
    dataDir = path.join(root, 'data');
  });

  afterAll(async () => {
    await Promise.all(running.map((pg) => pg.stop()));
    await fs.rm(root, { recursive: true, force: true });
  });

  it('keeps data across a stop and a restart from the same folder, on the same port', async () => {
    const first = await start();
    expect(first.connectionString).toMatch(/^postgresql:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/payments$/);
    await query(first.connectionString, 'CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)');
    await query(first.connectionString, "INSERT INTO notes VALUES (1, 'survives a restart')");
    await first.stop();
    await expect(query(first.connectionString, 'SELECT 1')).rejects.toThrow();

    const second = await start();
    expect(second.port).toBe(first.port);
    expect(await query(second.connectionString, 'SELECT id, body FROM notes')).toEqual([
      { id: 1, body: 'survives a restart' },
    ]);
    await second.stop();
  });

  it('refuses a second start on a folder whose server is running, and leaves the first one serving', async () => {
    const first = await start();
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(EmbeddedPostgresAlreadyRunningError);
    await expect(startEmbeddedPostgres({ dataDir })).rejects.toThrow(/already running in .*postgres \(pid \d+, port \d+\)/);
    expect(await query(first.connectionString, 'SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 1 }]);
    await first.stop();
  });

  it('starts after a crash whose postmaster.pid names a pid now used by another program', async () => {
    const before = await start();
    await query(before.connectionString, "INSERT INTO notes VALUES (2, 'committed before the crash')");
    const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
    const lines = (await fs.readFile(pidFile, 'utf8')).split('\n');
    const postmaster = Number(lines[0]);
    const workers = await childrenOf(postmaster);

    // Crash: everything dies at once, as in a container restart or the OOM killer.
    for (const pid of [postmaster, ...workers]) process.kill(pid, 'SIGKILL');
    await waitUntilGone([postmaster, ...workers]);
    // After the restart the old pid belongs to some other program (here: this test process).
    lines[0] = String(process.pid);
    await fs.writeFile(pidFile, lines.join('\n'));

    const after = await start();
    expect(await query(after.connectionString, 'SELECT id FROM notes ORDER BY id')).toEqual([{ id: 1 }, { id: 2 }]);
    await after.stop();
  });
});
