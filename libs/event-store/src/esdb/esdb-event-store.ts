import { AsyncLocalStorage } from 'node:async_hooks';
import {
  ANY,
  EventStoreDBClient,
  FORWARDS,
  NO_STREAM,
  START as ESDB_START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamRecordedEvent,
  type AppendExpectedRevision,
  type Filter,
  type ReadPosition,
  type RecordedEvent as EsdbRecordedEvent,
} from '@eventstore/db-client';
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

export interface EsdbEventStoreOptions {
  client: EventStoreDBClient;
  /** Whether `close()` disposes the client. Default false; `fromConnectionString()` sets it. */
  ownsClient?: boolean;
  /** Consecutive subscription failures (disconnects) retried, resubscribing from the last handled event. Default 5. */
  maxResubscribeAttempts?: number;
}

/**
 * The EventStoreDB adapter of the EventStore port (the production store of the design card).
 *
 * Mapping notes:
 *  - positions are EventStoreDB's own {commit, prepare} log positions, unchanged in both directions;
 *    the port's START (-1/-1) maps to the client's START;
 *  - reads of `$all` and subscriptions never return system events (`$`-prefixed event types or streams);
 *  - `readAll` is exclusive of `fromPosition` (the server starts *at* a position, so the adapter drops an
 *    event at or before it); subscriptions are exclusive too, checked the same way;
 *  - the port's filter may combine stream prefixes and event types; the server takes one filter, so the
 *    stream-prefix part (or else the event-type part, or else "no system events") runs on the server and
 *    the rest on the client.
 *  - idempotency is EventStoreDB's: re-appending the same event ids with the same expected revision is
 *    a no-op; the server may answer a batch mixing old and new ids with WrongExpectedVersion.
 */
export class EsdbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly ownsClient: boolean;
  private readonly maxResubscribeAttempts: number;
  private readonly subscriptions = new Set<EsdbSubscription>();
  private closed = false;

  constructor(options: EsdbEventStoreOptions) {
    this.client = options.client;
    this.ownsClient = options.ownsClient ?? false;
    this.maxResubscribeAttempts = options.maxResubscribeAttempts ?? 5;
  }

  /** e.g. `esdb://localhost:2113?tls=false`. The store owns (and on close disposes) the client. */
  static fromConnectionString(connectionString: string): EsdbEventStore {
    return new EsdbEventStore({ client: EventStoreDBClient.connectionString(connectionString), ownsClient: true });
  }

  async appendToStream(streamId: string, events: EventData[], options: AppendOptions = {}): Promise<AppendResult> {
    this.assertOpen();
    const expected = options.expectedRevision ?? 'any';
    let result;
    try {
      result = await this.client.appendToStream(
        streamId,
        events.map((event) => jsonEvent({ id: event.id, type: event.type, data: event.data, metadata: event.metadata })),
        { expectedRevision: toEsdbExpected(expected) },
      );
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError) {
        throw new WrongExpectedVersionError(streamId, expected, fromCurrentRevision(error.actualVersion));
      }
      throw error;
    }
    // With the client setting throwOnAppendFailure=false a conflict comes back as success: false.
    if (!result.success) {
      throw new WrongExpectedVersionError(streamId, expected, result.nextExpectedRevision < 0n ? 'no_stream' : result.nextExpectedRevision);
    }
    const position = result.position ?? (await this.positionOf(streamId, result.nextExpectedRevision));
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const from = options.fromRevision ?? 0n;
    let maxCount = options.maxCount === undefined ? undefined : BigInt(options.maxCount);
    if (options.toRevision !== undefined) {
      if (options.toRevision < from) return [];
      const span = options.toRevision - from + 1n;
      maxCount = maxCount === undefined || span < maxCount ? span : maxCount;
    }
    if (maxCount !== undefined && maxCount <= 0n) return [];
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(streamId, { fromRevision: from, direction: FORWARDS, ...(maxCount === undefined ? {} : { maxCount }) })) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event, resolved.event.position));
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return events;
  }

  async readStreams(streamIds: readonly string[]): Promise<RecordedEvent[][]> {
    // One gRPC read per stream, concurrently: EventStoreDB has no multi-stream read.
    return Promise.all(streamIds.map((streamId) => this.readStream(streamId)));
  }

  async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
    this.assertOpen();
    const from = options.fromPosition ?? START;
    const events: RecordedEvent[] = [];
    let cursor = from;
    while (events.length < options.limit) {
      // +1: the server starts at `cursor` inclusive, and that event was already returned (or is `from`).
      const chunk = Math.max(options.limit - events.length + 1, 64);
      let read = 0;
      let last: Position | undefined;
      for await (const resolved of this.client.readAll({ fromPosition: toReadPosition(cursor), maxCount: chunk, direction: FORWARDS })) {
        read += 1;
        const event = resolved.event;
        if (!event) continue;
        last = event.position;
        if (comparePositions(event.position, cursor) <= 0 || isSystemEvent(event)) continue;
        events.push(toRecordedEvent(event, event.position));
        if (events.length === options.limit) break;
      }
      if (events.length === options.limit || read < chunk || !last) break;
      cursor = last;
    }
    return events;
  }

  subscribeToAll(options: SubscribeOptions, handler: EventHandler): Subscription {
    this.assertOpen();
    const subscription: EsdbSubscription = new EsdbSubscription(
      this.client,
      options.fromPosition ?? START,
      options.filter ?? {},
      handler,
      this.maxResubscribeAttempts,
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([...this.subscriptions].map((subscription) => subscription.stop()));
    if (this.ownsClient) await this.client.dispose();
  }

  /** Position of the event at `revision` (for append results the server did not give one). */
  private async positionOf(streamId: string, revision: bigint): Promise<Position> {
    if (revision < 0n) return START;
    const [event] = await this.readStream(streamId, { fromRevision: revision, maxCount: 1 });
    if (!event) throw new Error(`EventStoreDB did not return a position for ${streamId}@${revision}`);
    return event.position;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('EsdbEventStore is closed');
  }
}

const inHandler = new AsyncLocalStorage<EsdbSubscription>();

class HandlerFailure {
  constructor(readonly error: unknown) {}
}

/**
 * A catch-up subscription to `$all`: the handler is awaited per event (async iteration pulls the next
 * event only after it returns), so delivery is in order with back-pressure. A handler error unsubscribes
 * and rejects `done`. A dropped connection resubscribes from the last handled position, up to
 * `maxAttempts` consecutive failures.
 */
class EsdbSubscription implements Subscription {
  readonly done: Promise<void>;
  private stopped = false;
  private current: { unsubscribe(): Promise<void> } | undefined;
  private wakeSleeper: (() => void) | undefined;

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly from: Position,
    private readonly filter: SubscriptionFilter,
    private readonly handler: EventHandler,
    private readonly maxAttempts: number,
    private readonly onEnd: () => void,
  ) {
    this.done = this.run();
    this.done.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeSleeper?.();
    await this.current?.unsubscribe().catch(() => undefined);
    if (inHandler.getStore() === this) return;
    await this.done.catch(() => undefined);
  }

  private async run(): Promise<void> {
    let cursor = this.from;
    let failures = 0;
    const { server, matches } = splitFilter(this.filter);
    try {
      while (!this.stopped) {
        const subscription = this.client.subscribeToAll({ fromPosition: toReadPosition(cursor), filter: server });
        this.current = subscription;
        try {
          for await (const resolved of subscription) {
            if (this.stopped) break;
            const event = resolved.event;
            if (!event || comparePositions(event.position, cursor) <= 0) continue;
            if (!isSystemEvent(event) && matches(event)) {
              const recorded = toRecordedEvent(event, event.position);
              try {
                await inHandler.run(this, () => this.handler(recorded));
              } catch (error) {
                throw new HandlerFailure(error);
              }
              failures = 0;
            }
            cursor = event.position;
          }
        } catch (error) {
          if (error instanceof HandlerFailure) throw error.error;
          if (this.stopped) return;
          failures += 1;
          if (failures > this.maxAttempts) throw error;
          await this.sleep(Math.min(5_000, 100 * 2 ** failures));
        } finally {
          this.current = undefined;
          await subscription.unsubscribe().catch(() => undefined);
        }
      }
    } finally {
      this.onEnd();
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wakeSleeper = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}

/** The server takes one filter: stream prefixes if any, else exact event types, else "no system events". */
function splitFilter(filter: SubscriptionFilter): { server: Filter; matches: (event: AllStreamRecordedEvent) => boolean } {
  const prefixes = filter.streamPrefixes;
  const types = filter.eventTypes ? new Set(filter.eventTypes) : undefined;
  const matches = (event: AllStreamRecordedEvent): boolean =>
    (!prefixes || prefixes.some((prefix) => event.streamId.startsWith(prefix))) && (!types || types.has(event.type));
  if (prefixes && prefixes.length > 0) return { server: streamNameFilter({ prefixes }), matches };
  if (filter.eventTypes && filter.eventTypes.length > 0) {
    return { server: eventTypeFilter({ regex: `^(?:${filter.eventTypes.map(escapeRegex).join('|')})$` }), matches };
  }
  return { server: excludeSystemEvents(), matches };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function isSystemEvent(event: { type: string; streamId: string }): boolean {
  return event.type.startsWith('$') || event.streamId.startsWith('$');
}

function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      if (expected === -1n) return NO_STREAM;
      if (expected < 0n) throw new RangeError(`Invalid expected revision ${expected}`);
      return expected;
  }
}

function fromCurrentRevision(actual: typeof NO_STREAM | bigint): bigint | 'no_stream' {
  return actual === NO_STREAM ? 'no_stream' : actual;
}

function toReadPosition(position: Position): ReadPosition {
  return position.commit < 0n || position.prepare < 0n ? ESDB_START : { commit: position.commit, prepare: position.prepare };
}

function toRecordedEvent(event: EsdbRecordedEvent, position: Position | undefined): RecordedEvent {
  return {
    id: event.id,
    type: event.type,
    data: asObject(event.data) as Record<string, unknown>,
    metadata: asObject(event.metadata) as EventMetadata,
    streamId: event.streamId,
    revision: event.revision,
    // Stream reads carry positions on EventStoreDB 20+; START stands in if a server leaves them out.
    position: position ?? START,
    recordedAt: event.created,
  };
}

/** JSON events arrive parsed; binary payloads (not written by this adapter) are parsed if they hold JSON. */
function asObject(value: unknown): object {
  if (value instanceof Uint8Array) {
    try {
      return JSON.parse(Buffer.from(value).toString('utf8')) as object;
    } catch {
      return {};
    }
  }
  return typeof value === 'object' && value !== null ? value : {};
}
