/**
 * The event-store port. Adapters (Postgres, EventStoreDB) implement it; nothing here names pg or gRPC
 * types. Every adapter must pass the shared contract suite in `testing/event-store.contract.ts`.
 */

/** Metadata carried by every event (ARCHITECTURE §4). */
export interface EventMetadata {
  correlation_id: string;
  causation_id: string;
  idempotency_key?: string;
  /** Who caused it: `api-key:<id>`, `provider:<name>`, `ops:<who>`, `system:<piece>`. */
  actor: string;
  schema_version: number;
  /** ISO-8601 time at which the command was decided (from the Clock port). */
  occurred_at: string;
  /** W3C trace context of the operation that appended the event (optional: older events have none). */
  traceparent?: string;
  [key: string]: unknown;
}

/** An event to append. `id` is a UUID; make it deterministic wherever a retry could repeat the append. */
export interface EventData<T extends string = string, D = Record<string, unknown>> {
  id: string;
  type: T;
  data: D;
  metadata: EventMetadata;
}

/**
 * A position in the global log. Ordered lexicographically by (commit, prepare). For EventStoreDB these
 * are its commit/prepare positions; for Postgres `commit` is the writing transaction id and `prepare`
 * the sequence-assigned global position, so readers can never skip an event committed out of order.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Before the first event: reading or subscribing "from START" delivers everything. */
export const START: Position = Object.freeze({ commit: -1n, prepare: -1n });

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export interface RecordedEvent<T extends string = string, D = Record<string, unknown>> extends EventData<T, D> {
  streamId: string;
  /** 0-based revision of this event within its stream. */
  revision: bigint;
  position: Position;
  recordedAt: Date;
}

/**
 * `no_stream`: the stream must not exist. `stream_exists`: it must have at least one event.
 * `any`: no check. A bigint: the revision of the stream's last event must equal it.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the stream's last event after the append (pass it as the next expectedRevision). */
  nextExpectedRevision: bigint;
  /** Position of the last appended event (for an idempotent no-op, of the existing last one). */
  position: Position;
}

export interface ReadStreamOptions {
  /** Inclusive; defaults to 0. */
  fromRevision?: bigint;
  /** Inclusive. */
  toRevision?: bigint;
  maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Defaults to START. */
  fromPosition?: Position;
  limit: number;
}

export interface SubscriptionFilter {
  /** Only streams whose id starts with one of these prefixes. */
  streamPrefixes?: string[];
  /** Only these event types. */
  eventTypes?: string[];
}

export interface SubscribeOptions {
  /** Exclusive: delivery starts strictly after this position (a stored checkpoint). Defaults to START. */
  fromPosition?: Position;
  filter?: SubscriptionFilter;
}

/**
 * A live subscription. The handler is awaited for each event in global order; a handler that throws
 * stops the subscription and rejects `done` with that error (the caller resumes from its checkpoint).
 */
export interface Subscription {
  stop(): Promise<void>;
  readonly done: Promise<void>;
}

export type EventHandler = (event: RecordedEvent) => Promise<void>;

export interface EventStore {
  appendToStream(streamId: string, events: EventData[], options?: AppendOptions): Promise<AppendResult>;
  /** Events of one stream in revision order; an empty array for a stream that does not exist. */
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * Several whole streams at once (one round trip where the store allows it): the i-th array holds the events of the
   * i-th id, in revision order; an empty array for a stream that does not exist.
   */
  readStreams(streamIds: readonly string[]): Promise<RecordedEvent[][]>;
  /** Events of all streams in global order, strictly after `fromPosition`. */
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options: SubscribeOptions, handler: EventHandler): Subscription;
  close(): Promise<void>;
}

/** Optimistic-concurrency failure: the stream's revision was not the expected one. Nothing was appended. */
export class WrongExpectedVersionError extends Error {
  override readonly name = 'WrongExpectedVersionError';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    readonly actual: bigint | 'no_stream',
  ) {
    super(`Wrong expected version on ${streamId}: expected ${String(expected)}, actual ${String(actual)}`);
  }
}

/** Injection token for the EventStore port in Nest modules. */
export const EVENT_STORE = Symbol('EVENT_STORE');
