import type { Context } from '@opentelemetry/api';
import type { RequestPrincipal } from './auth/principal';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the API key guard on authenticated routes. */
    principal?: RequestPrincipal;
    /** Set for every request by the correlation hook (from X-Correlation-Id or generated). */
    correlationId?: string;
    /** Set for every request by the trace hook: the request's span (continuing the caller's `traceparent`). */
    traceContext?: Context;
    /** The `traceparent` of {@link traceContext}. */
    traceparent?: string;
    /** Set by the idempotency interceptor when the request carries a valid Idempotency-Key. */
    idempotencyKey?: string;
    /** The exact bytes of a JSON / form body (configurePlatform keeps them for webhook signature checks). */
    rawBody?: Buffer;
  }
}

export {};
