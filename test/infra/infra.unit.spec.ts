import { onlyUnitTestsSelected } from './global-setup';
import { databaseName, isolatedDatabaseName, newRunId, redactUrl, runDatabasePrefix, withDatabase } from './postgres';

describe('which runs need Postgres and Kafka', () => {
  it('skips them only when nothing but unit tests can run', () => {
    expect(onlyUnitTestsSelected({ selectProjects: ['unit'] })).toBe(true);
    expect(onlyUnitTestsSelected({ nonFlagArgs: ['libs/domain/src/customer/customer.unit.spec.ts'] })).toBe(true);
    expect(onlyUnitTestsSelected({ selectProjects: ['unit', 'int'] })).toBe(false);
    expect(onlyUnitTestsSelected({ nonFlagArgs: ['a.unit.spec.ts', 'test/infra/infra.int.spec.ts'] })).toBe(false);
    expect(onlyUnitTestsSelected({ nonFlagArgs: ['customer'] })).toBe(false);
    expect(onlyUnitTestsSelected({})).toBe(false);
  });

  it('reads --selectProjects / --ignoreProjects from the jest command line', () => {
    expect(onlyUnitTestsSelected({}, ['--selectProjects', 'unit'])).toBe(true);
    expect(onlyUnitTestsSelected({}, ['--selectProjects=unit', '--ci'])).toBe(true);
    expect(onlyUnitTestsSelected({}, ['--selectProjects', 'unit', 'int'])).toBe(false);
    expect(onlyUnitTestsSelected({}, ['--selectProjects', 'unit', '--selectProjects', 'e2e'])).toBe(false);
    expect(onlyUnitTestsSelected({}, ['--ignoreProjects', 'contract', 'int', 'e2e'])).toBe(true);
    expect(onlyUnitTestsSelected({}, ['--ignoreProjects', 'e2e'])).toBe(false);
    expect(onlyUnitTestsSelected({}, ['--runInBand'])).toBe(false);
  });
});

describe('run database names', () => {
  it('names a run by UTC time and a random part', () => {
    expect(newRunId(new Date('2026-03-04T05:06:07.890Z'))).toMatch(/^20260304050607_[0-9a-f]{4}$/);
  });

  it('keeps isolated database names under the run prefix and within 63 bytes', () => {
    const prefix = runDatabasePrefix('20260304050607_abcd');
    const name = isolatedDatabaseName(prefix, 'A very long label: with spaces, punctuation and more than enough characters');
    expect(name.startsWith(`${prefix}_a_very_long_label_with`)).toBe(true);
    expect(name.length).toBeLessThanOrEqual(63);
    expect(name).toMatch(/^[a-z0-9_]+$/);
    expect(isolatedDatabaseName(prefix, '!!!')).toMatch(new RegExp(`^${prefix}_[0-9a-f]{6}$`));
  });

  it('swaps the database in a URL and hides passwords in log lines', () => {
    const url = withDatabase('postgres://app:s3cret@db.local:6543/postgres?sslmode=disable', 'payments_test_x');
    expect(url).toBe('postgres://app:s3cret@db.local:6543/payments_test_x?sslmode=disable');
    expect(databaseName(url)).toBe('payments_test_x');
    expect(redactUrl(url)).toBe('postgres://app:***@db.local:6543/payments_test_x?sslmode=disable');
  });
});
