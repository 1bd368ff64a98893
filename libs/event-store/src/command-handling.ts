import { Decider, DomainEvent, fold } from '@payments/domain';
import { deterministicUuid, newUuid } from './ids';
import { EventData, EventMetadata, EventStore, RecordedEvent, WrongExpectedVersionError } from './event-store.port';
import { activeTraceparent } from './trace-context';

/** Who and why: copied into every event's metadata. */
export interface CommandContext {
  correlationId: string;
  /** The message/request/event that caused this command; defaults to the correlation id. */
  causationId?: string;
  /** `api-key:<id>`, `provider:plaid`, `ops:<name>`, `system:<piece>`. */
  actor: string;
  idempotencyKey?: string;
  /**
   * Seed for deterministic event ids. Set it wherever a retry could repeat the command (an API idempotency key, a
   * provider event or webhook id): the same seed yields the same ids, so a repeated append dedupes at the store.
   */
  eventIdSeed?: string;
  /**
   * W3C trace context of the operation deciding the command (stored as `metadata.traceparent`). Defaults to the
   * active OpenTelemetry context (see trace-context.ts) when there is one; absent otherwise.
   */
  traceparent?: string;
}

export interface CommandResult<S, E> {
  /** The events this call appended (or, for a repeat of an already-applied seeded command, the ones found). */
  events: E[];
  /** State after the command. */
  state: S;
  /** Revision of the stream's last event, or -1n when the stream is still empty. */
  revision: bigint;
  /** True when the command had already been applied (same eventIdSeed) and nothing new was appended. */
  replayed: boolean;
}

export interface HandleCommandOptions {
  /** Attempts on optimistic-concurrency conflicts before giving up (default 5). */
  maxAttempts?: number;
  schemaVersion?: number;
  /** Streams as this process last saw them: lets a command skip the read when nothing changed meanwhile. */
  cache?: StreamCache;
  /**
   * The caller expects the stream not to exist yet (its id was just minted, e.g. a new payout). The first attempt then
   * decides on the empty stream without reading it and appends with `no_stream`; a stream that does exist fails that
   * append and is read and decided again, like a stale cache entry. Ignored for seeded commands (`eventIdSeed`: a
   * retry with the same idempotency key expects its stream to exist), which always read.
   */
  expectNewStream?: boolean;
}

/**
 * What {@link StreamCache} keeps per stream: the event ids and domain events, in revision order, and the state they
 * fold to under the decider that last decided on the stream (so a long stream, e.g. a hot account, is not folded from
 * its first event on every command: deciders are pure and states immutable, so the folded state can be reused).
 */
interface CachedStream {
  ids: string[];
  events: DomainEvent[];
  folded?: { decider: object; state: unknown };
}

/**
 * The streams this process read or wrote last, bounded (least recently used out). An entry may be stale (another
 * process appended since); it is only used where that is harmless:
 * - deciding optimistically: the append carries the cached revision as its expected revision, so a stale entry
 *   makes the append fail with a version conflict, and the command then reads the stream and decides again;
 * - a decision that appends nothing or refuses the command is never trusted from the cache: it is taken again
 *   from a fresh read (a stale state could refuse what the current one allows);
 * - a seeded event id found in the entry is in the stream for good (events are immutable).
 */
export class StreamCache {
  private readonly entries = new Map<string, CachedStream>();

  constructor(private readonly maxStreams = 10_000) {}

  get(streamId: string): CachedStream | undefined {
    const entry = this.entries.get(streamId);
    if (entry) {
      this.entries.delete(streamId);
      this.entries.set(streamId, entry);
    }
    return entry;
  }

  set(streamId: string, entry: CachedStream): void {
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    if (this.entries.size > this.maxStreams) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** The entry without touching its recency (a hint for a caller, not a use). */
  peek(streamId: string): CachedStream | undefined {
    return this.entries.get(streamId);
  }

  delete(streamId: string): void {
    this.entries.delete(streamId);
  }

  get size(): number {
    return this.entries.size;
  }
}

export class ConcurrencyRetriesExhaustedError extends Error {
  override readonly name = 'ConcurrencyRetriesExhaustedError';
  constructor(readonly streamId: string, readonly attempts: number) {
    super(`Gave up on ${streamId} after ${attempts} concurrent-modification retries`);
  }
}

const toDomainEvent = <E>(recorded: RecordedEvent): E => ({ type: recorded.type, data: recorded.data }) as E;

/** Who and why, as every appended event's metadata carries it. */
function eventMetadata(context: CommandContext, now: Date, schemaVersion = 1): EventMetadata {
  const traceparent = context.traceparent ?? activeTraceparent();
  return {
    correlation_id: context.correlationId,
    causation_id: context.causationId ?? context.correlationId,
    ...(context.idempotencyKey ? { idempotency_key: context.idempotencyKey } : {}),
    actor: context.actor,
    schema_version: schemaVersion,
    occurred_at: now.toISOString(),
    ...(traceparent ? { traceparent } : {}),
  };
}

/** Reads the stream whole and remembers it in the cache (no folded state yet). */
async function readFresh<E>(store: EventStore, streamId: string, cache: StreamCache | undefined): Promise<CachedStream> {
  const recorded = await store.readStream(streamId);
  const stream = { ids: recorded.map((e) => e.id), events: recorded.map((e) => toDomainEvent<E>(e) as DomainEvent) };
  cache?.set(streamId, stream);
  return stream;
}

/**
 * The one command path: read stream -> fold with `evolve` -> `decide` -> append with the expected revision ->
 * on a version conflict, read again and retry. Domain errors thrown by `decide` propagate unchanged (nothing is
 * appended). With an `eventIdSeed`, event ids are derived from it and a command already applied is recognised
 * by its first event id and answered from the stream without deciding again.
 */
export async function handleCommand<S, C, E extends DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<S, C, E>,
  command: C,
  context: CommandContext,
  now: Date,
  options: HandleCommandOptions = {},
): Promise<CommandResult<S, E>> {
  const maxAttempts = options.maxAttempts ?? 5;
  const idFor = (index: number): string =>
    context.eventIdSeed ? deterministicUuid(`${context.eventIdSeed}|${streamId}|${index}`) : newUuid();
  const firstSeededId = context.eventIdSeed ? idFor(0) : undefined;

  const cache = options.cache;
  // The first attempt may decide on the cached stream; any doubt (a conflict, a no-op, a refusal) reads it fresh.
  // Not for a seeded command: its retry may find its own events already written, and the store answers such an
  // idempotent repeat as a success, which would hide the events written after them.
  let cached = cache?.get(streamId) ?? (options.expectNewStream && !context.eventIdSeed ? { ids: [], events: [] } : undefined);

  for (let attempt = 1; ; attempt++) {
    const stream = cached ?? (await readFresh<E>(store, streamId, cache));
    const fromCache = cached !== undefined;
    cached = undefined;
    const history = stream.events as E[];
    const state = stream.folded?.decider === decider ? (stream.folded.state as S) : fold(decider, history);
    const revision = BigInt(stream.ids.length) - 1n;

    if (firstSeededId && stream.ids.includes(firstSeededId)) {
      const seededIds = new Set(stream.ids.map((_, i) => idFor(i)));
      const already = history.filter((_, i) => seededIds.has(stream.ids[i]));
      return { events: already, state, revision, replayed: true };
    }

    let newEvents: E[];
    try {
      newEvents = decider.decide(command, state);
    } catch (error) {
      if (fromCache) {
        attempt--;
        continue;
      }
      throw error;
    }
    if (newEvents.length === 0) {
      if (fromCache) {
        attempt--;
        continue;
      }
      return { events: [], state, revision, replayed: false };
    }

    const metadata = eventMetadata(context, now, options.schemaVersion);
    const toAppend: EventData[] = newEvents.map((event, index) => ({
      id: idFor(index),
      type: event.type,
      data: event.data as unknown as Record<string, unknown>,
      metadata,
    }));
    try {
      const result = await store.appendToStream(streamId, toAppend, {
        expectedRevision: revision < 0n ? 'no_stream' : revision,
      });
      if (result.nextExpectedRevision !== revision + BigInt(newEvents.length)) {
        // The store found these events already written (an idempotent repeat), so the stream is not what this attempt
        // decided on: read it and answer from what is there (the seeded-id check above reports the replay).
        cache?.delete(streamId);
        if (fromCache) attempt--;
        continue;
      }
      const newState = newEvents.reduce((s, e) => decider.evolve(s, e), state);
      cache?.set(streamId, { ids: [...stream.ids, ...toAppend.map((e) => e.id)], events: [...history, ...newEvents], folded: { decider, state: newState } });
      return { events: newEvents, state: newState, revision: result.nextExpectedRevision, replayed: false };
    } catch (error) {
      cache?.delete(streamId);
      if (!(error instanceof WrongExpectedVersionError)) throw error;
      if (fromCache) {
        // The cached stream was stale: that costs a read, not an attempt.
        attempt--;
        continue;
      }
      if (attempt >= maxAttempts) throw new ConcurrencyRetriesExhaustedError(streamId, attempt);
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 10 * attempt)));
    }
  }
}

/** Read a stream and fold it, for queries that need an aggregate's current state (e.g. eligibility checks). */
export async function loadState<S, C, E extends DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<S, C, E>,
): Promise<{ state: S; revision: bigint }> {
  const recorded = await store.readStream(streamId);
  const state = fold(decider, recorded.map((e) => toDomainEvent<E>(e)));
  return { state, revision: recorded.length > 0 ? recorded[recorded.length - 1].revision : -1n };
}

/** One command of a {@link handleCommandBatch}: what `handleCommand` takes per call. */
export interface BatchedCommand<C> {
  command: C;
  context: CommandContext;
}

export type BatchOutcome<S, E> = { ok: true; result: CommandResult<S, E> } | { ok: false; error: unknown };

/**
 * Several commands on ONE stream, decided in order (each on the state the previous ones left) and appended together:
 * one read at most, one append, one commit. What each caller gets is what `handleCommand` would have answered had the
 * commands run one after the other: its own events, the state after them and the revision of its last event, its
 * refusal, its no-op or its replay. A refused command does not stop the others. The rules of the single path hold:
 * decisions taken on a cached stream are checked by the append's expected revision, and any refusal or no-op decided
 * on the cache makes the whole batch decide again on a fresh read; a version conflict re-reads and decides again.
 */
export async function handleCommandBatch<S, C, E extends DomainEvent>(
  store: EventStore,
  streamId: string,
  decider: Decider<S, C, E>,
  batch: readonly BatchedCommand<C>[],
  now: Date,
  options: Pick<HandleCommandOptions, 'cache' | 'maxAttempts'> = {},
): Promise<BatchOutcome<S, E>[]> {
  const maxAttempts = options.maxAttempts ?? 5;
  const cache = options.cache;
  const seeds = batch.map(({ context }) => {
    const idFor = (index: number): string => (context.eventIdSeed ? deterministicUuid(`${context.eventIdSeed}|${streamId}|${index}`) : newUuid());
    return { idFor, first: context.eventIdSeed ? idFor(0) : undefined };
  });
  let cached = cache?.get(streamId);

  for (let attempt = 1; ; attempt++) {
    const stream = cached ?? (await readFresh<E>(store, streamId, cache));
    const fromCache = cached !== undefined;
    cached = undefined;
    const baseRevision = BigInt(stream.ids.length) - 1n;
    let state = stream.folded?.decider === decider ? (stream.folded.state as S) : fold(decider, stream.events as E[]);
    const ids = [...stream.ids];
    const events = [...(stream.events as E[])];
    const toAppend: EventData[] = [];
    // Per command: its outcome, with `revision` filled in for appended commands once the append succeeded.
    const outcomes: (BatchOutcome<S, E> | { pending: true; events: E[]; state: S; lastIndex: number })[] = [];
    let doubt = false;

    for (const [i, { command, context }] of batch.entries()) {
      const { idFor, first } = seeds[i];
      if (first && ids.includes(first)) {
        const seededIds = new Set(ids.map((_, k) => idFor(k)));
        const already = events.filter((_, k) => seededIds.has(ids[k]));
        outcomes.push({ ok: true, result: { events: already, state, revision: BigInt(ids.length) - 1n, replayed: true } });
        continue;
      }
      let decided: E[];
      try {
        decided = decider.decide(command, state);
      } catch (error) {
        if (fromCache) {
          doubt = true;
          break;
        }
        outcomes.push({ ok: false, error });
        continue;
      }
      if (decided.length === 0) {
        if (fromCache) {
          doubt = true;
          break;
        }
        outcomes.push({ ok: true, result: { events: [], state, revision: BigInt(ids.length) - 1n, replayed: false } });
        continue;
      }
      const metadata = eventMetadata(context, now);
      decided.forEach((event, k) => {
        const id = idFor(k);
        toAppend.push({ id, type: event.type, data: event.data as unknown as Record<string, unknown>, metadata });
        ids.push(id);
        events.push(event);
        state = decider.evolve(state, event);
      });
      outcomes.push({ pending: true, events: decided, state, lastIndex: ids.length - 1 });
    }
    if (doubt) {
      // Something decided on the cached stream refused or changed nothing: decide everything again on a fresh read.
      cache?.delete(streamId);
      attempt--;
      continue;
    }
    const settle = (): BatchOutcome<S, E>[] =>
      outcomes.map((o) => ('pending' in o ? { ok: true, result: { events: o.events, state: o.state, revision: BigInt(o.lastIndex), replayed: false } } : o));
    if (toAppend.length === 0) return settle();

    try {
      const result = await store.appendToStream(streamId, toAppend, { expectedRevision: baseRevision < 0n ? 'no_stream' : baseRevision });
      if (result.nextExpectedRevision !== BigInt(ids.length) - 1n) {
        // An idempotent repeat: the stream is not what was decided on; read it and answer from what is there.
        cache?.delete(streamId);
        if (fromCache) attempt--;
        continue;
      }
    } catch (error) {
      cache?.delete(streamId);
      if (!(error instanceof WrongExpectedVersionError)) return batch.map(() => ({ ok: false, error }));
      if (fromCache) {
        attempt--;
        continue;
      }
      if (attempt >= maxAttempts) return batch.map(() => ({ ok: false, error: new ConcurrencyRetriesExhaustedError(streamId, attempt) }));
      await new Promise((resolve) => setTimeout(resolve, Math.floor(Math.random() * 10 * attempt)));
      continue;
    }
    cache?.set(streamId, { ids, events, folded: { decider, state } });
    return settle();
  }
}
