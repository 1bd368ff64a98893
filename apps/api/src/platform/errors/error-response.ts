import { HttpException } from '@nestjs/common';
import { ProviderError } from '@payments/providers/provider-error';
import { DomainError, ErrorCategory, ErrorDetail, ErrorReason } from '@payments/domain';

/** The service-wide error body (seed: ach-bank-transfer-estimate-execute.txt, "Error Response Format"). */
export interface ErrorResponseBody {
  error_reason: ErrorReason;
  error_description: string;
  error_category: { category: ErrorCategory; http_status_code: number };
  error_details: ErrorDetail[];
}

/** The one place a DomainError category becomes an HTTP status. */
export const HTTP_STATUS_BY_CATEGORY: Readonly<Record<ErrorCategory, number>> = {
  CategoryValidationFailure: 400,
  CategoryUnauthorized: 401,
  CategoryForbidden: 403,
  CategoryNotFound: 404,
  CategoryConflict: 409,
  CategoryUnprocessable: 422,
  CategoryInternal: 500,
  CategoryProviderFailure: 502,
};

export function httpStatusFor(category: ErrorCategory): number {
  return HTTP_STATUS_BY_CATEGORY[category];
}

export function errorBody(error: DomainError): ErrorResponseBody {
  return {
    error_reason: error.reason,
    error_description: error.description,
    error_category: { category: error.category, http_status_code: httpStatusFor(error.category) },
    error_details: error.details.map((d) => ({ key: d.key, details: d.details })),
  };
}

export const internalError = (): DomainError =>
  new DomainError('ErrorInternal', 'An internal error occurred; quote the X-Correlation-Id response header when reporting it', 'CategoryInternal');

export const unauthorized = (issue: 'missing' | 'invalid'): DomainError =>
  new DomainError(
    'ErrorUnauthorized',
    issue === 'missing' ? 'An API key is required: Authorization: Bearer <key>' : 'The API key is not valid',
    'CategoryUnauthorized',
    [
      { key: 'field', details: 'Authorization' },
      { key: 'issue', details: issue },
    ],
  );

export const forbidden = (description: string, issue: string): DomainError =>
  new DomainError('ErrorForbidden', description, 'CategoryForbidden', [{ key: 'issue', details: issue }]);

const bodyProblem = (issue: string, description: string, field = 'body'): DomainError =>
  DomainError.invalidField(field, issue, description);

/** Errors Fastify raises before a route handler runs (body parsing, limits, media types). */
const FASTIFY_ERRORS: Record<string, () => DomainError> = {
  FST_ERR_CTP_INVALID_JSON_BODY: () => bodyProblem('malformed_json', 'The request body is not valid JSON'),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => bodyProblem('malformed_json', 'The request body is empty but Content-Type is application/json'),
  FST_ERR_CTP_BODY_TOO_LARGE: () => bodyProblem('too_large', 'The request body is too large'),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => bodyProblem('unsupported_media_type', 'Unsupported Content-Type; send application/json', 'Content-Type'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => bodyProblem('invalid_content_length', 'Content-Length does not match the body'),
};

interface ErrorWithStatus {
  statusCode?: unknown;
  code?: unknown;
}

/**
 * Any thrown value → the DomainError to answer with. DomainErrors pass through; Nest HTTP exceptions
 * and Fastify's own errors are translated; anything else is an internal error (its details are logged,
 * never sent).
 */
export function toDomainError(exception: unknown, request?: { method?: string; url?: string }): DomainError {
  if (exception instanceof DomainError) return exception;
  if (exception instanceof ProviderError) {
    // The provider failed us (down, timed out, refused our call): 502, with its code but none of its internals.
    return new DomainError('ErrorProvider', `the payment provider could not complete the request (${exception.code})`, 'CategoryProviderFailure', [
      { key: 'provider_code', details: exception.code },
      { key: 'retryable', details: String(exception.retryable) },
    ]);
  }
  const withStatus = (exception ?? {}) as ErrorWithStatus;
  if (typeof withStatus.code === 'string' && FASTIFY_ERRORS[withStatus.code]) return FASTIFY_ERRORS[withStatus.code]();
  if (exception instanceof SyntaxError && withStatus.statusCode === 400) return FASTIFY_ERRORS.FST_ERR_CTP_INVALID_JSON_BODY();
  const status =
    exception instanceof HttpException ? exception.getStatus() : typeof withStatus.statusCode === 'number' ? withStatus.statusCode : 500;
  if (status === 404) {
    const route = `${request?.method ?? ''} ${(request?.url ?? '').split('?')[0]}`.trim();
    return new DomainError('ErrorNotFound', 'No such route', 'CategoryNotFound', route ? [{ key: 'route', details: route }] : []);
  }
  if (status === 401) return unauthorized('invalid');
  if (status === 403) return forbidden('Not allowed', 'forbidden');
  if (status === 405) return bodyProblem('method_not_allowed', 'Method not allowed', 'method');
  if (status === 413) return FASTIFY_ERRORS.FST_ERR_CTP_BODY_TOO_LARGE();
  if (status === 415) return FASTIFY_ERRORS.FST_ERR_CTP_INVALID_MEDIA_TYPE();
  if (status === 400 && exception instanceof HttpException && /json/i.test(exception.message)) return FASTIFY_ERRORS.FST_ERR_CTP_INVALID_JSON_BODY();
  if (status >= 400 && status < 500) return bodyProblem('bad_request', 'The request could not be understood', 'request');
  return internalError();
}

export interface ErrorResponse {
  status: number;
  body: ErrorResponseBody;
  error: DomainError;
}

export function toErrorResponse(exception: unknown, request?: { method?: string; url?: string }): ErrorResponse {
  const error = toDomainError(exception, request);
  return { status: httpStatusFor(error.category), body: errorBody(error), error };
}
