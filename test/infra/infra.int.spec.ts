/**
 * Proves the test infrastructure is real: a Postgres database created for this run, a second
 * isolated one, and a Kafka broker with auto topic creation off that stores and returns a message.
 */
import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { createIsolatedDatabase, testDatabaseUrl } from '../support/database';
import { testKafkaBrokers, uniqueName } from '../support/kafka';

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

describe('Postgres for this run', () => {
  // Other test files share the run database concurrently, so "fresh" is checked by its age, not by emptiness.
  it('is a fresh database named after the run', async () => {
    const runId = process.env.TEST_RUN_ID;
    expect(runId).toMatch(/^\d{14}_[0-9a-f]{4}$/);
    const [row] = await query<{ db: string; age_seconds: string }>(
      testDatabaseUrl(),
      `SELECT current_database() AS db,
              extract(epoch FROM now() - (pg_stat_file('base/' || (SELECT oid FROM pg_database WHERE datname = current_database()) || '/PG_VERSION')).modification)::int::text AS age_seconds`,
    );
    expect(row.db).toBe(`payments_test_${runId}`);
    expect(new URL(testDatabaseUrl()).pathname).toBe(`/payments_test_${runId}`);
    expect(Number(row.age_seconds)).toBeLessThan(3600);
  });

  it('creates isolated databases that are separate from the run database', async () => {
    const url = await createIsolatedDatabase('Infra Check!');
    const [row] = await query<{ db: string }>(url, 'SELECT current_database() AS db');
    expect(row.db).toMatch(new RegExp(`^payments_test_${process.env.TEST_RUN_ID}_infra_check_[0-9a-f]{6}$`));
    await query(url, 'CREATE TABLE only_here (id int)');
    const elsewhere = await query<{ n: string }>(testDatabaseUrl(), "SELECT count(*)::text AS n FROM pg_tables WHERE tablename = 'only_here'");
    expect(elsewhere[0].n).toBe('0');
  });
});

describe('Kafka for this run', () => {
  const kafka = new Kafka({ clientId: uniqueName('infra-spec'), brokers: testKafkaBrokers(), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();

  beforeAll(() => admin.connect());
  afterAll(() => admin.disconnect());

  it('does not create topics on demand: producing to a missing topic fails', async () => {
    const missing = uniqueName('infra.missing');
    const producer = kafka.producer({ retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 } });
    await producer.connect();
    try {
      await expect(producer.send({ topic: missing, acks: -1, messages: [{ value: 'lost' }] })).rejects.toThrow(
        'This server does not host this topic-partition',
      );
    } finally {
      await producer.disconnect();
    }
    expect(await admin.listTopics()).not.toContain(missing);
  });

  it('stores a message written with acks=all on an explicitly created topic and delivers it back', async () => {
    const topic = uniqueName('infra.roundtrip');
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true })).toBe(true);
    expect(await admin.listTopics()).toContain(topic);

    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const [meta] = await producer.send({
      topic,
      acks: -1,
      messages: [{ key: 'transfer-42', value: JSON.stringify({ amount_minor: '1234' }), headers: { kind: 'probe' } }],
    });
    await producer.disconnect();
    expect(meta.errorCode).toBe(0);
    const offsets = await admin.fetchTopicOffsets(topic);
    expect(offsets).toEqual([expect.objectContaining({ partition: 0, low: '0', high: '1' })]);

    const consumer = kafka.consumer({ groupId: uniqueName('infra.group') });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = await new Promise<KafkaMessage>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no message consumed within 30 s')), 30_000);
        consumer
          .run({
            eachMessage: async ({ message }) => {
              clearTimeout(timer);
              resolve(message);
            },
          })
          .catch(reject);
      });
      expect(received.key?.toString()).toBe('transfer-42');
      expect(JSON.parse(received.value?.toString() ?? 'null')).toEqual({ amount_minor: '1234' });
      expect(received.headers?.kind?.toString()).toBe('probe');
    } finally {
      await consumer.disconnect();
    }
  });
});
