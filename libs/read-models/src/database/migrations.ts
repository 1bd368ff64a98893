import { Pool } from 'pg';

export interface Migration {
  id: string;
  sql: string;
}

/**
 * Applies each component's migrations once, in order, under an advisory lock so concurrent processes
 * (api, worker, tests) can all call it safely at start-up.
 */
export async function runMigrations(pool: Pool, component: string, migrations: Migration[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext('payments.migrations'))`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS schema_migrations (
         component text NOT NULL, id text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(),
         PRIMARY KEY (component, id))`,
    );
    const { rows } = await client.query<{ id: string }>('SELECT id FROM schema_migrations WHERE component = $1', [component]);
    const applied = new Set(rows.map((r) => r.id));
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      await client.query('BEGIN');
      try {
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (component, id) VALUES ($1, $2)', [component, migration.id]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw new Error(`Migration ${component}/${migration.id} failed: ${(error as Error).message}`);
      }
    }
  } finally {
    await client.query(`SELECT pg_advisory_unlock(hashtext('payments.migrations'))`).catch(() => undefined);
    client.release();
  }
}
