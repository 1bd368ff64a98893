import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../../test/support/service-harness';

const ROOT = resolve(__dirname, '../../..');

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Runs `apps/embedded/src/main.ts` the way `npm start` runs its build, as a separate process. */
function startEmbedded(env: Record<string, string>): Running {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/embedded/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', KAFKA_BROKERS: '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, output: () => output, exited };
}

async function waitForBanner(running: Running, timeoutMs = 90_000): Promise<{ url: string; appKey: string }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = running.output();
    const url = /API:\s+(http:\/\/\S+)/.exec(text)?.[1];
    const appKey = /API key \(app\):\s+(\S+)/.exec(text)?.[1];
    if (url && appKey) return { url, appKey };
    if (running.child.exitCode !== null) throw new Error(`embedded mode exited early:\n${text}`);
    if (Date.now() > deadline) throw new Error(`no banner within ${timeoutMs} ms:\n${text}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('embedded mode (npm start): one process, embedded Postgres, survives a restart', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'payments-embedded-'));
  // As root, Postgres runs as the postgres OS user, which must be able to enter the folder (not write to it).
  chmodSync(dataDir, 0o755);
  let running: Running | undefined;

  afterAll(async () => {
    if (running && running.child.exitCode === null) {
      running.child.kill('SIGINT');
      await running.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('serves the API, stops its Postgres on SIGINT, and keeps data and keys across a restart', async () => {
    const env = { DATA_DIR: dataDir, PORT: String(await freePort()), PROVIDER_SANDBOX_PORT: String(await freePort()) };
    running = startEmbedded(env);
    const first = await waitForBanner(running);
    expect((await fetch(`${first.url}/health/ready`)).status).toBe(200);
    const created = await fetch(`${first.url}/user/linked-bank-account/profile`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.appKey}`, 'x-user-id': 'restart-user', 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'individual', first_name: 'Re', last_name: 'Start' }),
    });
    expect(created.status).toBe(201);

    running.child.kill('SIGINT');
    expect(await running.exited).toBe(0);
    // The embedded Postgres was stopped too: its lock file is gone.
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);

    running = startEmbedded(env);
    const second = await waitForBanner(running);
    expect(second.appKey).toBe(first.appKey);
    const user = await fetch(`${second.url}/user`, { headers: { authorization: `Bearer ${second.appKey}`, 'x-user-id': 'restart-user' } });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ user_id: 'restart-user', status: 'PENDING_KYC' });

    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    expect(existsSync(join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 240_000);
});
