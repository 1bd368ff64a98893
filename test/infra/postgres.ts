/**
 * Postgres helpers shared by the jest global setup/teardown and test/support/database.ts.
 * Test-only: real server, admin connection used to create and drop the run's databases.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Every database a test run creates starts with this, then the run id. */
export const DATABASE_PREFIX = 'payments_test_';
const MAX_IDENTIFIER = 63;

export function runDatabasePrefix(runId: string): string {
  return `${DATABASE_PREFIX}${runId}`;
}

/** `YYYYMMDDhhmmss_xxxx` (UTC): sortable, readable, unique enough across parallel runs. */
export function newRunId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return `${stamp}_${randomBytes(2).toString('hex')}`;
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** The URL without its password, for log lines. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable database url>';
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function withClient<T>(url: string, fn: (client: Client) => Promise<T>, connectTimeoutMs = 5000): Promise<T> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs, application_name: 'payments-test-infra' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function answers(url: string): Promise<boolean> {
  try {
    await withClient(url, (c) => c.query('SELECT 1'), 2000);
    return true;
  } catch {
    return false;
  }
}

/** Starts the machine's local cluster(s) the Debian way (`pg_ctlcluster ... main start`). */
export async function startLocalPostgres(): Promise<string> {
  const root = '/etc/postgresql';
  if (!existsSync(root)) {
    throw new Error(
      'Postgres does not answer at 127.0.0.1:5432 and no local cluster exists under /etc/postgresql. ' +
        'Start one, or set DATABASE_URL to a server the tests may create databases on.',
    );
  }
  const versions = readdirSync(root).filter((v) => existsSync(`${root}/${v}/main`));
  const outputs: string[] = [];
  for (const version of versions) {
    outputs.push(
      await new Promise<string>((resolve) => {
        execFile('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], (error, stdout, stderr) =>
          resolve(`${version}/main: ${error ? `exit ${error.code ?? '?'} ` : 'started '}${stdout}${stderr}`.trim()),
        );
      }),
    );
  }
  return outputs.join('; ');
}

export async function waitUntilAnswers(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await answers(url)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`Postgres at ${redactUrl(url)} did not answer within ${timeoutMs} ms`);
}

/** `<prefix>_<label>_<random>`, cut to Postgres' 63-byte identifier limit. */
export function isolatedDatabaseName(prefix: string, label: string): string {
  const suffix = randomBytes(3).toString('hex');
  const room = MAX_IDENTIFIER - prefix.length - suffix.length - 2;
  const cleanLabel = label
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, Math.max(0, room));
  return cleanLabel ? `${prefix}_${cleanLabel}_${suffix}` : `${prefix}_${suffix}`;
}

export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  if (name.length > MAX_IDENTIFIER) throw new Error(`database name longer than ${MAX_IDENTIFIER}: ${name}`);
  await withClient(adminUrl, (c) => c.query(`CREATE DATABASE ${quoteIdent(name)}`));
  return withDatabase(adminUrl, name);
}

/** Drops every database whose name starts with `prefix` (open connections are ended). Returns the names. */
export async function dropDatabasesWithPrefix(adminUrl: string, prefix: string): Promise<string[]> {
  return withClient(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY datname',
      [prefix],
    );
    await dropAll(c, rows.map((r) => r.datname));
    return rows.map((r) => r.datname);
  });
}

/**
 * Databases of earlier runs that never reached their teardown (Ctrl-C, killed jest) and are older
 * than `maxAgeHours`, judged by the UTC time stamp in their name.
 */
export async function dropAbandonedRunDatabases(adminUrl: string, maxAgeHours: number, now = new Date()): Promise<string[]> {
  const cutoff = new Date(now.getTime() - maxAgeHours * 3600_000).toISOString().replace(/[-:T]/g, '').slice(0, 14);
  return withClient(adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname ~ '^payments_test_[0-9]{14}_' AND substr(datname, 15, 14) < $1`,
      [cutoff],
    );
    await dropAll(c, rows.map((r) => r.datname));
    return rows.map((r) => r.datname);
  });
}

async function dropAll(c: Client, names: string[]): Promise<void> {
  if (names.length === 0) return;
  const { rows } = await c.query<{ v: string }>('SHOW server_version_num');
  const force = Number(rows[0]?.v ?? 0) >= 130000;
  for (const name of names) {
    if (!force) {
      await c.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
    }
    await c.query(`DROP DATABASE IF EXISTS ${quoteIdent(name)}${force ? ' WITH (FORCE)' : ''}`);
  }
}
