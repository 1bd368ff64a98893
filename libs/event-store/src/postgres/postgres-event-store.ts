import { Pool, type ClientConfig, type PoolClient, type QueryConfig, type QueryResultRow } from 'pg';
import {
  comparePositions,
  START,
  WrongExpectedVersionError,
  type AppendOptions,
  type AppendResult,
  type EventData,
  type EventHandler,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type Position,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
  type Subscription,
  type SubscriptionFilter,
} from '../event-store.port';
import { EventIdConflictError } from './errors';
import { CoalescingNotifier, NotificationListener } from './pg-notifications';
import { PollingSubscription, type FeedPage } from './polling-subscription';
import { quoteIdentifier, schemaStatements } from './schema';

export interface PostgresEventStoreOptions {
  pool: Pool;
  /** Schema holding the `events` table and the append functions. Default `public`. */
  schema?: string;
  /** Subscriptions re-read at least this often even if no notification arrives. Default 1000 ms. */
  pollIntervalMs?: number;
  /** LISTEN/NOTIFY channel. Default `<schema>_events`. */
  notifyChannel?: string;
  /** Send a (coalesced) NOTIFY after appends commit. Default true; with false, subscribers in other processes poll. */
  notifyOnAppend?: boolean;
  /** At most one NOTIFY per this many ms under load (the first after a quiet spell goes at once). Default 10. */
  notifyMinIntervalMs?: number;
  /** Events per catch-up page of a subscription. Default 500. */
  pageSize?: number;
  /**
   * Test hook. When set, each append runs in an explicit transaction on a dedicated pool connection and
   * this is awaited after the append statement and before COMMIT, holding the transaction open. Used to
   * prove that readers never skip events committed out of order. Never set it in production.
   */
  beforeCommit?: () => Promise<void>;
  /** Whether `close()` ends the pool. Default false (the caller owns it); `create()` sets it. */
  ownsPool?: boolean;
}

interface PendingAppend {
  values: (string | null)[];
  resolve(row: AppendRow): void;
  reject(error: unknown): void;
}

/** Most appends that share one statement. */
const MAX_APPEND_BATCH = 100;
/**
 * Larger appends go alone: for them the server's work, not the round trip, is the cost, and separate statements run
 * on several connections (server processes) in parallel where one shared statement would run on one.
 */
const MAX_SHARED_APPEND_BYTES = 16 * 1024;

interface AppendRow extends QueryResultRow {
  status: 'ok' | 'idempotent' | 'event_id_conflict' | 'wrong_expected_version';
  revision: string | null;
  commit: string | null;
  prepare: string | null;
  actual: string | null;
}

interface EventRow extends QueryResultRow {
  prepare: string;
  commit: string;
  stream_id: string;
  revision: string;
  id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: EventMetadata;
  recorded_at: Date | string;
}

interface PageRow extends QueryResultRow {
  safe_xmin: string;
  pending: boolean;
  prepare: string | null;
  commit: string | null;
  stream_id: string | null;
  revision: string | null;
  id: string | null;
  type: string | null;
  data: Record<string, unknown> | null;
  metadata: EventMetadata | null;
  recorded_at: Date | string | null;
}

interface ConflictRow extends QueryResultRow {
  found: string;
  revision: string | null;
  commit: string | null;
  prepare: string | null;
  current: string | null;
}

const MAX_BIGINT = '9223372036854775807';
const UNIQUE_VIOLATION = '23505';
/** Attempts of an `any` append that keeps losing the race for the next revision of a hot stream. */
const MAX_ANY_ATTEMPTS = 50;
const MIXED_IDS = "some of the batch's event ids are already in the stream and some are not";

/**
 * The Postgres adapter of the EventStore port (the embedded default, and the store CI runs).
 *
 * Positions are `{commit: tx_id, prepare: global_position}`: the id of the transaction that wrote the
 * event, then its sequence number.
 *
 * ORDERING TRAP, and why this adapter never skips an event. Sequence values are handed out at INSERT time
 * but become visible at COMMIT time, so a reader doing `global_position > last` can read 11 (committed)
 * while 10 is still in flight, move its checkpoint to 11, and never see 10. Instead, readers only return
 * rows whose writing transaction id is below `pg_snapshot_xmin(pg_current_snapshot())`, taken in the
 * same statement (so from the same snapshot the rows are read with), ordered by (tx_id, global_position):
 *  - xmin is the oldest transaction id still running when the snapshot was taken; every transaction
 *    with a smaller id has already committed or aborted, and its commit is visible in that snapshot;
 *  - a transaction that has no id yet when the snapshot is taken gets one larger than every id assigned
 *    so far, hence >= xmin; so no event with tx_id < xmin can appear later, ever;
 *  - therefore the set of rows with tx_id < xmin is final, and walking it in (tx_id, global_position)
 *    order and remembering the last (tx_id, global_position) can never pass over a row that shows up
 *    afterwards. xmin only moves forward, so the next read continues the same total order.
 * The price is latency, not correctness: an event becomes readable once every older transaction in
 * the cluster (any writer, not only appends) has finished. A transaction left open for minutes (or an
 * orphaned prepared transaction) delays delivery by that long; keep write transactions short.
 */
export class PostgresEventStore implements EventStore {
  readonly schema: string;
  private readonly pool: Pool;
  private readonly quotedSchema: string;
  private readonly channel: string;
  private readonly pollIntervalMs: number;
  private readonly pageSize: number;
  private readonly beforeCommit: (() => Promise<void>) | undefined;
  private readonly ownsPool: boolean;
  private readonly listener: NotificationListener;
  private readonly notifier: CoalescingNotifier | undefined;
  private readonly subscriptions = new Set<PollingSubscription>();
  private readonly sql: ReturnType<typeof statements>;
  private closed = false;
  /** Appends waiting to share one statement (see appendBatched); at most one per stream. */
  private appendQueue = new Map<string, PendingAppend>();
  private appendFlushScheduled = false;

  constructor(options: PostgresEventStoreOptions) {
    this.pool = options.pool;
    this.schema = options.schema ?? 'public';
    this.quotedSchema = quoteIdentifier(this.schema);
    this.channel = options.notifyChannel ?? `${this.schema}_events`;
    this.pollIntervalMs = options.pollIntervalMs ?? 1000;
    this.pageSize = options.pageSize ?? 500;
    this.beforeCommit = options.beforeCommit;
    this.ownsPool = options.ownsPool ?? false;
    const clientConfig = this.pool.options as ClientConfig;
    this.listener = new NotificationListener(clientConfig, this.channel);
    this.notifier =
      (options.notifyOnAppend ?? true)
        ? new CoalescingNotifier(clientConfig, this.channel, options.notifyMinIntervalMs ?? 10)
        : undefined;
    this.sql = statements(this.quotedSchema, this.schema);
  }

  /** A store over its own pool (closed by `close()`). Call `ensureSchema()` before first use. */
  static create(
    connectionString: string,
    options: Omit<PostgresEventStoreOptions, 'pool' | 'ownsPool'> & { poolSize?: number } = {},
  ): PostgresEventStore {
    const { poolSize, ...rest } = options;
    const pool = new Pool({ connectionString, max: poolSize ?? 10, application_name: 'event-store' });
    return new PostgresEventStore({ ...rest, pool, ownsPool: true });
  }

  /** Creates the schema, tables, indexes and functions if missing. Safe to call concurrently. */
  async ensureSchema(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`event-store:${this.schema}`]);
      for (const statement of schemaStatements(this.quotedSchema)) await client.query(statement);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async appendToStream(streamId: string, events: EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision ?? 'any';
    const [kind, revision] = expectation(expected);
    if (events.length === 0) return this.appendNothing(streamId, expected, kind, revision);
    const ids = events.map((event) => event.id);
    if (new Set(ids).size !== ids.length) {
      throw new EventIdConflictError(streamId, ids, 'the batch repeats an event id');
    }
    const payload = JSON.stringify(
      events.map((event) => ({ id: event.id, type: event.type, data: event.data, metadata: event.metadata })),
    );
    const values = [streamId, kind, revision, payload];

    for (let attempt = 1; ; attempt += 1) {
      let row: AppendRow;
      try {
        row = this.beforeCommit
          ? await this.inTransaction(async (client) => {
              const result = await client.query<AppendRow>({ ...this.sql.append, values });
              if (result.rows[0]?.status === 'ok') await this.beforeCommit?.();
              return result.rows[0];
            })
          : payload.length <= MAX_SHARED_APPEND_BYTES
            ? await this.appendBatched(values)
            : (await this.pool.query<AppendRow>({ ...this.sql.append, values })).rows[0];
      } catch (error) {
        const constraint = uniqueViolation(error);
        if (!constraint) throw error;
        const resolved = await this.resolveConflict(streamId, expected, ids, payload, constraint);
        // `any` lost a race for the next revision to a concurrent append: try again on top of it.
        if (resolved === 'retry' && attempt < MAX_ANY_ATTEMPTS) continue;
        if (resolved === 'retry') throw error;
        return resolved;
      }

      switch (row.status) {
        case 'ok':
          this.announceAppend();
          return appendResult(row);
        case 'idempotent':
          return appendResult(row);
        case 'event_id_conflict':
          throw new EventIdConflictError(streamId, ids, MIXED_IDS);
        case 'wrong_expected_version':
          throw new WrongExpectedVersionError(streamId, expected, row.actual === null ? 'no_stream' : BigInt(row.actual));
      }
    }
  }

  /**
   * Appends to different streams requested in the same turn of the event loop (e.g. a translator applying a page of
   * provider events) share ONE statement: `append_to_stream` once per stream, one round trip, one commit. Each
   * stream's append is still decided on its own (a wrong expected version or an idempotent repeat is that append's
   * row, not an error of the statement). If the shared statement fails (e.g. a unique violation from a race), every
   * append in it is retried on its own, so each caller sees exactly what a lone append would have given it.
   */
  private appendBatched(values: (string | null)[]): Promise<AppendRow> {
    const streamId = values[0] as string;
    if (this.appendQueue.has(streamId)) {
      // Two appends to one stream never share a statement: this one runs alone (its revision check decides).
      return this.pool.query<AppendRow>({ ...this.sql.append, values }).then((r) => r.rows[0]);
    }
    return new Promise<AppendRow>((resolve, reject) => {
      this.appendQueue.set(streamId, { values, resolve, reject });
      if (this.appendQueue.size >= MAX_APPEND_BATCH) {
        this.flushAppends();
      } else if (!this.appendFlushScheduled) {
        this.appendFlushScheduled = true;
        setImmediate(() => this.flushAppends());
      }
    });
  }

  private flushAppends(): void {
    this.appendFlushScheduled = false;
    const batch = [...this.appendQueue.values()];
    this.appendQueue = new Map();
    this.runAppends(batch);
  }

  private runAppends(batch: PendingAppend[]): void {
    const alone = (entry: PendingAppend): void => {
      this.pool.query<AppendRow>({ ...this.sql.append, values: entry.values }).then(
        (result) => entry.resolve(result.rows[0]),
        (error: unknown) => entry.reject(error),
      );
    };
    if (batch.length === 0) return;
    if (batch.length === 1) {
      alone(batch[0]);
      return;
    }
    const column = (index: number) => batch.map((entry) => entry.values[index]);
    this.pool.query<AppendRow & { i: string }>({ ...this.sql.appendMany, values: [column(0), column(1), column(2), column(3)] }).then(
      (result) => {
        if (result.rows.length !== batch.length) {
          for (const entry of batch) entry.reject(new Error('append_to_stream: the shared statement returned fewer rows than appends'));
          return;
        }
        for (const row of result.rows) batch[Number(row.i) - 1].resolve(row);
      },
      (error: unknown) => {
        // The usual failure is one append losing a revision race (its INSERT hits the stream/revision key, which
        // rolls back the whole statement): that one runs alone (and gets a lone append's outcome), the rest again
        // together. Anything else: every append alone.
        const culprit = streamOfRevisionConflict(error);
        const index = culprit === undefined ? -1 : batch.findIndex((entry) => entry.values[0] === culprit);
        if (index < 0) {
          batch.forEach(alone);
          return;
        }
        alone(batch[index]);
        this.runAppends(batch.filter((_, i) => i !== index));
      },
    );
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    if (options.maxCount !== undefined && options.maxCount <= 0) return [];
    const { rows } = await this.pool.query<EventRow>({
      ...this.sql.readStream,
      values: [
        streamId,
        (options.fromRevision ?? 0n).toString(),
        options.toRevision?.toString() ?? MAX_BIGINT,
        options.maxCount ?? null,
      ],
    });
    return rows.map(toRecordedEvent);
  }

  async readStreams(streamIds: readonly string[]): Promise<RecordedEvent[][]> {
    this.assertOpen();
    if (streamIds.length === 0) return [];
    if (streamIds.length === 1) return [await this.readStream(streamIds[0])];
    const { rows } = await this.pool.query<EventRow & { i: string }>({ ...this.sql.readStreams, values: [streamIds] });
    const streams: RecordedEvent[][] = streamIds.map(() => []);
    for (const row of rows) streams[Number(row.i) - 1].push(toRecordedEvent(row));
    return streams;
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    if (options.limit <= 0) return [];
    const page = await this.fetchPage(options.fromPosition ?? START, options.limit, undefined);
    return page.events;
  }

  subscribeToAll(options: SubscribeOptions, handler: EventHandler): Subscription {
    this.assertOpen();
    const filter = options.filter;
    const subscription: PollingSubscription = new PollingSubscription(
      { fetch: (after, limit) => this.fetchPage(after, limit, filter) },
      handler,
      {
        fromPosition: options.fromPosition ?? START,
        pageSize: this.pageSize,
        pollIntervalMs: this.pollIntervalMs,
        maxFetchFailures: 5,
        onWake: (wake) => this.listener.add(wake),
        onEnd: () => this.subscriptions.delete(subscription),
      },
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** Stops this store's subscriptions and closes its connections (and the pool, if it owns it). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    await this.listener.close();
    await this.notifier?.close();
    if (this.ownsPool) await this.pool.end();
  }

  private announceAppend(): void {
    this.listener.wakeAll();
    this.notifier?.notify();
  }

  /** Reads one page of the global log strictly after `after`, below the safe high-water mark. */
  private async fetchPage(after: Position, limit: number, filter: SubscriptionFilter | undefined): Promise<FeedPage> {
    const { rows } = await this.pool.query<PageRow>({
      ...this.sql.page,
      values: [
        after.commit < 0n ? '0' : after.commit.toString(),
        after.prepare.toString(),
        limit,
        filter?.eventTypes ?? null,
        filter?.streamPrefixes ?? null,
      ],
    });
    const first = rows[0];
    const events = rows.filter((row): row is EventRow & PageRow => row.prepare !== null).map(toRecordedEvent);
    const caughtUp = events.length < limit;
    let next = events.length > 0 ? events[events.length - 1].position : after;
    if (caughtUp) {
      // Every row after `after` and below the high-water mark was looked at (matching or not), so the next
      // fetch may skip them: it starts just before transaction `safe_xmin`, whose rows (if it commits)
      // and everything after are still to be read.
      const mark: Position = { commit: BigInt(first.safe_xmin), prepare: -1n };
      if (comparePositions(mark, next) > 0) next = mark;
    }
    return { events, caughtUp, next, pending: first.pending };
  }

  private async appendNothing(
    streamId: string,
    expected: ExpectedRevision,
    kind: string,
    revision: string | null,
  ): Promise<AppendResult> {
    const { rows } = await this.pool.query<EventRow>({ ...this.sql.lastEvent, values: [streamId] });
    const last = rows[0];
    const actual = last ? BigInt(last.revision) : undefined;
    const ok =
      kind === 'any' ||
      (kind === 'no_stream' && actual === undefined) ||
      (kind === 'stream_exists' && actual !== undefined) ||
      (kind === 'exact' && actual !== undefined && actual.toString() === revision);
    if (!ok) throw new WrongExpectedVersionError(streamId, expected, actual ?? 'no_stream');
    return last
      ? { nextExpectedRevision: BigInt(last.revision), position: { commit: BigInt(last.commit), prepare: BigInt(last.prepare) } }
      : { nextExpectedRevision: -1n, position: START };
  }

  /**
   * After the append statement failed on a unique index (and so wrote nothing): an idempotent retry (all
   * ids already in this stream), an id conflict, a lost race for the next revision (`retry` for `any`),
   * or a wrong expected version.
   */
  private async resolveConflict(
    streamId: string,
    expected: ExpectedRevision,
    ids: string[],
    payload: string,
    constraint: 'events_stream_revision_key' | 'events_event_id_key',
  ): Promise<AppendResult | 'retry'> {
    const { rows } = await this.pool.query<ConflictRow>({ ...this.sql.conflict, values: [streamId, payload] });
    const found = rows[0];
    const count = Number(found.found);
    if (count === ids.length && found.revision !== null && found.commit !== null && found.prepare !== null) {
      return {
        nextExpectedRevision: BigInt(found.revision),
        position: { commit: BigInt(found.commit), prepare: BigInt(found.prepare) },
      };
    }
    if (count > 0) throw new EventIdConflictError(streamId, ids, MIXED_IDS);
    if (constraint === 'events_event_id_key') {
      throw new EventIdConflictError(streamId, ids, 'an event id is already used by an event of another stream');
    }
    if (expected === 'any') return 'retry';
    throw new WrongExpectedVersionError(streamId, expected, found.current === null ? 'no_stream' : BigInt(found.current));
  }

  private async inTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('PostgresEventStore is closed');
  }
}

/** Maps the port's expected revision to the append function's (kind, revision) arguments. */
function expectation(expected: ExpectedRevision): [kind: string, revision: string | null] {
  if (typeof expected === 'bigint') {
    if (expected === -1n) return ['no_stream', null];
    if (expected < 0n) throw new RangeError(`Invalid expected revision ${expected}`);
    return ['exact', expected.toString()];
  }
  return [expected, null];
}

/** The stream named by a unique violation of the (stream_id, stream_revision) key, if that is what the error is. */
function streamOfRevisionConflict(error: unknown): string | undefined {
  if (uniqueViolation(error) === undefined) return undefined;
  const detail = (error as { detail?: unknown }).detail;
  const match = typeof detail === 'string' ? /^Key \(stream_id, stream_revision\)=\((.*), -?\d+\) already exists\.$/.exec(detail) : null;
  return match ? match[1] : undefined;
}

function appendResult(row: AppendRow): AppendResult {
  if (row.revision === null || row.commit === null || row.prepare === null) {
    throw new Error(`append_to_stream returned an incomplete ${row.status} row`);
  }
  return {
    nextExpectedRevision: BigInt(row.revision),
    position: { commit: BigInt(row.commit), prepare: BigInt(row.prepare) },
  };
}

function toRecordedEvent(row: EventRow): RecordedEvent {
  return {
    id: row.id,
    type: row.type,
    data: row.data,
    metadata: row.metadata,
    streamId: row.stream_id,
    revision: BigInt(row.revision),
    position: { commit: BigInt(row.commit), prepare: BigInt(row.prepare) },
    recordedAt: row.recorded_at instanceof Date ? row.recorded_at : new Date(row.recorded_at),
  };
}

/** The events constraint a pg error violated, if it is a unique violation on one of them. */
function uniqueViolation(error: unknown): 'events_stream_revision_key' | 'events_event_id_key' | undefined {
  if (typeof error !== 'object' || error === null || (error as { code?: unknown }).code !== UNIQUE_VIOLATION) return undefined;
  const constraint = (error as { constraint?: unknown }).constraint;
  return constraint === 'events_stream_revision_key' || constraint === 'events_event_id_key' ? constraint : undefined;
}

const EVENT_COLUMNS = `ev.global_position::text AS prepare, ev.tx_id::text AS commit, ev.stream_id,
  ev.stream_revision::text AS revision, ev.event_id::text AS id, ev.type, ev.data, ev.metadata, ev.recorded_at`;

/** Named (prepared once per connection) statements for schema `s`. */
function statements(s: string, schemaName: string): Record<'append' | 'appendMany' | 'conflict' | 'readStream' | 'readStreams' | 'lastEvent' | 'page', QueryConfig> {
  return {
    append: {
      name: `es_append:${schemaName}`,
      text: `SELECT o_status AS status, o_revision::text AS revision, o_commit::text AS commit,
                    o_prepare::text AS prepare, o_actual::text AS actual
               FROM ${s}.append_to_stream($1, $2, $3::bigint, $4::jsonb)`,
    },
    appendMany: {
      name: `es_append_many:${schemaName}`,
      text: `SELECT a.i::text AS i, r.o_status AS status, r.o_revision::text AS revision, r.o_commit::text AS commit,
                    r.o_prepare::text AS prepare, r.o_actual::text AS actual
               FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) WITH ORDINALITY AS a(stream_id, kind, revision, payload, i)
              CROSS JOIN LATERAL ${s}.append_to_stream(a.stream_id, a.kind, a.revision, a.payload::jsonb) AS r
              ORDER BY a.i`,
    },
    conflict: {
      name: `es_conflict:${schemaName}`,
      text: `SELECT o_found::text AS found, o_revision::text AS revision, o_commit::text AS commit,
                    o_prepare::text AS prepare, o_current::text AS current
               FROM ${s}.append_conflict($1, $2::jsonb)`,
    },
    readStream: {
      name: `es_read_stream:${schemaName}`,
      text: `SELECT ${EVENT_COLUMNS} FROM ${s}.read_stream_range($1, $2::bigint, $3::bigint, $4::bigint) ev ORDER BY ev.stream_revision`,
    },
    readStreams: {
      name: `es_read_streams:${schemaName}`,
      text: `SELECT ev.i::text AS i, ${EVENT_COLUMNS} FROM ${s}.read_streams($1::text[]) AS ev ORDER BY ev.i, ev.stream_revision`,
    },
    lastEvent: {
      name: `es_last_event:${schemaName}`,
      text: `SELECT ${EVENT_COLUMNS} FROM ${s}.read_stream_last($1) ev`,
    },
    // The high-water mark and the rows come from one statement, hence one snapshot (see the class
    // comment). MATERIALIZED keeps the mark and the `pending` probe evaluated once, not per row.
    // The statement behind it is the read_page function (schema.ts): the page and its high-water mark in one snapshot.
    page: {
      name: `es_page:${schemaName}`,
      text: `SELECT p.o_safe_xmin::text AS safe_xmin, p.o_pending AS pending, p.o_global_position::text AS prepare,
                    p.o_tx_id::text AS commit, p.o_stream_id AS stream_id, p.o_stream_revision::text AS revision,
                    p.o_event_id::text AS id, p.o_type AS type, p.o_data AS data, p.o_metadata AS metadata,
                    p.o_recorded_at AS recorded_at
               FROM ${s}.read_page($1::xid8, $2::bigint, $3::bigint, $4::text[], $5::text[]) AS p`,
    },
  };
}
