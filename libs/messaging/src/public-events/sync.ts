import { DomainError } from '@payments/domain';
import { EventStore, Position, RecordedEvent, START } from '@payments/event-store';
import { toPublicEvent } from './catalog';
import type { PublicEvent } from './public-event';

export const SYNC_COUNT_DEFAULT = 100;
export const SYNC_COUNT_MAX = 500;
/** Log events examined per request at most (unpublished ones included), so one call stays bounded. */
const SCAN_LIMIT = 5000;

export interface SyncPage {
  events: PublicEvent[];
  /** Pass as `after_id` for the next page; stable: it names a position in the log, not an offset. */
  next_cursor: string;
  /** Whether more public events were already there after `next_cursor` (poll again later when false). */
  has_more: boolean;
}

/** Opaque cursor: `v1.` + base64url of `<commit>:<prepare>` (a position in the global log). */
export function encodeCursor(position: Position): string {
  return `v1.${Buffer.from(`${position.commit}:${position.prepare}`, 'utf8').toString('base64url')}`;
}

export function decodeCursor(cursor: unknown): Position {
  const bad = () => DomainError.invalidField('after_id', 'invalid_cursor', 'after_id is not a cursor this endpoint returned');
  if (typeof cursor !== 'string' || !/^v1\.[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw bad();
  const match = /^(-1|\d{1,20}):(-1|\d{1,20})$/.exec(Buffer.from(cursor.slice(3), 'base64url').toString('utf8'));
  if (!match) throw bad();
  return { commit: BigInt(match[1]), prepare: BigInt(match[2]) };
}

/** `count` from the query string: a whole number from 1 to 500, default 100. */
export function parseSyncCount(value: unknown): number {
  if (value === undefined || value === '') return SYNC_COUNT_DEFAULT;
  const n = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > SYNC_COUNT_MAX) {
    throw DomainError.invalidField('count', 'out_of_range', `count must be a whole number from 1 to ${SYNC_COUNT_MAX}`);
  }
  return n;
}

/**
 * Public events of every aggregate (transfers, pulls, payouts, links, accounts and the ledger, …) after `after`, in
 * global log order (so per-stream order holds): the same events, ids and envelopes `payments.events` carries.
 */
export async function syncPublicEvents(store: EventStore, afterCursor: unknown, count: number): Promise<SyncPage> {
  let from: Position = afterCursor === undefined || afterCursor === '' ? START : decodeCursor(afterCursor);
  const collected: { event: PublicEvent; position: Position }[] = [];
  let scanned = 0;
  let exhausted = false;
  let lastExamined: Position = from;
  while (collected.length <= count && scanned < SCAN_LIMIT) {
    const batch: RecordedEvent[] = await store.readAll({ fromPosition: from, limit: Math.min(500, SCAN_LIMIT - scanned) });
    if (batch.length === 0) {
      exhausted = true;
      break;
    }
    for (const recorded of batch) {
      scanned += 1;
      const event = toPublicEvent(recorded);
      if (event) collected.push({ event, position: recorded.position });
      if (collected.length > count) break; // one beyond the page: there is more
      lastExamined = recorded.position;
    }
    from = batch[batch.length - 1].position;
  }
  if (collected.length > count) {
    const page = collected.slice(0, count);
    return { events: page.map((c) => c.event), next_cursor: encodeCursor(page[page.length - 1].position), has_more: true };
  }
  return { events: collected.map((c) => c.event), next_cursor: encodeCursor(lastExamined), has_more: !exhausted };
}
