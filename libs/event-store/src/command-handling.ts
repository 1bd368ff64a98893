import { Decider, DomainEvent, fold } from '@payments/domain';
import { deterministicUuid, newUuid } from './ids';
import { EventData, EventMetadata, EventStore, RecordedEvent, WrongExpectedVersionError } from './event-store.port';

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
}

export class ConcurrencyRetriesExhaustedError extends Error {
  override readonly name = 'ConcurrencyRetriesExhaustedError';
  constructor(readonly streamId: string, readonly attempts: number) {
    super(`Gave up on ${streamId} after ${attempts} concurrent-modification retries`);
  }
}

const toDomainEvent = <E>(recorded: RecordedEvent): E => ({ type: recorded.type, data: recorded.data }) as E;

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

  for (let attempt = 1; ; attempt++) {
    const recorded = await store.readStream(streamId);
    const history = recorded.map((e) => toDomainEvent<E>(e));
    const state = fold(decider, history);
    const revision = recorded.length > 0 ? recorded[recorded.length - 1].revision : -1n;

    if (firstSeededId && recorded.some((e) => e.id === firstSeededId)) {
      const seededIds = new Set(recorded.map((_, i) => idFor(i)));
      const already = recorded.filter((e) => seededIds.has(e.id));
      return { events: already.map((e) => toDomainEvent<E>(e)), state, revision, replayed: true };
    }

    const newEvents = decider.decide(command, state);
    if (newEvents.length === 0) return { events: [], state, revision, replayed: false };

    const metadata: EventMetadata = {
      correlation_id: context.correlationId,
      causation_id: context.causationId ?? context.correlationId,
      ...(context.idempotencyKey ? { idempotency_key: context.idempotencyKey } : {}),
      actor: context.actor,
      schema_version: options.schemaVersion ?? 1,
      occurred_at: now.toISOString(),
    };
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
      const newState = newEvents.reduce((s, e) => decider.evolve(s, e), state);
      return { events: newEvents, state: newState, revision: result.nextExpectedRevision, replayed: false };
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw error;
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
