/**
 * The run-wide leak check (issue 4: "a dump of the database and the logs of the whole test run contain no full
 * account number of any recipient created in the tests"). Run by the jest global teardown before the run's
 * databases are dropped: pg_dumps every `payments_test_<runid>*` database, reads the service's log files of the run,
 * and looks in both for every bank number the tests recorded through test/support/recipient-numbers.ts.
 * Findings name the database, table and dump line (or log file and line) and show a number only masked to its last 4.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { withClient, withDatabase } from './postgres';
import { BankNumberKind, RecordedNumber, logFiles, readRecordedNumbers } from './run-files';

/** Shorter values match too much unrelated text (ids, amounts, time stamps) to be looked for as substrings. */
export const MIN_SCANNABLE_LENGTH = 8;
const DUMP_CONCURRENCY = 3;

export interface LeakFinding {
  kind: BankNumberKind;
  /** `****` + last 4: never the number itself. */
  masked: string;
  recordedBy?: string;
  /** `database <name>, table <schema.table>, dump line <n>` or `log <file>, line <n>`. */
  where: string;
  /** The offending line cut to 300 characters, every recorded number in it masked. */
  excerpt: string;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** How a recorded number may be spelled where it leaks. */
export function spellings(number: RecordedNumber): RegExp[] {
  const value = number.value.replace(/[\s-]/g, '');
  switch (number.kind) {
    case 'sort_code':
      // Six digits alone: bounded by non-digits, and not the fraction of a time stamp (`16:27:59.601613`).
      return [new RegExp(`(?<![0-9.:])${escape(value)}(?![0-9])`, 'g'), new RegExp(`(?<![0-9-])${value.replace(/^(..)(..)(..)$/, '$1-$2-$3')}(?![0-9-])`, 'g')];
    case 'iban':
      // compact or in groups of four, any case
      return [new RegExp(escape(value), 'gi'), new RegExp((value.match(/.{1,4}/g) ?? []).map(escape).join(' '), 'gi')];
    case 'account_number':
    case 'routing_number':
      return [new RegExp(escape(value), 'g')];
    default: {
      const never: never = number.kind;
      throw new Error(`unknown kind ${String(never)}`);
    }
  }
}

/** Why a value cannot be checked reliably (too short), or undefined when it can. */
export function unscannable(kind: BankNumberKind, value: string): string | undefined {
  const compact = value.replace(/[\s-]/g, '');
  if (kind === 'sort_code') return /^[0-9]{6}$/.test(compact) ? undefined : 'a sort code must be 6 digits';
  return compact.length >= MIN_SCANNABLE_LENGTH ? undefined : `shorter than ${MIN_SCANNABLE_LENGTH} characters: it would match unrelated text`;
}

export const maskNumber = (value: string): string => `****${value.replace(/[\s-]/g, '').slice(-4)}`;

function maskAll(line: string, numbers: RecordedNumber[]): string {
  let masked = line;
  for (const number of numbers) for (const pattern of spellings(number)) masked = masked.replace(pattern, `[${number.kind} ${maskNumber(number.value)}]`);
  return masked.length > 300 ? `${masked.slice(0, 300)}…` : masked;
}

interface Hit {
  number: RecordedNumber;
  index: number;
}

function hitsIn(text: string, numbers: RecordedNumber[]): Hit[] {
  const hits: Hit[] = [];
  for (const number of numbers) {
    for (const pattern of spellings(number)) {
      pattern.lastIndex = 0;
      for (let m = pattern.exec(text); m; m = pattern.exec(text)) hits.push({ number, index: m.index });
    }
  }
  return hits.sort((a, b) => a.index - b.index);
}

/** Line starts of `text`, for turning a match offset into a line number. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineAt(starts: number[], index: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= index) lo = mid;
    else hi = mid - 1;
  }
  return lo; // 0-based
}

function scanText(text: string, numbers: RecordedNumber[], where: (lineIndex: number, lines: string[]) => string): LeakFinding[] {
  const hits = hitsIn(text, numbers);
  if (hits.length === 0) return [];
  const starts = lineStarts(text);
  const lines = text.split('\n');
  const seen = new Set<string>();
  const findings: LeakFinding[] = [];
  for (const { number, index } of hits) {
    const lineIndex = lineAt(starts, index);
    const key = `${lineIndex}:${number.kind}:${number.value}`;
    if (seen.has(key)) continue;
    seen.add(key);
    findings.push({
      kind: number.kind,
      masked: maskNumber(number.value),
      recordedBy: number.recordedBy,
      where: where(lineIndex, lines),
      excerpt: maskAll(lines[lineIndex], numbers),
    });
  }
  return findings;
}

/** Looks for the numbers in a plain-format pg_dump; a finding in a table's data names the table (`COPY <table> ...`). */
export function scanDump(database: string, dump: string, numbers: RecordedNumber[]): LeakFinding[] {
  return scanText(dump, numbers, (lineIndex, lines) => {
    let table: string | undefined;
    for (let i = lineIndex; i >= 0; i--) {
      if (lines[i] === '\\.' && i !== lineIndex) break; // end of an earlier table's data: this line is not table data
      const copy = /^COPY (\S+) /.exec(lines[i]);
      if (copy) {
        table = copy[1];
        break;
      }
    }
    return `database ${database}, ${table ? `table ${table}` : 'schema'}, dump line ${lineIndex + 1}`;
  });
}

/** Looks for the numbers in a log file's text (JSON lines). */
export function scanLog(file: string, text: string, numbers: RecordedNumber[]): LeakFinding[] {
  return scanText(text, numbers, (lineIndex) => `log ${file}, line ${lineIndex + 1}`);
}

export function formatFindings(findings: LeakFinding[]): string {
  return findings
    .map((f) => `  ${f.kind} ${f.masked}${f.recordedBy ? ` (used by ${f.recordedBy})` : ''} in ${f.where}\n      ${f.excerpt}`)
    .join('\n');
}

/** A pg_dump able to dump the server: PG_DUMP if set, else the newest /usr/lib/postgresql/<v>/bin/pg_dump, else PATH's. */
export function findPgDump(env: NodeJS.ProcessEnv = process.env, root = '/usr/lib/postgresql'): string {
  if (env.PG_DUMP) {
    if (!existsSync(env.PG_DUMP)) throw new Error(`PG_DUMP=${env.PG_DUMP} does not exist`);
    return env.PG_DUMP;
  }
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => /^[0-9]+(\.[0-9]+)?$/.test(v) && existsSync(join(root, v, 'bin', 'pg_dump')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length > 0) return join(root, versions[0], 'bin', 'pg_dump');
  for (const dir of (env.PATH ?? '').split(':').filter(Boolean)) {
    if (existsSync(join(dir, 'pg_dump'))) return join(dir, 'pg_dump');
  }
  throw new Error('pg_dump not found (looked at PG_DUMP, /usr/lib/postgresql/*/bin and PATH): the leak check cannot run; install the Postgres client or set PG_DUMP');
}

/** `pg_dump` of one database, plain SQL (table data as `COPY ... FROM stdin` blocks). */
export function dumpDatabase(pgDump: string, databaseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(pgDump, ['--no-owner', '--no-privileges', '--dbname', databaseUrl], { maxBuffer: 1024 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error) reject(new Error(`pg_dump failed (exit ${String(error.code ?? '?')}): ${stderr.trim()}`));
      else resolve(stdout);
    });
  });
}

export interface LeakCheckResult {
  numbers: number;
  databases: string[];
  logFiles: string[];
  findings: LeakFinding[];
}

/**
 * The whole run's check: every number recorded under `runDir`, every database named `<databasePrefix>*` on the
 * server (dumped with pg_dump), every service log file under `runDir`. Nothing recorded → nothing to look for.
 */
export async function checkRunForLeaks(options: { adminUrl: string; databasePrefix: string; runDir: string; pgDump?: string }): Promise<LeakCheckResult> {
  const numbers = readRecordedNumbers(options.runDir);
  const logs = logFiles(options.runDir);
  if (numbers.length === 0) return { numbers: 0, databases: [], logFiles: logs, findings: [] };
  const pgDump = options.pgDump ?? findPgDump();
  const databases = await withClient(options.adminUrl, async (c) => {
    const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE left(datname, length($1)) = $1 ORDER BY datname', [options.databasePrefix]);
    return rows.map((r) => r.datname);
  });
  const findings: LeakFinding[] = [];
  // A few pg_dumps at a time (each is quick: the run's databases are small); findings keep the databases' order.
  const perDatabase: LeakFinding[][] = [];
  let next = 0;
  const dumpNext = async (): Promise<void> => {
    for (let i = next++; i < databases.length; i = next++) {
      perDatabase[i] = scanDump(databases[i], await dumpDatabase(pgDump, withDatabase(options.adminUrl, databases[i])), numbers);
    }
  };
  await Promise.all(Array.from({ length: DUMP_CONCURRENCY }, dumpNext));
  findings.push(...perDatabase.flat());
  for (const file of logs) findings.push(...scanLog(file, readFileSync(file, 'utf8'), numbers));
  return { numbers: numbers.length, databases, logFiles: logs, findings };
}
