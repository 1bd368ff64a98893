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
  return (await applyEvents(pool, projection, [event])).length > 0;
}

/**
 * Applies a run of events (in global order) in ONE transaction with one checkpoint write: the same guarantees as
 * {@link applyEvent} (locked checkpoint; events at or below it skipped; all or nothing), one commit for the run.
 * Events the projection's filter does not match are skipped. Returns the events applied.
 */
export async function applyEvents(pool: Pool, projection: Projection, events: RecordedEvent[]): Promise<RecordedEvent[]> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const checkpoint = await lockCheckpoint(client, projection.name);
    const applied: RecordedEvent[] = [];
    for (const event of events) {
      if (comparePositions(event.position, checkpoint) <= 0 || !matches(projection, event)) continue;
      await projection.apply(client, event);
      applied.push(event);
    }
    if (applied.length === 0) {
      await client.query('ROLLBACK');
      return applied;
    }
    await writeCheckpoint(client, projection.name, applied[applied.length - 1].position, applied.length);
    await client.query('COMMIT');
    return applied;
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

/** A projection fed by a shared subscription: events at or before `from` (its checkpoint then) are already in. */
interface Member {
  projection: Projection;
  from: Position;
  batcher: ProjectionBatcher;
  failed: boolean;
}

/**
 * Runs the projections from their stored checkpoints on ONE shared subscription (from the oldest checkpoint; each
 * projection skips what it already has), so adding a projection does not add a reader polling the log. A projection
 * whose write fails leaves the shared subscription (the others go on) and is restarted on its own from its
 * checkpoint after a delay; if the shared subscription itself fails, every projection on it is restarted.
 */
export class ProjectionRunner {
  private readonly subscriptions = new Set<Subscription>();
  private readonly lastApplied = new Map<string, { position: Position; at: Date }>();
  private readonly batchers = new Map<string, ProjectionBatcher>();
  private stopped = false;

  constructor(
    private readonly store: EventStore,
    private readonly pool: Pool,
    private readonly projections: Projection[],
    private readonly options: ProjectionRunnerOptions = {},
  ) {}

  async start(): Promise<void> {
    await migrateProjections(this.pool, this.projections);
    if (this.projections.length > 0) await this.subscribe(this.projections);
  }

  private async subscribe(projections: Projection[]): Promise<void> {
    if (this.stopped) return;
    const members: Member[] = [];
    for (const projection of projections) {
      const member: Member = {
        projection,
        from: await readCheckpoint(this.pool, projection.name),
        failed: false,
        batcher: new ProjectionBatcher(this.pool, projection, {
          onApplied: (event) => this.options.onApplied?.(projection.name, event),
          onSeen: (position) => this.lastApplied.set(projection.name, { position, at: new Date() }),
          onFailed: (error) => leave(member, error),
        }),
      };
      members.push(member);
      this.batchers.set(projection.name, member.batcher);
    }
    const from = members.map((m) => m.from).reduce((a, b) => (comparePositions(a, b) <= 0 ? a : b));
    // No store-side filter: every event moves each projection's "seen" position (so `waitFor` knows it is caught
    // up even when recent events are not its own); only matching events touch its tables and checkpoint.
    const subscription = this.store.subscribeToAll({ fromPosition: from }, async (event) => {
      const adds: Promise<void>[] = [];
      for (const member of members) {
        if (member.failed || comparePositions(event.position, member.from) <= 0) continue;
        // A failed write is handled by `leave` (through onFailed); it must not end the others' subscription.
        adds.push(member.batcher.add(event, matches(member.projection, event)).catch(() => undefined));
      }
      await Promise.all(adds);
    });
    this.subscriptions.add(subscription);

    const restartLater = (restart: Projection[]): void => {
      setTimeout(() => void this.subscribe(restart).catch(() => undefined), this.options.retryDelayMs ?? 1000);
    };
    const leave = (member: Member, error: Error): void => {
      if (member.failed || this.stopped) return;
      member.failed = true;
      member.batcher.discard();
      this.options.logger?.error(`projection ${member.projection.name} failed, restarting from checkpoint: ${error.message}`, error.stack);
      restartLater([member.projection]);
    };
    subscription.done.then(
      () => this.subscriptions.delete(subscription),
      (error: unknown) => {
        this.subscriptions.delete(subscription);
        if (this.stopped) return;
        const healthy = members.filter((m) => !m.failed);
        for (const member of healthy) {
          member.failed = true;
          member.batcher.discard();
        }
        const err = error as Error;
        this.options.logger?.error(`projection subscription failed, restarting ${healthy.map((m) => m.projection.name).join(', ')}: ${err.message}`, err.stack);
        if (healthy.length > 0) restartLater(healthy.map((m) => m.projection));
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
    // What was delivered before the stop is still written (or the stored checkpoint re-delivers it next time).
    await Promise.all([...this.batchers.values()].map((b) => b.drain().catch(() => undefined)));
    this.subscriptions.clear();
    this.batchers.clear();
  }
}

/** Flush a projection's buffer once it holds this many events, even while more are being delivered. */
const MAX_BATCH = 250;

/**
 * Buffers the events a subscription delivers and applies them in runs ({@link applyEvents}: one transaction, one
 * checkpoint write per run) instead of one transaction per event. A run is flushed as soon as the delivering loop
 * yields (it fetches the next page, or waits for new events), or when {@link MAX_BATCH} events are buffered; the
 * delivery then waits for that flush (backpressure). Durability is unchanged: the stored checkpoint moves only with
 * the rows, so a crash or a failed flush re-delivers from it (the runner restarts the subscription there).
 * "Seen" positions move only once everything before them is written, so `waitFor` never reports a row that is
 * not there yet.
 */
class ProjectionBatcher {
  private buffer: { event: RecordedEvent; matches: boolean }[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private scheduled = false;
  private failed = false;

  constructor(
    private readonly pool: Pool,
    private readonly projection: Projection,
    private readonly hooks: { onApplied(event: RecordedEvent): void; onSeen(position: Position): void; onFailed(error: Error): void },
  ) {}

  async add(event: RecordedEvent, matches: boolean): Promise<void> {
    if (this.failed) throw new Error(`projection ${this.projection.name}: an earlier batch failed`);
    if (!matches && this.buffer.length === 0) {
      // Nothing of ours is waiting to be written: a foreign event is seen at once, with no database work.
      this.hooks.onSeen(event.position);
      return;
    }
    this.buffer.push({ event, matches });
    if (this.buffer.length >= MAX_BATCH) {
      await this.flush();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => void this.flush().catch(() => undefined));
    }
  }

  /** Writes what is buffered (after any flush in flight). Rejects if the write failed. */
  drain(): Promise<void> {
    return this.flush();
  }

  /** Drops what is buffered (after a failure the subscription restarts from the stored checkpoint). */
  discard(): void {
    this.buffer = [];
  }

  private flush(): Promise<void> {
    const run = this.flushing.then(async () => {
      this.scheduled = false;
      const batch = this.buffer;
      this.buffer = [];
      if (batch.length === 0 || this.failed) return;
      try {
        const applied = await applyEvents(
          this.pool,
          this.projection,
          batch.filter((item) => item.matches).map((item) => item.event),
        );
        for (const event of applied) this.hooks.onApplied(event);
        this.hooks.onSeen(batch[batch.length - 1].event.position);
      } catch (error) {
        this.failed = true;
        this.hooks.onFailed(error as Error);
        throw error;
      }
    });
    this.flushing = run.catch(() => undefined);
    return run;
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
