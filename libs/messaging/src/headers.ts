import type { IHeaders } from 'kafkajs';

/** Header names every message carries (ARCHITECTURE.md §7). */
export const HEADERS = {
  eventId: 'event_id',
  eventType: 'event_type',
  correlationId: 'correlation_id',
  traceparent: 'traceparent',
} as const;

export interface StandardHeaderValues {
  eventId: string;
  eventType: string;
  correlationId: string;
  /** W3C trace context, `00-<trace id>-<parent id>-<flags>`; omitted when there is none. */
  traceparent?: string;
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** The standard headers, plus any extra ones (extras cannot overwrite the standard names). */
export function standardHeaders(values: StandardHeaderValues, extra: Record<string, string> = {}): Record<string, string> {
  for (const [name, value] of [
    ['eventId', values.eventId],
    ['eventType', values.eventType],
    ['correlationId', values.correlationId],
  ] as const) {
    if (typeof value !== 'string' || value.length === 0) throw new Error(`standardHeaders: ${name} is required`);
  }
  if (values.traceparent !== undefined && !TRACEPARENT.test(values.traceparent)) {
    throw new Error('standardHeaders: traceparent is not a W3C trace context');
  }
  const headers: Record<string, string> = {
    ...extra,
    [HEADERS.eventId]: values.eventId,
    [HEADERS.eventType]: values.eventType,
    [HEADERS.correlationId]: values.correlationId,
  };
  if (values.traceparent !== undefined) headers[HEADERS.traceparent] = values.traceparent;
  else delete headers[HEADERS.traceparent];
  return headers;
}

/** Kafka headers as UTF-8 strings. A header sent more than once keeps its last value. */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, raw] of Object.entries(headers)) {
    const value = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (value === undefined) continue;
    out[name] = Buffer.isBuffer(value) ? value.toString('utf8') : String(value);
  }
  return out;
}
