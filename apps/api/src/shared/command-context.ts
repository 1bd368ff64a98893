import { CommandContext } from '@payments/event-store';

/** What the HTTP edge knows about a request (filled by the platform's guard and interceptors). */
export interface HttpRequestContext {
  correlationId: string;
  apiKeyId?: string;
  userId?: string;
  idempotencyKey?: string;
  /** The request's W3C trace context: stored on every event the command appends. */
  traceparent?: string;
}

/**
 * Command metadata for a request: the API key is the actor; an Idempotency-Key (scoped to key and user)
 * seeds deterministic event ids so a retried request can never append twice.
 */
export function commandContextFrom(ctx: HttpRequestContext, purpose: string): CommandContext {
  return {
    correlationId: ctx.correlationId,
    causationId: ctx.correlationId,
    actor: ctx.apiKeyId ? `api-key:${ctx.apiKeyId}` : 'anonymous',
    ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
    ...(ctx.idempotencyKey
      ? { idempotencyKey: ctx.idempotencyKey, eventIdSeed: `http:${ctx.apiKeyId}:${ctx.userId ?? '-'}:${purpose}:${ctx.idempotencyKey}` }
      : {}),
  };
}
