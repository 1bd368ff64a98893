/**
 * Jest global setup: the real Postgres and the real Kafka the tests talk to.
 *
 * Postgres: DATABASE_URL names the server if set, else postgres://postgres@127.0.0.1:5432/postgres
 * (started with pg_ctlcluster when it does not answer). A fresh database `payments_test_<runid>` is
 * created; workers inherit DATABASE_URL (that database), TEST_ADMIN_DATABASE_URL (the server's admin
 * URL, for test/support/database.ts) and TEST_RUN_ID.
 * Kafka: KAFKA_BROKERS if set, else `test/infra/kafka.sh download` + `start --id <runid>`.
 * Run files: a directory under the OS temp dir (TEST_RUN_DIR) where tests record the bank numbers they use and the
 * service writes its logs; the teardown's leak check reads both (test/infra/run-files.ts, leak-check.ts).
 * Nothing is started when only unit tests are selected. KEEP_TEST_INFRA=1 keeps both after the run.
 */
import { rmSync } from 'node:fs';
import { runKafkaScript, startBroker } from './kafka-control';
import {
  DEFAULT_ADMIN_URL,
  answers,
  createDatabase,
  dropAbandonedRunDatabases,
  dropDatabasesWithPrefix,
  newRunId,
  redactUrl,
  runDatabasePrefix,
  startLocalPostgres,
  waitUntilAnswers,
} from './postgres';
import { createRunDir, RUN_DIR_ENV } from './run-files';
import { MANAGED_ENV, TestInfraState, infraLog, keepInfra, saveState } from './state';

/** The parts of jest's GlobalConfig this setup reads (jest 29 keeps --selectProjects out of it). */
interface SelectedTests {
  selectProjects?: string[];
  nonFlagArgs?: string[];
}

const UNIT_FILE = /\.unit\.spec(\.ts)?$/;
const IO_PROJECTS = ['contract', 'int', 'e2e'];
/** Databases of runs that died before their teardown are dropped after this long. */
const ABANDONED_AFTER_HOURS = 24;

/** Values of an array flag (`--flag a b`, `--flag=a`) in a jest command line. */
export function flagValues(argv: string[], flag: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith(`${flag}=`)) values.push(arg.slice(flag.length + 1));
    else if (arg === flag) {
      while (i + 1 < argv.length && !argv[i + 1].startsWith('-')) values.push(argv[++i]);
    }
  }
  return values;
}

/**
 * True when only the `unit` project can run: `--selectProjects unit`, every other project ignored,
 * or only *.unit.spec.ts paths given. When unsure it says false (start everything).
 */
export function onlyUnitTestsSelected(config: SelectedTests, argv: string[] = []): boolean {
  const selected = [...(config.selectProjects ?? []), ...flagValues(argv, '--selectProjects'), ...flagValues(argv, '--select-projects')];
  if (selected.length > 0 && selected.every((p) => p === 'unit')) return true;
  const ignored = [...flagValues(argv, '--ignoreProjects'), ...flagValues(argv, '--ignore-projects')];
  if (IO_PROJECTS.every((p) => ignored.includes(p)) && (selected.length === 0 || selected.includes('unit'))) return true;
  const paths = config.nonFlagArgs ?? [];
  return paths.length > 0 && paths.every((p) => UNIT_FILE.test(p));
}

async function setupPostgres(state: TestInfraState): Promise<string> {
  const given = process.env.DATABASE_URL;
  const adminUrl = given || DEFAULT_ADMIN_URL;
  let how = given ? 'from DATABASE_URL' : 'local, already running';
  if (!(await answers(adminUrl))) {
    if (given) throw new Error(`DATABASE_URL (${redactUrl(given)}) does not answer`);
    const output = await startLocalPostgres();
    await waitUntilAnswers(adminUrl, 30_000).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)} after pg_ctlcluster start (${output})`);
    });
    state.postgresStarted = true;
    how = `local, started now (${output})`;
  }
  if (!keepInfra()) {
    const dropped = await dropAbandonedRunDatabases(adminUrl, ABANDONED_AFTER_HOURS).catch(() => []);
    if (dropped.length > 0) infraLog(`dropped ${dropped.length} database(s) of test runs older than ${ABANDONED_AFTER_HOURS} h`);
  }
  const url = await createDatabase(adminUrl, state.databasePrefix);
  state.adminUrl = adminUrl;
  process.env.DATABASE_URL = url;
  process.env.TEST_ADMIN_DATABASE_URL = adminUrl;
  return `Postgres: ${redactUrl(url)} (server ${how})`;
}

async function setupKafka(state: TestInfraState): Promise<string> {
  const given = process.env.KAFKA_BROKERS;
  if (given) return `Kafka: ${given} (from KAFKA_BROKERS, not started)`;
  const began = Date.now();
  await runKafkaScript(['download'], 900_000);
  // Without KEEP_TEST_INFRA a watcher stops the broker if this jest process dies before teardown.
  const address = await startBroker(state.runId, keepInfra() ? undefined : process.pid);
  state.kafkaId = state.runId;
  process.env.KAFKA_BROKERS = address;
  return `Kafka: ${address} (started now: broker '${state.runId}' in ${Date.now() - began} ms)`;
}

export default async function globalSetup(globalConfig: SelectedTests): Promise<void> {
  if (onlyUnitTestsSelected(globalConfig, process.argv.slice(2))) {
    infraLog('only unit tests selected: Postgres and Kafka not started');
    return;
  }
  const runId = newRunId();
  const state: TestInfraState = {
    runId,
    databasePrefix: runDatabasePrefix(runId),
    adminUrl: null,
    postgresStarted: false,
    kafkaId: null,
    runDir: null,
    previousEnv: Object.fromEntries(MANAGED_ENV.map((k) => [k, process.env[k]])),
  };
  process.env.TEST_RUN_ID = runId;
  state.runDir = createRunDir(runId);
  process.env[RUN_DIR_ENV] = state.runDir;
  const [pg, kafka] = await Promise.allSettled([setupPostgres(state), setupKafka(state)]);
  if (pg.status === 'rejected' || kafka.status === 'rejected') {
    // Jest runs no teardown when setup throws: undo what did start.
    if (state.kafkaId) await runKafkaScript(['stop', '--id', state.kafkaId]).catch(() => undefined);
    if (state.adminUrl) await dropDatabasesWithPrefix(state.adminUrl, state.databasePrefix).catch(() => undefined);
    if (state.runDir) rmSync(state.runDir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(state.previousEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    const reasons = [pg, kafka].flatMap((r) => (r.status === 'rejected' ? [String(r.reason instanceof Error ? r.reason.message : r.reason)] : []));
    throw new Error(`test infrastructure failed to start:\n${reasons.join('\n')}`);
  }
  saveState(state);
  infraLog(`run ${runId} (files: ${state.runDir})`);
  infraLog(pg.value);
  infraLog(kafka.value);
}
