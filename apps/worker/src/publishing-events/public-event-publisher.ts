import { Pool } from 'pg';
import { comparePositions, EventStore, Position, START } from '@payments/event-store';
import { MessagePublisher, publicEventMessages } from '@payments/messaging';
import { Migration, runMigrations } from '@payments/read-models';

/** Checkpoints of the event publishers (one row per publisher name), like `projection_checkpoints`. */
export const publisherCheckpointMigrations: Migration[] = [
  {
    id: '001-event-publisher-checkpoints',
    sql: `CREATE TABLE IF NOT EXISTS event_publisher_checkpoints (
            publisher text PRIMARY KEY,
            commit_position bigint NOT NULL,
            prepare_position bigint NOT NULL,
            events_read bigint NOT NULL DEFAULT 0,
            messages_published bigint NOT NULL DEFAULT 0,
            updated_at timestamptz NOT NULL DEFAULT now())`,
  },
];

export async function readPublisherCheckpoint(pool: Pool, publisher: string): Promise<Position> {
  const { rows } = await pool.query<{ commit_position: string; prepare_position: string }>(
    'SELECT commit_position, prepare_position FROM event_publisher_checkpoints WHERE publisher = $1',
    [publisher],
  );
  return rows.length ? { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) } : START;
}

/** Moves the checkpoint forward (never back: a second, late publisher cannot rewind it). */
async function advanceCheckpoint(pool: Pool, publisher: string, position: Position, read: number, published: number): Promise<void> {
  await pool.query(
    `INSERT INTO event_publisher_checkpoints AS c (publisher, commit_position, prepare_position, events_read, messages_published)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (publisher) DO UPDATE
        SET commit_position = excluded.commit_position, prepare_position = excluded.prepare_position,
            events_read = c.events_read + excluded.events_read,
            messages_published = c.messages_published + excluded.messages_published, updated_at = now()
      WHERE (c.commit_position, c.prepare_position) < (excluded.commit_position, excluded.prepare_position)`,
    [publisher, position.commit.toString(), position.prepare.toString(), read, published],
  );
}

export interface PublisherLogger {
  log(message: string): void;
  error(message: string, trace?: string): void;
}

export interface PublicEventPublisherOptions {
  /** The (prefixed) `payments.events` topic. */
  topic: string;
  /** Checkpoint row name (default `payments.events`). */
  name?: string;
  /** Events read per produce request and checkpoint write (default 200). */
  batchSize?: number;
  /** Wait when the log has nothing new (default 100 ms). */
  pollIntervalMs?: number;
  /** Wait after a failed read, produce or checkpoint write before retrying from the checkpoint (default 1000 ms). */
  retryDelayMs?: number;
  logger?: PublisherLogger;
}

/**
 * Event store → Kafka `payments.events`. Reads the global log after its stored checkpoint in batches (`readAll` only
 * returns events below the store's safe high-water mark, so none is skipped), maps them through the public catalog
 * (internal events without an entry are skipped), produces the batch (idempotent producer, acks=all) and only after
 * Kafka acknowledged it moves the checkpoint past the whole batch, published or skipped. A crash between the
 * acknowledgement and the checkpoint write re-sends that batch on restart: delivery is at-least-once, consumers
 * dedupe by `id`. Per-stream order holds because messages are keyed by stream (one partition per key) and produced
 * in log order, one request at a time.
 */
export class PublicEventPublisher {
  private stopped = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly name: string;
  private readonly batchSize: number;
  private position: Position = START;

  constructor(
    private readonly store: EventStore,
    private readonly pool: Pool,
    private readonly publisher: MessagePublisher,
    private readonly options: PublicEventPublisherOptions,
  ) {
    this.name = options.name ?? 'payments.events';
    this.batchSize = options.batchSize ?? 200;
  }

  async start(): Promise<void> {
    await runMigrations(this.pool, 'event-publisher', publisherCheckpointMigrations);
    this.position = await readPublisherCheckpoint(this.pool, this.name);
    this.loop = this.run();
  }

  /** Stops after the batch in flight (its checkpoint is written if Kafka acknowledged it). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.loop;
  }

  /** The position up to which every event was published (or skipped) and checkpointed, as this process knows it. */
  checkpoint(): Position {
    return this.position;
  }

  /** Events after the checkpoint (published or not), counted up to `cap`; for /metrics. */
  async lag(cap = 1000): Promise<number> {
    return (await this.store.readAll({ fromPosition: this.position, limit: cap })).length;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const events = await this.store.readAll({ fromPosition: this.position, limit: this.batchSize });
        if (events.length === 0) {
          await this.sleep(this.options.pollIntervalMs ?? 100);
          continue;
        }
        const messages = publicEventMessages(events);
        if (messages.length > 0) await this.publisher.publish(this.options.topic, messages);
        const last = events[events.length - 1].position;
        await advanceCheckpoint(this.pool, this.name, last, events.length, messages.length);
        if (comparePositions(last, this.position) > 0) this.position = last;
      } catch (error) {
        const err = error as Error;
        this.options.logger?.error(`event publisher ${this.name} failed, retrying from its checkpoint: ${err.message}`, err.stack);
        await this.sleep(this.options.retryDelayMs ?? 1000);
        if (this.stopped) break;
        this.position = await readPublisherCheckpoint(this.pool, this.name).catch(() => this.position);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}
