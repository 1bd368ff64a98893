import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { testEventStore } from './testing/event-store.contract';

/**
 * The shared EventStore contract over the Postgres adapter. The jest global setup provides DATABASE_URL
 * (a running server, or one it starts). Every test gets a fresh schema, dropped afterwards.
 */
const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL is not set (the jest global setup provides it)');

testEventStore('Postgres', async () => {
  const schema = `es_contract_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const pool = new Pool({ connectionString: databaseUrl, max: 25, application_name: 'event-store-contract' });
  const store = new PostgresEventStore({ pool, schema, pollIntervalMs: 500 });
  await store.ensureSchema();
  const others: PostgresEventStore[] = [];
  return {
    store,
    isolatedLog: true,
    openStoreWithCommitDelay: async (beforeCommit) => {
      const delayed = new PostgresEventStore({ pool, schema, beforeCommit });
      others.push(delayed);
      return delayed;
    },
    cleanup: async () => {
      await Promise.all([store, ...others].map((s) => s.close()));
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await pool.end();
    },
  };
});
