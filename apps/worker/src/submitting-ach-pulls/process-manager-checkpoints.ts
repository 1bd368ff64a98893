import { Pool } from 'pg';
import { Position, START } from '@payments/event-store';
import { Migration, runMigrations } from '@payments/read-models';

/**
 * Where each process manager's event-store subscription resumes: the position of the last event whose effects are
 * durable. Process managers have side effects outside Postgres (provider calls), so unlike projections their
 * checkpoint cannot share a transaction with the effect; every effect is idempotent instead.
 */
export const processManagerCheckpointMigrations: Migration[] = [
  {
    id: '001-process-manager-checkpoints',
    sql: `CREATE TABLE IF NOT EXISTS process_manager_checkpoints (
            name text PRIMARY KEY,
            commit_position bigint NOT NULL,
            prepare_position bigint NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now())`,
  },
];

export const migrateProcessManagerCheckpoints = (pool: Pool): Promise<void> =>
  runMigrations(pool, 'process-manager-checkpoints', processManagerCheckpointMigrations);

export async function readProcessManagerCheckpoint(pool: Pool, name: string): Promise<Position> {
  const { rows } = await pool.query<{ commit_position: string; prepare_position: string }>(
    'SELECT commit_position, prepare_position FROM process_manager_checkpoints WHERE name = $1',
    [name],
  );
  return rows[0] ? { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) } : START;
}

/** Moves the checkpoint forward only: a late write from a stopped instance can never move it back. */
export async function advanceProcessManagerCheckpoint(pool: Pool, name: string, position: Position): Promise<void> {
  await pool.query(
    `INSERT INTO process_manager_checkpoints AS c (name, commit_position, prepare_position) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO UPDATE SET commit_position = EXCLUDED.commit_position, prepare_position = EXCLUDED.prepare_position, updated_at = now()
      WHERE (c.commit_position, c.prepare_position) < (EXCLUDED.commit_position, EXCLUDED.prepare_position)`,
    [name, position.commit.toString(), position.prepare.toString()],
  );
}
