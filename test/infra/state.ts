/**
 * What the global setup started, handed to the global teardown (both run in jest's main process,
 * so a globalThis slot is shared; test workers only see the environment variables).
 */
export interface TestInfraState {
  runId: string;
  databasePrefix: string;
  adminUrl: string | null;
  postgresStarted: boolean;
  kafkaId: string | null;
  /** This run's files (TEST_RUN_DIR): recorded bank numbers and service logs, for the leak check. */
  runDir: string | null;
  /** Environment values before setup, restored by teardown (watch mode runs setup again). */
  previousEnv: Record<string, string | undefined>;
}

const KEY = '__paymentsTestInfra';

export const MANAGED_ENV = ['DATABASE_URL', 'TEST_ADMIN_DATABASE_URL', 'TEST_RUN_ID', 'TEST_RUN_DIR', 'KAFKA_BROKERS'] as const;

type Slot = { [KEY]?: TestInfraState };

export function saveState(state: TestInfraState): void {
  (globalThis as Slot)[KEY] = state;
}

export function takeState(): TestInfraState | undefined {
  const slot = globalThis as Slot;
  const state = slot[KEY];
  delete slot[KEY];
  return state;
}

export function infraLog(line: string): void {
  process.stderr.write(`[test-infra] ${line}\n`);
}

export const keepInfra = (): boolean => process.env.KEEP_TEST_INFRA === '1';
