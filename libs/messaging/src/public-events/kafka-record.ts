import type { RecordedEvent } from '@payments/event-store';
import type { OutboundMessage } from '../kafka-message-publisher';
import { toPublicEvent } from './catalog';
import type { PublicEvent } from './public-event';

/**
 * The Kafka message for a public event on `payments.events`: CloudEvents structured mode (the whole envelope as JSON in
 * the value), keyed by the stream (`subject`) so one stream's events land on one partition in order; headers
 * `event_id`, `event_type`, `correlation_id` and `traceparent` (when the event's metadata carries one).
 */
export function publicEventMessage(event: PublicEvent, metadata: RecordedEvent['metadata']): OutboundMessage {
  const headers: Record<string, string> = {
    'content-type': 'application/cloudevents+json; charset=UTF-8',
    event_id: event.id,
    event_type: event.type,
    correlation_id: typeof metadata.correlation_id === 'string' ? metadata.correlation_id : '',
  };
  if (typeof metadata.traceparent === 'string') headers.traceparent = metadata.traceparent;
  return { key: event.subject, value: JSON.stringify(event), headers };
}

/** The messages for a run of recorded events: internal events without a catalog entry are left out. */
export function publicEventMessages(events: readonly RecordedEvent[]): OutboundMessage[] {
  const messages: OutboundMessage[] = [];
  for (const recorded of events) {
    const event = toPublicEvent(recorded);
    if (event) messages.push(publicEventMessage(event, recorded.metadata));
  }
  return messages;
}

/** Parses a `payments.events` message value back into the envelope (consumers, tests). */
export function parsePublicEvent(value: Buffer | string | null): PublicEvent {
  if (value === null) throw new Error('payments.events message without a value');
  return JSON.parse(typeof value === 'string' ? value : value.toString('utf8')) as PublicEvent;
}
