import { Pool } from 'pg';
import { ACCOUNT_CURRENCIES } from '@payments/domain';
import { EventStore, RecordedEvent } from '@payments/event-store';
import { findProviderEventPayloads, migrateProviderTransfers } from '../ach-pulls/provider-transfers';

/** The aggregates whose id `ops history <id>` looks up, by stream prefix. */
export const HISTORY_STREAM_PREFIXES = ['ach-pull-', 'payout-', 'transfer-', 'remittance-'] as const;

export interface HistoryEntry {
  stream: string;
  revision: string;
  position: { commit: string; prepare: string };
  event_id: string;
  type: string;
  time: string;
  recorded_at: string;
  actor: string | null;
  causation_id: string | null;
  correlation_id: string | null;
  idempotency_key: string | null;
  /** The provider event that caused this one (stored by the translator), when there is one. */
  provider_event: { provider: string; payload: Record<string, unknown> } | null;
}

export interface MovementHistory {
  id: string;
  /** The movement's own stream(s) first, then the account / asset streams whose events name it as movement. */
  streams: string[];
  events: HistoryEntry[];
}

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/**
 * The timeline of a pull, payout, transfer or remittance: every event of its stream and every account or asset-balance
 * event whose `movement_id` is that id, in global order, with metadata and the provider event that caused each one.
 * Undefined when no stream has that id. Event data is not included (the timeline is about who and why, and data may
 * hold encrypted numbers).
 */
export async function movementHistory(store: EventStore, pool: Pool, id: string): Promise<MovementHistory | undefined> {
  const ownStreams = HISTORY_STREAM_PREFIXES.map((prefix) => `${prefix}${id}`);
  const own = await store.readStreams(ownStreams);
  const found = own.flatMap((events, i) => (events.length > 0 ? [{ stream: ownStreams[i], events }] : []));
  if (found.length === 0) return undefined;

  const userIds = new Set<string>();
  for (const { events } of found) for (const event of events) if (typeof event.data.user_id === 'string') userIds.add(event.data.user_id);
  const related = [...userIds].flatMap((user) => ACCOUNT_CURRENCIES.map((currency) => `account-${user}-${currency}`));
  const relatedEvents = (await store.readStreams(related)).flat().filter((event) => event.data.movement_id === id);
  // Asset balances (transfers funded from assets) use the same movement id.
  const assetEvents = found.some((f) => f.stream.startsWith('transfer-')) ? await assetBalanceEvents(store, found, id) : [];

  const events: RecordedEvent[] = [...found.flatMap((f) => f.events), ...relatedEvents, ...assetEvents].sort((a, b) =>
    a.position.commit !== b.position.commit ? (a.position.commit < b.position.commit ? -1 : 1) : a.position.prepare < b.position.prepare ? -1 : a.position.prepare > b.position.prepare ? 1 : 0,
  );
  await migrateProviderTransfers(pool);
  const causes = await findProviderEventPayloads(pool, [...new Set(events.map((e) => text(e.metadata.causation_id)).filter((c): c is string => c !== null))]);
  const streams = [...new Set([...found.map((f) => f.stream), ...events.map((e) => e.streamId)])];
  return {
    id,
    streams,
    events: events.map((event) => {
      const causation = text(event.metadata.causation_id);
      const cause = causation ? causes.get(causation) : undefined;
      return {
        stream: event.streamId,
        revision: event.revision.toString(),
        position: { commit: event.position.commit.toString(), prepare: event.position.prepare.toString() },
        event_id: event.id,
        type: event.type,
        time: text(event.metadata.occurred_at) ?? event.recordedAt.toISOString(),
        recorded_at: event.recordedAt.toISOString(),
        actor: text(event.metadata.actor),
        causation_id: causation,
        correlation_id: text(event.metadata.correlation_id),
        idempotency_key: text(event.metadata.idempotency_key),
        provider_event: cause ? { provider: cause.provider, payload: cause.payload } : null,
      };
    }),
  };
}

async function assetBalanceEvents(store: EventStore, found: { stream: string; events: RecordedEvent[] }[], id: string): Promise<RecordedEvent[]> {
  const streams = new Set<string>();
  for (const { events } of found) {
    for (const event of events) {
      const user = event.data.user_id;
      const symbol = event.data.token_symbol;
      if (typeof user === 'string' && typeof symbol === 'string') streams.add(`asset-balance-${user}-${symbol}`);
    }
  }
  return (await store.readStreams([...streams])).flat().filter((event) => event.data.movement_id === id);
}

/** A human-readable table of a history (one line per event, then the provider payloads). */
export function formatHistory(history: MovementHistory): string {
  const header = ['time', 'stream', 'rev', 'type', 'actor', 'causation', 'correlation', 'idempotency key'];
  const rows = history.events.map((e) => [e.time, e.stream, e.revision, e.type, e.actor ?? '-', e.causation_id ?? '-', e.correlation_id ?? '-', e.idempotency_key ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [`history of ${history.id} (${history.streams.join(', ')})`, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const caused = history.events.filter((e) => e.provider_event);
  if (caused.length > 0) {
    out.push('', 'provider events that caused them:');
    for (const e of caused) out.push(`  ${e.stream}@${e.revision} ${e.type} <- ${e.provider_event?.provider} ${JSON.stringify(e.provider_event?.payload)}`);
  }
  return out.join('\n');
}
