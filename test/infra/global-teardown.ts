/**
 * Jest global teardown: stops the Kafka broker the setup started and drops every database of this
 * run (`payments_test_<runid>*`), unless KEEP_TEST_INFRA=1. Servers it did not start are left alone;
 * a local Postgres the setup had to start is left running (other runs may be using it).
 */
import { runKafkaScript } from './kafka-control';
import { dropDatabasesWithPrefix, redactUrl, withDatabase } from './postgres';
import { infraLog, keepInfra, takeState } from './state';

export default async function globalTeardown(): Promise<void> {
  const state = takeState();
  if (!state) return;
  try {
    if (keepInfra()) {
      if (state.adminUrl) infraLog(`KEEP_TEST_INFRA=1: kept database ${redactUrl(withDatabase(state.adminUrl, state.databasePrefix))} (and others named ${state.databasePrefix}*)`);
      if (state.kafkaId) infraLog(`KEEP_TEST_INFRA=1: kept Kafka ${process.env.KAFKA_BROKERS}; stop it with: bash test/infra/kafka.sh stop --id ${state.kafkaId}`);
      return;
    }
    const problems: string[] = [];
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
    if (done.length > 0) infraLog(done.join('; '));
    if (problems.length > 0) throw new Error(`test infrastructure teardown failed:\n${problems.join('\n')}`);
  } finally {
    for (const [k, v] of Object.entries(state.previousEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}
