import type { RecordedEvent } from '@payments/event-store';

/**
 * A public event: what downstream ledgers (Kafka `payments.events`, `GET /events/sync`) and product apps (outbound
 * webhooks) see. A CloudEvents 1.0 JSON envelope (ARCHITECTURE.md §7): `id` = the domain event id, `type` = a public
 * type from the catalog (never an internal event class name), `subject` = the stream, `data` = the public payload.
 * Public types are versioned by `dataschema` (one JSON Schema per type and version in the repo); internal events can
 * change shape without breaking consumers because only the catalog's mappers decide what leaves the service.
 */
export interface PublicEvent {
  specversion: '1.0';
  id: string;
  /** A catalog type, e.g. `ach_pull.completed` (the seed's webhook names where the seed has them). */
  type: string;
  source: string;
  /** The stream (aggregate instance) the event belongs to: per-subject order is the stream's order. */
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  /** `urn:payments:schema:<type>:<version>`; the schema file lives in the catalog directory. */
  dataschema: string;
  data: Record<string, unknown>;
  /** Position in the global log, for HTTP cursors and republishing: `<commit>:<prepare>`. */
  position: string;
}

export const PUBLIC_EVENT_SOURCE = 'urn:payments:orchestrator';

/** One catalog entry: which internal event it maps, the public type and version, and the payload mapper. */
export interface CatalogEntry {
  internalType: string;
  publicType: string;
  version: number;
  /** The public payload; never account numbers, routing numbers or provider tokens in clear (last 4 at most). */
  data(event: RecordedEvent): Record<string, unknown>;
}

/** Builds the envelope for `event` from its catalog entry. */
export function envelope(entry: CatalogEntry, event: RecordedEvent): PublicEvent {
  return {
    specversion: '1.0',
    id: event.id,
    type: entry.publicType,
    source: PUBLIC_EVENT_SOURCE,
    subject: event.streamId,
    time: event.recordedAt.toISOString(),
    datacontenttype: 'application/json',
    dataschema: `urn:payments:schema:${entry.publicType}:${entry.version}`,
    data: entry.data(event),
    position: `${event.position.commit}:${event.position.prepare}`,
  };
}
