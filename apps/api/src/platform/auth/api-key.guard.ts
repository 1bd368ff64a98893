import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../errors/error-response';
import { ApiKeyService } from './api-key.service';
import { IS_PUBLIC, OPS_ONLY } from './auth.decorators';

/** `Authorization: Bearer <key>`, or the bare key as the seed shows (`Authorization: <your_api_key>`). */
export function extractApiKey(header: string | string[] | undefined): string | undefined {
  if (typeof header !== 'string') return undefined;
  const value = header.trim();
  const bearer = /^bearer\s+(\S+)$/i.exec(value);
  if (bearer) return bearer[1];
  return value.length > 0 && !/\s/.test(value) ? value : undefined;
}

/** Global guard: every route needs an active API key unless it is @Public(); @OpsOnly() needs ops scope. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const header = request.headers.authorization;
    const key = extractApiKey(header);
    if (!key) throw unauthorized(header === undefined || header.trim() === '' ? 'missing' : 'invalid');
    const principal = await this.apiKeys.verify(key);
    if (!principal) throw unauthorized('invalid');
    request.principal = principal;
    if (this.reflector.getAllAndOverride<boolean>(OPS_ONLY, targets) && principal.scope !== 'ops') {
      throw forbidden('This endpoint needs an ops-scoped API key', 'ops_scope_required');
    }
    return true;
  }
}
