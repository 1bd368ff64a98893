import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import { DomainError } from '@payments/domain';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { FINGERPRINTER } from '@payments/providers/nest/provider-tokens';
import type { Fingerprinter } from '@payments/security';
import type { Logger } from 'pino';
import { Observable, catchError, from, mergeMap, of, switchMap, throwError } from 'rxjs';
import { toErrorResponse } from '../errors/error-response';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS, ResolvedPlatformOptions } from '../platform.tokens';
import { USER_ID_HEADER } from '../auth/auth.decorators';
import { canonicalJson } from './canonical-json';
import { IdempotencyStore } from './idempotency.store';
import { MetricsService } from '../metrics/metrics.service';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENCY_REPLAYED_HEADER = 'Idempotency-Replayed';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const MAX_KEY_LENGTH = 255;

/** Purpose label of the idempotency request fingerprint (keeps it apart from every other keyed fingerprint). */
export const IDEMPOTENCY_REQUEST_PURPOSE = 'idempotency-request';

/**
 * What the stored request fingerprint covers: method, path (with query), X-User-Id and the canonical JSON body.
 * The body may hold an account number, so this text itself is never stored.
 */
export function idempotencyRequestMaterial(request: Pick<FastifyRequest, 'method' | 'url' | 'headers' | 'body'>): string {
  const userId = request.headers[USER_ID_HEADER];
  return canonicalJson({ method: request.method, path: request.url, user_id: typeof userId === 'string' ? userId : null, body: request.body ?? null });
}

/**
 * The keyed HMAC (FINGERPRINTER, purpose `idempotency-request`) of the request material: tells a retry from a
 * different request under the same key, yet a short account number in the body cannot be brute-forced from the
 * stored value without the fingerprint key (an unkeyed sha256 could be).
 */
export function idempotencyRequestFingerprint(fingerprinter: Fingerprinter, request: Pick<FastifyRequest, 'method' | 'url' | 'headers' | 'body'>): string {
  return fingerprinter.fingerprint(IDEMPOTENCY_REQUEST_PURPOSE, idempotencyRequestMaterial(request));
}

/** Reads and checks the Idempotency-Key header (1-255 printable ASCII characters); undefined if absent. */
export function readIdempotencyKey(request: FastifyRequest): string | undefined {
  const raw = request.headers[IDEMPOTENCY_KEY_HEADER];
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || raw.length < 1 || raw.length > MAX_KEY_LENGTH || !/^[\x21-\x7e]+$/.test(raw)) {
    throw DomainError.invalidField('Idempotency-Key', 'format', 'Idempotency-Key must be 1 to 255 printable ASCII characters without spaces');
  }
  return raw;
}

/** Which outcomes are remembered: what the handler decided, not input mistakes, races or outages. */
function isStorableError(error: DomainError, status: number): boolean {
  return status < 500 && error.category !== 'CategoryValidationFailure' && error.reason !== 'ErrorConcurrencyConflict';
}

/**
 * Idempotency-Key on POST/PUT/PATCH/DELETE, scoped to the calling API key (ARCHITECTURE §8; needs FINGERPRINTER):
 * first request claims the key; a repeat with the same request gets the stored status and body with
 * `Idempotency-Replayed: true`; a different request under the same key → 422
 * ErrorIdempotencyKeyReused; a repeat while the first runs → 409 ErrorIdempotencyKeyInFlight.
 * Validation failures and 5xx release the claim so a corrected retry runs.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyStore,
    @Inject(PLATFORM_OPTIONS) private readonly options: ResolvedPlatformOptions,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
    private readonly metrics: MetricsService,
    @Inject(FINGERPRINTER) private readonly fingerprinter: Fingerprinter,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    if (!MUTATING.has(request.method) || !request.principal) return next.handle();
    let key: string | undefined;
    try {
      key = readIdempotencyKey(request);
    } catch (error) {
      return throwError(() => error);
    }
    if (key === undefined) return next.handle();
    request.idempotencyKey = key;
    const apiKeyId = request.principal.apiKeyId;
    const idempotencyKey = key;

    const claim$ = from(
      this.store.claim({
        apiKeyId,
        key: idempotencyKey,
        requestHash: idempotencyRequestFingerprint(this.fingerprinter, request),
        ttlHours: this.options.idempotencyTtlHours,
        inFlightTimeoutSeconds: this.options.idempotencyInFlightTimeoutSeconds,
      }),
    );
    return claim$.pipe(
      switchMap((outcome) => {
        switch (outcome.kind) {
          case 'replay':
            this.metrics.idempotentReplays.inc();
            void reply.status(outcome.status).header(IDEMPOTENCY_REPLAYED_HEADER, 'true');
            return of(outcome.body);
          case 'mismatch':
            return throwError(
              () =>
                new DomainError(
                  'ErrorIdempotencyKeyReused',
                  'This Idempotency-Key was already used for a different request',
                  'CategoryUnprocessable',
                  [
                    { key: 'field', details: 'Idempotency-Key' },
                    { key: 'issue', details: 'reused_with_different_request' },
                  ],
                ),
            );
          case 'in_flight':
            return throwError(
              () =>
                new DomainError('ErrorIdempotencyKeyInFlight', 'A request with this Idempotency-Key is still being processed; retry later', 'CategoryConflict', [
                  { key: 'field', details: 'Idempotency-Key' },
                  { key: 'issue', details: 'in_flight' },
                ]),
            );
          case 'claimed':
            return next.handle().pipe(
              mergeMap(async (body: unknown) => {
                await this.settle(apiKeyId, idempotencyKey, outcome.claimId, reply.statusCode < 500 ? { status: reply.statusCode, body } : undefined, request);
                return body;
              }),
              catchError((error: unknown) => {
                const { status, body, error: domainError } = toErrorResponse(error, request);
                const stored = error instanceof DomainError && isStorableError(domainError, status) ? { status, body } : undefined;
                return from(this.settle(apiKeyId, idempotencyKey, outcome.claimId, stored, request)).pipe(mergeMap(() => throwError(() => error)));
              }),
            );
        }
      }),
    );
  }

  /** Stores the response, or releases the claim when there is nothing to store; never fails the request. */
  private async settle(apiKeyId: string, key: string, claimId: string, response: { status: number; body: unknown } | undefined, request: FastifyRequest): Promise<void> {
    try {
      if (response) {
        const stored = await this.store.complete(apiKeyId, key, claimId, response.status, response.body);
        if (!stored) this.logger.warn({ correlation_id: request.correlationId, api_key_id: apiKeyId }, 'idempotency claim was taken over before the response was stored');
      } else {
        await this.store.release(apiKeyId, key, claimId);
      }
    } catch (error) {
      this.logger.error({ err: error, correlation_id: request.correlationId, api_key_id: apiKeyId }, 'could not record the idempotent response');
      await this.store.release(apiKeyId, key, claimId).catch(() => undefined);
    }
  }
}

