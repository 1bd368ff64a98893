import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { newRequestId } from './ids';
import { PlaidApiException } from './plaid-api.exception';

/** Maps any error to Plaid's error body. Internal errors are logged (message only) and answered as API_ERROR. */
export function toPlaidApiException(error: unknown, logger: Logger): PlaidApiException {
  if (error instanceof PlaidApiException) return error;
  const status =
    error instanceof HttpException
      ? error.getStatus()
      : typeof (error as { statusCode?: unknown })?.statusCode === 'number'
        ? (error as { statusCode: number }).statusCode
        : 500;
  if (status === 404) return PlaidApiException.notFound();
  if (status === 413) return PlaidApiException.invalidBody('request body is too large');
  if (status === 415) return PlaidApiException.invalidBody('request body must be application/json');
  if (status >= 400 && status < 500) return PlaidApiException.invalidBody();
  logger.error(`unexpected error: ${error instanceof Error ? error.message : String(error)}`);
  return PlaidApiException.internal();
}

export function plaidErrorBody(error: PlaidApiException): Record<string, unknown> {
  return {
    error_type: error.errorType,
    error_code: error.errorCode,
    error_message: error.errorMessage,
    display_message: error.displayMessage,
    request_id: newRequestId(),
  };
}

@Catch()
export class PlaidExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProviderSandbox');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const error = toPlaidApiException(exception, this.logger);
    void reply.status(error.httpStatus).header('content-type', 'application/json; charset=utf-8').send(plaidErrorBody(error));
  }
}
