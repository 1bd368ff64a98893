import { Pool, PoolClient } from 'pg';
import { comparePositions, EventStore, Position, RecordedEvent, START } from '@payments/event-store';
import { Projection } from './projection';
import { lockCheckpoint } from './checkpoints';
import { migrateProjections } from './projection-runner';

/** Rows that differ between the shadow rebuild and the live table, by primary key. */
export interface TableDrift {
  table: string;
  liveRows: number;
  shadowRows: number;
  /** Keys only the rebuild has (the live table lost them). */
  missingInLive: number;
  /** Keys only the live table has (the events do not produce them). */
  extraInLive: number;
  /** Keys in both whose rows differ. */
  changed: number;
  /** Up to {@link ShadowRebuildOptions.sampleSize} differing keys (primary key columns, or the whole row without one). */
  sampleKeys: Record<string, unknown>[];
}

export interface ShadowRebuildReport {
  projection: string;
  eventsRead: number;
  eventsApplied: number;
  /** Where the rebuilt tables (and now the projection's checkpoint) stand. */
  position: Position;
  /** The live projection's checkpoint when the swap began (it was brought to `position` before comparing). */
  liveCheckpoint: Position;
  drift: TableDrift[];
  /** Rows that differed in total (0: the live tables were right). */
  driftRows: number;
  /** False for a dry run: drift reported, live tables and checkpoint untouched. */
  swapped: boolean;
}

export interface ShadowRebuildOptions {
  pageSize?: number;
  sampleSize?: number;
  /** Report drift only; leave the live tables as they are. */
  dryRun?: boolean;
  /** Called after each page of the shadow build (progress). */
  onProgress?: (eventsRead: number, position: Position) => void;
}

const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const shadowSchemaFor = (projection: string): string => `shadow_${projection.replace(/[^a-z0-9]/gi, '_').toLowerCase()}`;

function matches(projection: Projection, event: RecordedEvent): boolean {
  const { streamPrefixes, eventTypes } = projection.filter;
  if (streamPrefixes && !streamPrefixes.some((p) => event.streamId.startsWith(p))) return false;
  if (eventTypes && !eventTypes.includes(event.type)) return false;
  return true;
}

/**
 * Rebuilds a projection without taking it away from readers:
 *
 * 1. builds it from position 0 into a shadow schema (`shadow_<name>`: the projection's own migrations run with that
 *    schema first on the search_path, so the DDL is the same), page by page, while the live projector goes on;
 * 2. in ONE transaction holding the projection's checkpoint row (the live projector waits on it for that long only):
 *    catches the shadow up to the end of the log, brings the live tables to the same position, compares them
 *    (drift: per table, keys missing, extra or changed, with a sample), makes the live tables equal to the shadow by
 *    writing only the differing rows (upserts parents first, deletes children first), and sets the checkpoint to the
 *    shadow's position;
 * 3. drops the shadow schema.
 *
 * Readers keep reading the live tables throughout and see either the old rows or the new ones, never an empty or
 * partial table: the swap is row changes in one transaction (MVCC), not DDL, so it is also safe for REPEATABLE READ
 * readers and takes no lock that blocks them. With zero drift the swap writes nothing but the checkpoint.
 */
export async function rebuildProjectionInShadow(
  store: EventStore,
  pool: Pool,
  projection: Projection,
  options: ShadowRebuildOptions = {},
): Promise<ShadowRebuildReport> {
  const pageSize = options.pageSize ?? 500;
  await migrateProjections(pool, [projection]);
  const client = await pool.connect();
  const shadow = shadowSchemaFor(projection.name);
  let lockHeld = false;
  try {
    const { rows: lock } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`payments.rebuild:${projection.name}`]);
    if (!lock[0].ok) throw new Error(`a rebuild of ${projection.name} is already running`);
    lockHeld = true;
    const { rows: schemaRows } = await client.query<{ schema: string }>('SELECT current_schema() AS schema');
    const live = schemaRows[0].schema;
    const shadowPath = `SET search_path TO ${ident(shadow)}, ${ident(live)}`;
    const livePath = `SET search_path TO ${ident(live)}`;

    // 1. Shadow tables with the projection's own DDL, built from position 0 page by page.
    await client.query(`DROP SCHEMA IF EXISTS ${ident(shadow)} CASCADE`);
    await client.query(`CREATE SCHEMA ${ident(shadow)}`);
    await client.query('BEGIN');
    await client.query(shadowPath.replace('SET', 'SET LOCAL'));
    for (const migration of projection.migrations) await client.query(migration.sql);
    await client.query('COMMIT');

    let position: Position = START;
    let eventsRead = 0;
    let eventsApplied = 0;
    const applyPage = async (page: RecordedEvent[]): Promise<void> => {
      for (const event of page) {
        eventsRead++;
        position = event.position;
        if (!matches(projection, event)) continue;
        await projection.apply(client, event);
        eventsApplied++;
      }
    };
    for (;;) {
      const page = await store.readAll({ fromPosition: position, limit: pageSize });
      if (page.length === 0) break;
      await client.query('BEGIN');
      await client.query(shadowPath.replace('SET', 'SET LOCAL'));
      await applyPage(page);
      await client.query('COMMIT');
      options.onProgress?.(eventsRead, position);
      if (page.length < pageSize) break;
    }

    // 2. The swap: one transaction holding the checkpoint row.
    await client.query('BEGIN');
    const liveCheckpoint = await lockCheckpoint(client, projection.name);
    await client.query(shadowPath.replace('SET', 'SET LOCAL'));
    for (;;) {
      const page = await store.readAll({ fromPosition: position, limit: pageSize });
      if (page.length === 0) break;
      await applyPage(page);
    }
    // The live tables to the same position (what the live projector would have done next).
    if (comparePositions(liveCheckpoint, position) < 0) {
      await client.query(livePath.replace('SET', 'SET LOCAL'));
      let from = liveCheckpoint;
      for (;;) {
        const page = (await store.readAll({ fromPosition: from, limit: pageSize })).filter((e) => comparePositions(e.position, position) <= 0);
        if (page.length === 0) break;
        for (const event of page) if (matches(projection, event)) await projection.apply(client, event);
        from = page[page.length - 1].position;
      }
    }
    await client.query(livePath.replace('SET', 'SET LOCAL'));
    const tables = [];
    for (const table of projection.tables) tables.push(await describeTable(client, live, table));
    const drift: TableDrift[] = [];
    for (const table of tables) drift.push(await compareTable(client, live, shadow, table, options.sampleSize ?? 5));
    const driftRows = drift.reduce((n, d) => n + d.missingInLive + d.extraInLive + d.changed, 0);
    if (options.dryRun) {
      await client.query('ROLLBACK');
      return { projection: projection.name, eventsRead, eventsApplied, position, liveCheckpoint, drift, driftRows, swapped: false };
    }
    if (driftRows > 0) {
      // Parents before children for upserts (projection.tables lists children first), children first for deletes.
      for (const [i, table] of [...tables].reverse().entries()) if (drift[tables.length - 1 - i].missingInLive + drift[tables.length - 1 - i].changed > 0) await upsertFromShadow(client, live, shadow, table);
      for (const [i, table] of tables.entries()) if (drift[i].extraInLive > 0) await deleteNotInShadow(client, live, shadow, table);
    }
    await client.query(
      `UPDATE projection_checkpoints SET commit_position = $2, prepare_position = $3, events_applied = $4, updated_at = now() WHERE projection = $1`,
      [projection.name, position.commit.toString(), position.prepare.toString(), eventsApplied],
    );
    await client.query('COMMIT');
    return { projection: projection.name, eventsRead, eventsApplied, position, liveCheckpoint, drift, driftRows, swapped: true };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // 3. The shadow goes (also after a failure or a dry run).
    await client.query(`DROP SCHEMA IF EXISTS ${ident(shadow)} CASCADE`).catch(() => undefined);
    if (lockHeld) await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`payments.rebuild:${projection.name}`]).catch(() => undefined);
    client.release();
  }
}

interface TableShape {
  name: string;
  columns: string[];
  /** Primary key columns; empty when the table has none (rows are then compared whole). */
  key: string[];
}

async function describeTable(client: PoolClient, schema: string, table: string): Promise<TableShape> {
  const { rows: columns } = await client.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [schema, table],
  );
  const { rows: key } = await client.query<{ attname: string }>(
    `SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
      WHERE i.indrelid = (quote_ident($1) || '.' || quote_ident($2))::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)`,
    [schema, table],
  );
  return { name: table, columns: columns.map((c) => c.column_name), key: key.map((k) => k.attname) };
}

const qualified = (schema: string, table: string): string => `${ident(schema)}.${ident(table)}`;
/** SQL matching row `a` to row `b` by key (or whole row without one). */
const sameKey = (shape: TableShape, a: string, b: string): string =>
  shape.key.length > 0 ? shape.key.map((c) => `${a}.${ident(c)} = ${b}.${ident(c)}`).join(' AND ') : `to_jsonb(${a}) = to_jsonb(${b})`;
const keyJson = (shape: TableShape, alias: string): string =>
  shape.key.length > 0 ? `jsonb_build_object(${shape.key.map((c) => `'${c}', ${alias}.${ident(c)}`).join(', ')})` : `to_jsonb(${alias})`;

async function compareTable(client: PoolClient, live: string, shadow: string, shape: TableShape, sampleSize: number): Promise<TableDrift> {
  const l = qualified(live, shape.name);
  const s = qualified(shadow, shape.name);
  const missing = `SELECT ${keyJson(shape, 's')} AS k FROM ${s} s WHERE NOT EXISTS (SELECT 1 FROM ${l} l WHERE ${sameKey(shape, 'l', 's')})`;
  const extra = `SELECT ${keyJson(shape, 'l')} AS k FROM ${l} l WHERE NOT EXISTS (SELECT 1 FROM ${s} s WHERE ${sameKey(shape, 'l', 's')})`;
  const changed =
    shape.key.length > 0 ? `SELECT ${keyJson(shape, 's')} AS k FROM ${s} s JOIN ${l} l ON ${sameKey(shape, 'l', 's')} WHERE to_jsonb(s) <> to_jsonb(l)` : 'SELECT NULL::jsonb AS k WHERE false';
  const { rows } = await client.query<{ live_rows: string; shadow_rows: string; missing: string; extra: string; changed: string }>(
    `SELECT (SELECT count(*) FROM ${l}) AS live_rows, (SELECT count(*) FROM ${s}) AS shadow_rows,
            (SELECT count(*) FROM (${missing}) x) AS missing, (SELECT count(*) FROM (${extra}) x) AS extra,
            (SELECT count(*) FROM (${changed}) x) AS changed`,
  );
  const { rows: sample } = await client.query<{ k: Record<string, unknown> }>(
    `(${missing} LIMIT $1) UNION ALL (${extra} LIMIT $1) UNION ALL (${changed} LIMIT $1) LIMIT $1`,
    [sampleSize],
  );
  return {
    table: shape.name,
    liveRows: Number(rows[0].live_rows),
    shadowRows: Number(rows[0].shadow_rows),
    missingInLive: Number(rows[0].missing),
    extraInLive: Number(rows[0].extra),
    changed: Number(rows[0].changed),
    sampleKeys: sample.map((r) => r.k),
  };
}

async function upsertFromShadow(client: PoolClient, live: string, shadow: string, shape: TableShape): Promise<void> {
  const l = qualified(live, shape.name);
  const s = qualified(shadow, shape.name);
  const columns = shape.columns.map(ident).join(', ');
  const differing = `SELECT ${shape.columns.map((c) => `s.${ident(c)}`).join(', ')} FROM ${s} s
                      WHERE NOT EXISTS (SELECT 1 FROM ${l} l WHERE ${sameKey(shape, 'l', 's')} AND to_jsonb(l) = to_jsonb(s))`;
  if (shape.key.length === 0) {
    await client.query(`INSERT INTO ${l} (${columns}) ${differing}`);
    return;
  }
  const updates = shape.columns.filter((c) => !shape.key.includes(c));
  const onConflict = updates.length > 0 ? `DO UPDATE SET ${updates.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(', ')}` : 'DO NOTHING';
  await client.query(`INSERT INTO ${l} (${columns}) ${differing} ON CONFLICT (${shape.key.map(ident).join(', ')}) ${onConflict}`);
}

async function deleteNotInShadow(client: PoolClient, live: string, shadow: string, shape: TableShape): Promise<void> {
  const l = qualified(live, shape.name);
  const s = qualified(shadow, shape.name);
  await client.query(`DELETE FROM ${l} l WHERE NOT EXISTS (SELECT 1 FROM ${s} s WHERE ${sameKey(shape, 'l', 's')})`);
}
