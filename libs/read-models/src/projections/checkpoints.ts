import { PoolClient } from 'pg';
import { Position, START } from '@payments/event-store';
import { Migration } from '../database/migrations';

export const checkpointMigrations: Migration[] = [
  {
    id: '001-projection-checkpoints',
    sql: `CREATE TABLE IF NOT EXISTS projection_checkpoints (
            projection text PRIMARY KEY,
            commit_position bigint NOT NULL,
            prepare_position bigint NOT NULL,
            events_applied bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now())`,
  },
];

export async function readCheckpoint(client: Pick<PoolClient, 'query'>, projection: string): Promise<Position> {
  const { rows } = await client.query<{ commit_position: string; prepare_position: string }>(
    'SELECT commit_position, prepare_position FROM projection_checkpoints WHERE projection = $1',
    [projection],
  );
  return rows.length ? { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) } : START;
}

/** Locks the projection's checkpoint row for this transaction (creating it at START) and returns it. */
export async function lockCheckpoint(client: PoolClient, projection: string): Promise<Position> {
  await client.query(
    `INSERT INTO projection_checkpoints (projection, commit_position, prepare_position) VALUES ($1, -1, -1)
     ON CONFLICT (projection) DO NOTHING`,
    [projection],
  );
  const { rows } = await client.query<{ commit_position: string; prepare_position: string }>(
    'SELECT commit_position, prepare_position FROM projection_checkpoints WHERE projection = $1 FOR UPDATE',
    [projection],
  );
  return { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) };
}

export async function writeCheckpoint(client: PoolClient, projection: string, position: Position, applied: number): Promise<void> {
  await client.query(
    `UPDATE projection_checkpoints
        SET commit_position = $2, prepare_position = $3, events_applied = events_applied + $4, updated_at = now()
      WHERE projection = $1`,
    [projection, position.commit.toString(), position.prepare.toString(), applied],
  );
}
