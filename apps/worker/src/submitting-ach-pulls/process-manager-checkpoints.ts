import { Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { EventStore, followTrace, Position, RecordedEvent, START, Subscription, SubscriptionFilter } from '@payments/event-store';
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

export interface ProcessManagerSubscriptionOptions {
  /** Its row in process_manager_checkpoints. */
  name: string;
  store: EventStore;
  pool: Pool;
  filter: SubscriptionFilter;
  /** Wait before resubscribing from the checkpoint after a failed event. */
  retryDelayMs: number;
  logger: Pick<Logger, 'error'>;
  /** Creates what the process manager needs (run once, retried after a failure). */
  migrate(): Promise<void>;
  /** Handles one event; throws when it should be retried later (the subscription then restarts from the checkpoint). */
  handle(event: RecordedEvent): Promise<void>;
}

/**
 * The event loop of a process manager: follows the store from its checkpoint, handles each matching event, then
 * advances the checkpoint. A failed event stops the subscription, which restarts from the checkpoint after a delay,
 * so `handle` must be idempotent (it may see an event again after a crash or a failure).
 */
export class ProcessManagerSubscription {
  private subscription?: Subscription;
  private restartTimer?: NodeJS.Timeout;
  private running = false;
  private migrated?: Promise<void>;

  constructor(private readonly options: ProcessManagerSubscriptionOptions) {}

  /** Subscribes from the stored checkpoint (no-op when already running). */
  async start(): Promise<void> {
    if (this.running) return;
    await this.migrate();
    this.running = true;
    await this.subscribe();
  }

  /** Stops after the event in hand (its effects and checkpoint complete); start() resumes from the checkpoint. */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const subscription = this.subscription;
    this.subscription = undefined;
    await subscription?.stop();
  }

  get isRunning(): boolean {
    return this.running;
  }

  private migrate(): Promise<void> {
    this.migrated ??= (async () => {
      await migrateProcessManagerCheckpoints(this.options.pool);
      await this.options.migrate();
    })().catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  private async subscribe(): Promise<void> {
    if (!this.running) return;
    const { name, store, pool, filter, handle } = this.options;
    const from = await readProcessManagerCheckpoint(pool, name);
    if (!this.running) return;
    const subscription = store.subscribeToAll({ fromPosition: from, filter }, async (event) => {
      // Follow-up events continue the trace of the event that caused them (metadata.traceparent).
      await followTrace(event.metadata, () => handle(event));
      await advanceProcessManagerCheckpoint(pool, name, event.position);
    });
    this.subscription = subscription;
    subscription.done.then(
      () => undefined,
      (error: unknown) => {
        if (!this.running || this.subscription !== subscription) return;
        const err = error as Error;
        this.options.logger.error(`failed, restarting from the checkpoint in ${this.options.retryDelayMs} ms: ${err.message}`, err.stack);
        this.scheduleRestart();
      },
    );
  }

  private scheduleRestart(): void {
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.subscribe().catch((error: unknown) => {
        this.options.logger.error(`could not resubscribe: ${(error as Error).message}`);
        if (this.running) this.scheduleRestart();
      });
    }, this.options.retryDelayMs);
  }
}

/**
 * A process manager run by the worker: its ProcessManagerSubscription starts with the application and stops with it.
 * Subclasses implement `handle` (idempotent; throw to have the event retried from the checkpoint).
 */
export abstract class CheckpointedProcessManager implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loop: ProcessManagerSubscription;

  protected constructor(
    protected readonly logger: Logger,
    options: Omit<ProcessManagerSubscriptionOptions, 'handle' | 'logger'>,
  ) {
    this.loop = new ProcessManagerSubscription({ ...options, logger, handle: (event) => this.handle(event) });
  }

  abstract handle(event: RecordedEvent): Promise<void>;

  async onApplicationBootstrap(): Promise<void> {
    await this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Subscribes from the stored checkpoint (no-op when already running). */
  start(): Promise<void> {
    return this.loop.start();
  }

  /** Stops after the event in hand (its effects and checkpoint complete); start() resumes from the checkpoint. */
  stop(): Promise<void> {
    return this.loop.stop();
  }

  get isRunning(): boolean {
    return this.loop.isRunning;
  }
}

/**
 * A checkpointed process manager that also runs `sweep()` every `intervalMs` while it is started (0: never by itself,
 * only through `sweep()`): the orphan-hold sweeps of payouts, transfers and remittances.
 */
export abstract class PeriodicSweepProcessManager extends CheckpointedProcessManager {
  private timer?: NodeJS.Timeout;

  protected constructor(
    logger: Logger,
    options: Omit<ProcessManagerSubscriptionOptions, 'handle' | 'logger'>,
    private readonly intervalMs: number,
  ) {
    super(logger, options);
  }

  abstract sweep(): Promise<unknown>;

  override async start(): Promise<void> {
    await super.start();
    if (this.intervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.sweep().catch((error: unknown) => this.logger.error(`sweep failed: ${(error as Error).message}`));
      }, this.intervalMs);
      this.timer.unref();
    }
  }

  override async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await super.stop();
  }
}
