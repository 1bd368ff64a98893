import { randomBytes } from 'node:crypto';
import { context, Context, defaultTextMapGetter, defaultTextMapSetter, isSpanContextValid, ROOT_CONTEXT, SpanContext, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace context (OpenTelemetry API, propagation only: no SDK, no exporter). A trace starts at the HTTP request
 * (or continues the caller's `traceparent`), is stored on every appended event (`metadata.traceparent`), travels as a
 * Kafka header (`provider.webhooks`, `payments.events`) and on outbound webhook requests. Each hop continues it with a
 * child span id, so every hop has the same trace id. Registering an OpenTelemetry SDK later would make these spans
 * recordable without changing the call sites.
 */
export interface TraceCarrier {
  traceparent?: string;
  tracestate?: string;
}

const propagator = new W3CTraceContextPropagator();
let contextManagerEnabled = false;

/** Makes `context.with` follow async calls (AsyncLocalStorage). Idempotent; called by {@link runInTrace}. */
export function enableTraceContextPropagation(): void {
  if (contextManagerEnabled) return;
  contextManagerEnabled = true;
  // false when another context manager is already registered (an SDK): that one is used then.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** The span context a carrier names, or undefined when it has none or it is malformed. */
export function parseTraceCarrier(carrier: TraceCarrier | Record<string, unknown> | undefined): SpanContext | undefined {
  if (!carrier) return undefined;
  const clean: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate'] as const) {
    const value = (carrier as Record<string, unknown>)[name];
    if (typeof value === 'string') clean[name] = value;
  }
  if (!clean.traceparent) return undefined;
  const extracted = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, clean, defaultTextMapGetter));
  return extracted && isSpanContextValid(extracted) ? extracted : undefined;
}

/** A child of `parent` (same trace id, new span id), or the root span of a new trace when there is no parent. */
export function childSpanContext(parent: SpanContext | undefined): SpanContext {
  return {
    traceId: parent?.traceId ?? randomBytes(16).toString('hex'),
    spanId: randomBytes(8).toString('hex'),
    traceFlags: parent?.traceFlags ?? TraceFlags.SAMPLED,
    ...(parent?.traceState ? { traceState: parent.traceState } : {}),
    isRemote: false,
  };
}

/** The context whose active span is a child of what the carrier names (a new trace when it names nothing valid). */
export function continueTraceContext(carrier: TraceCarrier | Record<string, unknown> | undefined): Context {
  return trace.setSpanContext(ROOT_CONTEXT, childSpanContext(parseTraceCarrier(carrier)));
}

/** Runs `fn` with `ctx` active (across its awaits). */
export function runInTrace<T>(ctx: Context, fn: () => T): T {
  enableTraceContextPropagation();
  return context.with(ctx, fn);
}

/** Continues the carrier's trace (child span) around `fn`: for consumers of Kafka messages and recorded events. */
export function continueTrace<T>(carrier: TraceCarrier | Record<string, unknown> | undefined, fn: () => T): T {
  return runInTrace(continueTraceContext(carrier), fn);
}

/**
 * Continues the carrier's trace around `fn` when it names one (an event recorded with `metadata.traceparent`);
 * otherwise runs `fn` with no trace active (events recorded before tracing, or outside any trace).
 */
export function followTrace<T>(carrier: TraceCarrier | Record<string, unknown> | undefined, fn: () => T): T {
  const parent = parseTraceCarrier(carrier);
  return runInTrace(parent ? trace.setSpanContext(ROOT_CONTEXT, childSpanContext(parent)) : ROOT_CONTEXT, fn);
}

/** `traceparent` / `tracestate` of a context (the active one by default); empty when it has no valid span. */
export function traceCarrierOf(ctx: Context = context.active()): TraceCarrier {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return {
    ...(carrier.traceparent ? { traceparent: carrier.traceparent } : {}),
    ...(carrier.tracestate ? { tracestate: carrier.tracestate } : {}),
  };
}

/** The active `traceparent`, if any. */
export function activeTraceparent(): string | undefined {
  return traceCarrierOf().traceparent;
}

/** The trace id of a `traceparent` value (undefined when malformed). */
export function traceIdOf(traceparent: string | undefined): string | undefined {
  return parseTraceCarrier({ traceparent })?.traceId;
}
