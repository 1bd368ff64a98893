import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { PlaidApiException } from './plaid-api.exception';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from './sandbox-options';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Plaid authenticates server calls by client_id + secret, sent in the PLAID-CLIENT-ID / PLAID-SECRET headers
 * or in the JSON body. Anything missing or wrong -> 400 INVALID_API_KEYS (checked before body validation).
 */
@Injectable()
export class PlaidCredentialsGuard implements CanActivate {
  private readonly clientIdDigest: Buffer;
  private readonly secretDigest: Buffer;

  constructor(@Inject(SANDBOX_OPTIONS) options: ResolvedSandboxOptions) {
    this.clientIdDigest = digest(options.clientId);
    this.secretDigest = digest(options.secret);
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
    const clientId = header(request, 'plaid-client-id') ?? (typeof body['client_id'] === 'string' ? body['client_id'] : undefined);
    const secret = header(request, 'plaid-secret') ?? (typeof body['secret'] === 'string' ? body['secret'] : undefined);
    // Compare fixed-length digests so neither the values nor their lengths leak through timing.
    const clientOk = clientId !== undefined && timingSafeEqual(digest(clientId), this.clientIdDigest);
    const secretOk = secret !== undefined && timingSafeEqual(digest(secret), this.secretDigest);
    if (!clientOk || !secretOk) throw PlaidApiException.invalidApiKeys();
    return true;
  }
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
