/**
 * Databases for tests. The jest global setup (test/infra/global-setup.ts) creates one fresh
 * database per run and drops every database of the run afterwards.
 */
import { createDatabase, isolatedDatabaseName, runDatabasePrefix } from '../infra/postgres';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run tests through jest so test/infra/global-setup.ts prepares Postgres ` +
        '(it is skipped when only unit tests are selected).',
    );
  }
  return value;
}

/** URL of this run's database (shared by every test file of the run). */
export function testDatabaseUrl(): string {
  return required('DATABASE_URL');
}

/**
 * Creates another empty database for this run (for tests that need their own schema or must not
 * see other files' rows) and returns its URL. Dropped by the global teardown with the rest of the run.
 */
export async function createIsolatedDatabase(label: string): Promise<string> {
  const adminUrl = required('TEST_ADMIN_DATABASE_URL');
  const prefix = runDatabasePrefix(required('TEST_RUN_ID'));
  return createDatabase(adminUrl, isolatedDatabaseName(prefix, label));
}
