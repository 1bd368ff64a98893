import { ArgumentsHost, Catch, ExceptionFilter, Inject } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { PLATFORM_LOGGER } from '../platform.tokens';
import { toErrorResponse } from './error-response';

/**
 * Every error response, whatever threw it (DomainError, ValidationPipe, guard, unknown route,
 * malformed JSON, a bug), leaves in the seed's error shape. Internal errors are logged with the
 * correlation id and answered with ErrorInternal only.
 */
@Catch()
export class ErrorResponseFilter implements ExceptionFilter {
  constructor(@Inject(PLATFORM_LOGGER) private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const { status, body, error } = toErrorResponse(exception, request);
    if (status >= 500) {
      this.logger.error(
        { err: exception, correlation_id: request.correlationId, method: request.method, route: request.routeOptions?.url, error_reason: error.reason },
        'request failed',
      );
    }
    if (reply.sent) return;
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').send(body);
  }
}
