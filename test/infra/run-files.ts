/**
 * Files of one test run, in a directory the global setup creates under the OS temp dir and names in TEST_RUN_DIR
 * (test workers inherit it): the full bank numbers the tests used (test/support/recipient-numbers.ts appends them)
 * and the service's logs (test/support/service-harness.ts writes them), both read by the leak check in the global
 * teardown (test/infra/leak-check.ts).
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const RUN_DIR_ENV = 'TEST_RUN_DIR';
const NUMBERS_FILE = 'recipient-numbers.jsonl';
const LOGS_DIR = 'logs';

/** The kinds of bank identifier the leak check looks for. */
export type BankNumberKind = 'account_number' | 'routing_number' | 'iban' | 'sort_code';

export interface RecordedNumber {
  kind: BankNumberKind;
  value: string;
  /** The test file that used it (relative to the repository), when known. */
  recordedBy?: string;
}

export function createRunDir(runId: string): string {
  return mkdtempSync(join(tmpdir(), `payments-test-${runId}-`));
}

/** This run's directory, or undefined outside a jest run with test infrastructure (unit tests only). */
export function currentRunDir(): string | undefined {
  return process.env[RUN_DIR_ENV] || undefined;
}

export function appendRecordedNumber(runDir: string, number: RecordedNumber): void {
  appendFileSync(join(runDir, NUMBERS_FILE), `${JSON.stringify(number)}\n`);
}

/** Every number recorded in the run, each value once. */
export function readRecordedNumbers(runDir: string): RecordedNumber[] {
  const file = join(runDir, NUMBERS_FILE);
  if (!existsSync(file)) return [];
  const byValue = new Map<string, RecordedNumber>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const number = JSON.parse(line) as RecordedNumber;
    if (!byValue.has(`${number.kind}:${number.value}`)) byValue.set(`${number.kind}:${number.value}`, number);
  }
  return [...byValue.values()];
}

/** Where this process writes the service's log lines (one file per jest worker process, JSON lines). */
export function serviceLogFile(runDir: string): string {
  mkdirSync(join(runDir, LOGS_DIR), { recursive: true });
  return join(runDir, LOGS_DIR, `service-${process.pid}.log`);
}

export function logFiles(runDir: string): string[] {
  const dir = join(runDir, LOGS_DIR);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.log'))
    .sort()
    .map((name) => join(dir, name));
}
