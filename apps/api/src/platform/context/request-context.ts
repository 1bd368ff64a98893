import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ApiHeader } from '@nestjs/swagger';
import { continueTraceContext, runInTrace, traceCarrierOf } from '@payments/event-store';
import { readUserId } from '../auth/auth.decorators';
import type { ApiKeyScope } from '../auth/principal';

export const CORRELATION_ID_HEADER = 'x-correlation-id';
const SANE_CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The request's correlation id: the caller's X-Correlation-Id if sane, else a new UUID. */
export function correlationIdFor(header: string | string[] | undefined): string {
  return typeof header === 'string' && SANE_CORRELATION_ID.test(header) ? header : randomUUID();
}

/** Fastify onRequest hook: sets request.correlationId and echoes it in the X-Correlation-Id response header. */
export function correlationHook(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const id = correlationIdFor(request.headers[CORRELATION_ID_HEADER]);
  request.correlationId = id;
  void reply.header('X-Correlation-Id', id);
  done();
}

/**
 * Fastify onRequest hook: continues the caller's W3C trace (`traceparent`/`tracestate` headers) or starts a new one,
 * with a span of its own for this request (same trace id, new span id). Sets request.traceContext/traceparent, echoes
 * `traceparent` (the request's span) on the response, and runs the rest of the request with that context active.
 */
export function traceHook(request: FastifyRequest, reply: FastifyReply, done: () => void): void {
  const ctx = continueTraceContext({ traceparent: request.headers['traceparent'], tracestate: request.headers['tracestate'] });
  request.traceContext = ctx;
  request.traceparent = traceCarrierOf(ctx).traceparent;
  if (request.traceparent) void reply.header('traceparent', request.traceparent);
  runInTrace(ctx, done);
}

/** Fastify preHandler hook: makes the request's trace the active context again after body parsing, for the handler. */
export function activeTraceHook(request: FastifyRequest, _reply: FastifyReply, done: () => void): void {
  if (request.traceContext) runInTrace(request.traceContext, done);
  else done();
}

/** What a command handler needs to stamp event metadata. */
export interface RequestContextValue {
  correlationId: string;
  /** The calling API key (event metadata `actor`); absent on @Public routes. */
  apiKeyId?: string;
  scope?: ApiKeyScope;
  /** X-User-Id when present and well formed (use @UserId() where it is required). */
  userId?: string;
  /** The validated Idempotency-Key, if the request carried one: derive deterministic event ids from it. */
  idempotencyKey?: string;
  /** The request's W3C trace context (its own span): stored on the events the request appends. */
  traceparent?: string;
}

export function requestContextOf(request: FastifyRequest): RequestContextValue {
  return {
    correlationId: request.correlationId ?? correlationIdFor(undefined),
    apiKeyId: request.principal?.apiKeyId,
    scope: request.principal?.scope,
    userId: readUserId(request),
    idempotencyKey: request.idempotencyKey,
    traceparent: request.traceparent,
  };
}

/** `@RequestContext() ctx: RequestContextValue` (on @Public routes apiKeyId and scope are absent). */
export const RequestContext = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContextValue =>
  requestContextOf(context.switchToHttp().getRequest<FastifyRequest>()),
);

/** `@CorrelationId() id: string`, also on @Public routes (webhook receiver). */
export const CorrelationId = createParamDecorator((_data: unknown, context: ExecutionContext): string => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  return request.correlationId ?? correlationIdFor(undefined);
});

/** `@IdempotencyKey() key: string | undefined`: the validated Idempotency-Key of this request. */
export const IdempotencyKey = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string | undefined => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    return request.idempotencyKey;
  },
  [
    (target: object, key: string | symbol | undefined) => {
      if (key === undefined) return;
      const descriptor = Object.getOwnPropertyDescriptor(target, key);
      if (descriptor) {
        ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Safe retries: the same key and request replay the stored response for 24 h (1-255 chars)' })(
          target,
          key,
          descriptor,
        );
      }
    },
  ],
);
