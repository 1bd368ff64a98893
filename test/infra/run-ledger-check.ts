/**
 * Starts the end-of-run ledger check (ledger-check.ts) as a child process: jest loads its global teardown without the
 * path aliases, so this file imports nothing of the project; the child runs with `node -r @swc-node/register`, which
 * reads tsconfig's paths.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export interface LedgerCheckResult {
  /** Databases whose ledger was verified. */
  verified: string[];
  /** One line per problem, naming the database and the transaction or account. */
  problems: string[];
}

/** Runs checkRunLedgers (ledger-check.ts) in a child process and returns its result. */
export function runLedgerCheck(adminUrl: string, databasePrefix: string, timeoutMs = 300_000): Promise<LedgerCheckResult> {
  return new Promise((done, fail) => {
    execFile(
      process.execPath,
      ['-r', '@swc-node/register', resolve(__dirname, 'ledger-check.ts'), adminUrl, databasePrefix],
      { cwd: resolve(__dirname, '../..'), timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.trim().split('\n').pop() ?? '';
        try {
          done(JSON.parse(line) as LedgerCheckResult);
        } catch {
          fail(new Error(`ledger check failed to run${error ? ` (${error.message})` : ''}: ${stderr.trim().slice(-2000)}`));
        }
      },
    );
  });
}
