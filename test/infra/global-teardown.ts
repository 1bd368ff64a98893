/**
 * Jest global teardown. First, while the run's databases still exist, the ledger check (test/infra/ledger-check.ts:
 * `ledger verify` must pass in every database of the run that has a ledger) and the leak check (test/infra/leak-check.ts):
 * every bank number the tests recorded must be absent from a pg_dump of every database of the run and from the
 * service's logs; a leak fails the run (non-zero exit) naming where, the number shown masked. Then it stops the
 * Kafka broker the setup started and drops every database of this run (`payments_test_<runid>*`), unless
 * KEEP_TEST_INFRA=1. Servers it did not start are left alone; a local Postgres the setup had to start is left
 * running (other runs may be using it). The run's files are deleted unless kept or a leak was found.
 */
import { rmSync } from 'node:fs';
import { runKafkaScript } from './kafka-control';
import { checkRunForLeaks, formatFindings } from './leak-check';
import { runLedgerCheck } from './run-ledger-check';
import { dropDatabasesWithPrefix, redactUrl, withDatabase } from './postgres';
import { TestInfraState, infraLog, keepInfra, takeState } from './state';

/** The leak check's verdict: a problem to fail the run with, or undefined when clean. */
async function leakCheck(state: TestInfraState): Promise<string | undefined> {
  if (!state.adminUrl || !state.runDir) return undefined;
  const began = Date.now();
  try {
    const result = await checkRunForLeaks({ adminUrl: state.adminUrl, databasePrefix: state.databasePrefix, runDir: state.runDir });
    const scope = `${result.numbers} recorded bank number(s); ${result.databases.length} database dump(s), ${result.logFiles.length} service log file(s)`;
    if (result.findings.length === 0) {
      if (result.numbers > 0) infraLog(`leak check passed: ${scope} (${Date.now() - began} ms)`);
      return undefined;
    }
    return `LEAK CHECK FAILED: ${result.findings.length} full bank number(s) found (${scope}); the run's files are kept in ${state.runDir}:\n${formatFindings(result.findings)}`;
  } catch (e) {
    return `leak check could not run: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/** The end-of-run ledger check's verdict (test/infra/ledger-check.ts): a problem to fail the run with, or undefined. */
async function ledgerCheck(state: TestInfraState): Promise<string | undefined> {
  if (!state.adminUrl) return undefined;
  const began = Date.now();
  try {
    const result = await runLedgerCheck(state.adminUrl, state.databasePrefix);
    if (result.problems.length === 0) {
      if (result.verified.length > 0) infraLog(`ledger verify passed in ${result.verified.length} database(s) of the run (${Date.now() - began} ms)`);
      return undefined;
    }
    return `LEDGER CHECK FAILED after the run:\n${result.problems.join('\n')}`;
  } catch (e) {
    return `ledger check could not run: ${e instanceof Error ? e.message : String(e)}`;
  }
}

export default async function globalTeardown(): Promise<void> {
  const state = takeState();
  if (!state) return;
  const problems: string[] = [];
  try {
    const leaks = await leakCheck(state);
    if (leaks) problems.push(leaks);
    const ledgers = await ledgerCheck(state);
    if (ledgers) problems.push(ledgers);
    if (keepInfra()) {
      if (state.adminUrl) infraLog(`KEEP_TEST_INFRA=1: kept database ${redactUrl(withDatabase(state.adminUrl, state.databasePrefix))} (and others named ${state.databasePrefix}*)`);
      if (state.kafkaId) infraLog(`KEEP_TEST_INFRA=1: kept Kafka ${process.env.KAFKA_BROKERS}; stop it with: bash test/infra/kafka.sh stop --id ${state.kafkaId}`);
      if (state.runDir) infraLog(`KEEP_TEST_INFRA=1: kept the run's files (recorded numbers, service logs) in ${state.runDir}`);
    } else {
      const done: string[] = [];
      if (state.kafkaId) {
        await runKafkaScript(['stop', '--id', state.kafkaId], 60_000).then(
          () => done.push(`stopped Kafka broker '${state.kafkaId}'`),
          (e: unknown) => problems.push(String(e)),
        );
      }
      if (state.adminUrl) {
        await dropDatabasesWithPrefix(state.adminUrl, state.databasePrefix).then(
          (names) => done.push(`dropped ${names.length} database(s) ${state.databasePrefix}*`),
          (e: unknown) => problems.push(String(e)),
        );
      }
      if (state.runDir && !leaks) rmSync(state.runDir, { recursive: true, force: true });
      if (done.length > 0) infraLog(done.join('; '));
    }
    if (problems.length > 0) throw new Error(`test infrastructure teardown failed:\n${problems.join('\n')}`);
  } finally {
    for (const [k, v] of Object.entries(state.previousEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
