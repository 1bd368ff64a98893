/** Kafka for tests: the broker(s) the jest global setup started or was given (KAFKA_BROKERS). */
import { randomBytes } from 'node:crypto';

export function testKafkaBrokers(): string[] {
  const value = process.env.KAFKA_BROKERS;
  if (!value) {
    throw new Error(
      'KAFKA_BROKERS is not set: run tests through jest so test/infra/global-setup.ts starts Kafka ' +
        '(it is skipped when only unit tests are selected).',
    );
  }
  return value
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
}

let counter = 0;

/**
 * A topic / consumer-group / client id no other test (or other run on a shared broker) uses:
 * `<prefix>.<runid>.<n><random>`, limited to Kafka's legal characters [a-zA-Z0-9._-].
 * Auto topic creation is off: create topics explicitly (admin.createTopics) before producing.
 */
export function uniqueName(prefix: string): string {
  const clean = prefix.replace(/[^a-zA-Z0-9._-]+/g, '-').slice(0, 100) || 'test';
  const run = (process.env.TEST_RUN_ID ?? 'norun').replace(/[^a-zA-Z0-9._-]+/g, '-');
  counter += 1;
  return `${clean}.${run}.${counter}${randomBytes(3).toString('hex')}`;
}
