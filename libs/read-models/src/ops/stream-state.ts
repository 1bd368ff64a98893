import {
  accountDecider,
  achPullDecider,
  assetBalanceDecider,
  bankLinkDecider,
  customerDecider,
  Decider,
  DomainError,
  payoutDecider,
  recipientDecider,
  recipientIndexDecider,
  remittanceDecider,
  transferDecider,
} from '@payments/domain';
import { EventStore, RecordedEvent } from '@payments/event-store';

type AnyDecider = Pick<Decider<unknown, never, { type: string; data: object }>, 'evolve' | 'initialState'>;

/** Deciders by stream prefix; longer prefixes first (`recipients-` before `recipient-`, `asset-balance-`, …). */
const DECIDERS: [prefix: string, decider: AnyDecider][] = (
  [
    ['ach-pull-', achPullDecider],
    ['asset-balance-', assetBalanceDecider],
    ['bank-link-', bankLinkDecider],
    ['recipients-', recipientIndexDecider],
    ['recipient-', recipientDecider],
    ['remittance-', remittanceDecider],
    ['customer-', customerDecider],
    ['account-', accountDecider],
    ['payout-', payoutDecider],
    ['transfer-', transferDecider],
  ] as [string, unknown][]
).map(([prefix, decider]) => [prefix, decider as AnyDecider]);

export const STATE_STREAM_PREFIXES = DECIDERS.map(([prefix]) => prefix);

export function deciderForStream(stream: string): AnyDecider | undefined {
  return DECIDERS.find(([prefix]) => stream.startsWith(prefix))?.[1];
}

/** `--at`: a stream revision (0-based, inclusive) or an ISO-8601 instant (events that occurred at or before it). */
export type StatePoint = { revision: bigint } | { time: Date } | { latest: true };

export function parseStatePoint(at: string | undefined): StatePoint {
  if (at === undefined || at === '') return { latest: true };
  if (/^\d{1,18}$/.test(at)) return { revision: BigInt(at) };
  const time = new Date(at);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(at) || Number.isNaN(time.getTime())) {
    throw new DomainError('ErrorInvalidField', 'at must be a stream revision (0, 1, …) or an ISO-8601 time', 'CategoryValidationFailure', [
      { key: 'field', details: 'at' },
      { key: 'issue', details: 'invalid_revision_or_time' },
    ]);
  }
  return { time };
}

export interface StreamStateAt {
  stream: string;
  /** The revision of the last event folded (null: none, the initial state). */
  revision: string | null;
  /** When that event occurred. */
  as_of: string | null;
  last_event_type: string | null;
  events_folded: number;
  events_in_stream: number;
  /** The aggregate's state, JSON-safe (Maps as objects, bigints and dates as strings). */
  state: unknown;
}

const occurred = (event: RecordedEvent): Date => (typeof event.metadata.occurred_at === 'string' ? new Date(event.metadata.occurred_at) : event.recordedAt);

/**
 * Folds a stream's events up to a point with the aggregate's decider. Undefined when the stream has no events;
 * a DomainError (400) for a stream whose prefix names no aggregate.
 */
export async function streamStateAt(store: EventStore, stream: string, at: StatePoint): Promise<StreamStateAt | undefined> {
  const decider = deciderForStream(stream);
  if (!decider) {
    throw new DomainError('ErrorInvalidField', `no aggregate has streams named like "${stream}"`, 'CategoryValidationFailure', [
      { key: 'field', details: 'stream' },
      { key: 'issue', details: 'unknown_stream_type' },
    ]);
  }
  const events = await store.readStream(stream);
  if (events.length === 0) return undefined;
  const upTo = events.filter((event) => ('revision' in at ? event.revision <= at.revision : 'time' in at ? occurred(event) <= at.time : true));
  const state = upTo.reduce((s, event) => decider.evolve(s, { type: event.type, data: event.data } as never), decider.initialState());
  const last = upTo[upTo.length - 1];
  return {
    stream,
    revision: last ? last.revision.toString() : null,
    as_of: last ? occurred(last).toISOString() : null,
    last_event_type: last?.type ?? null,
    events_folded: upTo.length,
    events_in_stream: events.length,
    state: toJsonSafe(state),
  };
}

/** Maps (and persistent maps with entries()) as objects, Sets as arrays, bigints as strings, Dates as ISO strings. */
export function toJsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Map) return Object.fromEntries([...value.entries()].map(([k, v]) => [String(k), toJsonSafe(v)]));
  if (value instanceof Set) return [...value].map(toJsonSafe);
  if (Array.isArray(value)) return value.map(toJsonSafe);
  if (value !== null && typeof value === 'object') {
    const entries = (value as { entries?: unknown }).entries;
    if (typeof entries === 'function' && Symbol.iterator in value) {
      // A map-like (e.g. the domain's PersistentMap): its entries as an object.
      return Object.fromEntries([...(entries.call(value) as Iterable<[unknown, unknown]>)].map(([k, v]) => [String(k), toJsonSafe(v)]));
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonSafe(v)]));
  }
  return value;
}
