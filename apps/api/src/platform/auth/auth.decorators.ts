import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { DomainError } from '@payments/domain';
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../errors/error-response';
import type { RequestPrincipal } from './principal';

/** The type of `@Principal() principal: Principal`. */
export type Principal = RequestPrincipal;

export const IS_PUBLIC = 'payments:public';
export const OPS_ONLY = 'payments:ops-only';

/** No API key needed (health, metrics, docs, provider webhooks). */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/** Needs an ops-scoped API key; an app key gets 403 ErrorForbidden. */
export const OpsOnly = () => SetMetadata(OPS_ONLY, true);

export const USER_ID_HEADER = 'x-user-id';
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The X-User-Id header if present and well formed, else undefined (no throw). */
export function readUserId(request: FastifyRequest): string | undefined {
  const value = request.headers[USER_ID_HEADER];
  return typeof value === 'string' && USER_ID.test(value) ? value : undefined;
}

/** Documents a header on the route a param decorator is used on (param decorators get no method descriptor). */
const documentHeader =
  (options: Parameters<typeof ApiHeader>[0]) =>
  (target: object, key: string | symbol | undefined): void => {
    if (key === undefined) return;
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor) ApiHeader(options)(target, key, descriptor);
  };

/**
 * The user the product app acts for, from `X-User-Id` (required): missing → 400 ErrorMissingField
 * (field X-User-Id), not /^[A-Za-z0-9_-]{1,64}$/ → 400 ErrorInvalidField.
 */
export const UserId = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const value = request.headers[USER_ID_HEADER];
    if (value === undefined || value === '') throw DomainError.missingField('X-User-Id');
    if (typeof value !== 'string' || !USER_ID.test(value)) {
      throw DomainError.invalidField('X-User-Id', 'format', 'X-User-Id must be 1 to 64 letters, digits, "_" or "-"');
    }
    return value;
  },
  [documentHeader({ name: 'X-User-Id', required: true, description: 'The user the calling app acts for ([A-Za-z0-9_-]{1,64})' })],
);

/** The authenticated caller `{ apiKeyId, scope }` (401 if the route is @Public and no key was checked). */
export const Principal = createParamDecorator((_data: unknown, context: ExecutionContext): RequestPrincipal => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  if (!request.principal) throw unauthorized('missing');
  return request.principal;
});
