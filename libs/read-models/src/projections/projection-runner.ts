import { Pool, PoolClient } from 'pg';
import { comparePositions, EventStore, Position, RecordedEvent, START, Subscription } from '@payments/event-store';
import { Projection } from './projection';
import { checkpointMigrations, lockCheckpoint, readCheckpoint, writeCheckpoint } from './checkpoints';
import { runMigrations } from '../database/migrations';

export interface ProjectionLogger {
  log(message: string): void;
  error(message: string, trace?: string): void;
}

export interface ProjectionRunnerOptions {
  /** Wait before resubscribing after a failed apply (default 1000 ms). */
  retryDelayMs?: number;
  logger?: ProjectionLogger;
  /** Called after each applied event (metrics). */
  onApplied?: (projection: string, event: RecordedEvent) => void;
}

/** Install the checkpoint table and every projection's tables. */
export async function migrateProjections(pool: Pool, projections: Projection[]): Promise<void> {
  await runMigrations(pool, 'projection-checkpoints', checkpointMigrations);
  for (const projection of projections) await runMigrations(pool, `projection:${projection.name}`, projection.migrations);
}

/**
 * Applies one event inside a transaction together with the checkpoint. The checkpoint row is locked, so two
 * runners (or a runner and a rebuild) never apply concurrently, and an event at or below the checkpoint is
 * skipped: applying an event twice changes nothing. Returns whether it was applied.
 */
export async function applyEvent(pool: Pool, projection: Projection, event: RecordedEvent): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const checkpoint = await lockCheckpoint(client, projection.name);
    if (comparePositions(event.position, checkpoint) <= 0) {
      await client.query('ROLLBACK');
      return false;
    }
    if (matches(projection, event)) await projection.apply(client, event);
    await writeCheckpoint(client, projection.name, event.position, 1);
    await client.query('COMMIT');
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function matches(projection: Projection, event: RecordedEvent): boolean {
  const { streamPrefixes, eventTypes } = projection.filter;
  if (streamPrefixes && !streamPrefixes.some((p) => event.streamId.startsWith(p))) return false;
  if (eventTypes && !eventTypes.includes(event.type)) return false;
  return true;
}

/** Runs each projection as a subscription from its stored checkpoint; restarts a failed one after a delay. */
export class ProjectionRunner {
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly lastApplied = new Map<string, { position: Position; at: Date }>();
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly pool: Pool,
    private readonly projections: Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {}

  async start(): Promise<void> {
    await migrateProjections(this.pool, this.projections);
    for (const projection of this.projections) await this.subscribe(projection);
  }

  private async subscribe(projection: Projection): Promise<void> {
    if (this.stopped) return;
    const from = await readCheckpoint(this.pool, projection.name);
    // No store-side filter: every event moves the projection's "seen" position (so `waitFor` knows it is caught
    // up even when recent events are not its own); only matching events touch its tables and checkpoint.
    const subscription = this.store.subscribeToAll({ fromPosition: from }, async (event) => {
      if (matches(projection, event)) {
        await applyEvent(this.pool, projection, event);
        this.options.onApplied?.(projection.name, event);
      }
      this.lastApplied.set(projection.name, { position: event.position, at: new Date() });
    });
    this.subscriptions.set(projection.name, subscription);
    subscription.done.then(
      () => undefined,
      (error: unknown) => {
        if (this.stopped) return;
        const err = error as Error;
        this.options.logger?.error(`projection ${projection.name} failed, restarting from checkpoint: ${err.message}`, err.stack);
        setTimeout(() => void this.subscribe(projection).catch(() => undefined), this.options.retryDelayMs ?? 1000);
      },
    );
  }

  /**
   * Resolves once every projection has processed the log up to `position` (tests, read-your-writes): its stored
   * checkpoint or the last event it has seen (its own or skipped by its filter) is at or after it.
   */
  async waitFor(position: Position, timeoutMs = 10000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const behind: string[] = [];
      for (const projection of this.projections) {
        const seen = this.lastApplied.get(projection.name)?.position ?? START;
        if (comparePositions(seen, position) >= 0) continue;
        const checkpoint = await readCheckpoint(this.pool, projection.name);
        if (comparePositions(checkpoint, position) < 0) behind.push(projection.name);
      }
      if (behind.length === 0) return;
      if (Date.now() > deadline) throw new Error(`Projections still behind after ${timeoutMs} ms: ${behind.join(', ')}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * Events each projection still has to process (its own, after the last one it has seen or checkpointed),
   * counted up to `cap` per projection; for the `payments_projection_lag_events` gauge.
   */
  async lag(cap = 1000): Promise<{ projection: string; events: number }[]> {
    const result: { projection: string; events: number }[] = [];
    for (const projection of this.projections) {
      const seen = this.lastApplied.get(projection.name)?.position ?? START;
      const checkpoint = await readCheckpoint(this.pool, projection.name);
      const from = comparePositions(seen, checkpoint) > 0 ? seen : checkpoint;
      const pending = await this.store.readAll({ fromPosition: from, limit: cap });
      result.push({ projection: projection.name, events: pending.filter((e) => matches(projection, e)).length });
    }
    return result;
  }

  status(): { projection: string; position: Position; at?: Date }[] {
    return this.projections.map((p) => {
      const last = this.lastApplied.get(p.name);
      return { projection: p.name, position: last?.position ?? START, at: last?.at };
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.subscriptions.values()].map((s) => s.stop()));
    this.subscriptions.clear();
  }
}

export interface RebuildReport {
  projection: string;
  eventsRead: number;
  eventsApplied: number;
  position: Position;
}

/**
 * Rebuilds a projection from position 0 in ONE transaction: readers keep seeing the old rows until it commits,
 * and the locked checkpoint row keeps the live runner from applying meanwhile (it skips what the rebuild covered).
 */
export async function rebuildProjection(store: EventStore, pool: Pool, projection: Projection, pageSize = 500): Promise<RebuildReport> {
  await migrateProjections(pool, [projection]);
  const client: PoolClient = await pool.connect();
  let eventsRead = 0;
  let eventsApplied = 0;
  let position: Position = START;
  try {
    await client.query('BEGIN');
    await lockCheckpoint(client, projection.name);
    for (const table of projection.tables) await client.query(`DELETE FROM ${table}`);
    for (;;) {
      const page = await store.readAll({ fromPosition: position, limit: pageSize });
      if (page.length === 0) break;
      for (const event of page) {
        eventsRead++;
        position = event.position;
        if (!matches(projection, event)) continue;
        await projection.apply(client, event);
        eventsApplied++;
      }
    }
    await client.query(
      `UPDATE projection_checkpoints SET commit_position = $2, prepare_position = $3, events_applied = $4, updated_at = now()
        WHERE projection = $1`,
      [projection.name, position.commit.toString(), position.prepare.toString(), eventsApplied],
    );
    await client.query('COMMIT');
    return { projection: projection.name, eventsRead, eventsApplied, position };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
