import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest, RawServerDefault } from 'fastify';
import type { Logger } from 'pino';
import { activeTraceHook, correlationHook, traceHook } from './context/request-context';
import { toDomainError } from './errors/error-response';
import { DocsOptions, setupDocs } from './docs/swagger';
import { MetricsService } from './metrics/metrics.service';
import { PLATFORM_LOGGER } from './platform.tokens';

export interface ConfigurePlatformOptions {
  /** OpenAPI at /docs and /docs-json (default on); false to skip. */
  docs?: DocsOptions | false;
  /** Largest accepted JSON body in bytes (default 1 MiB). */
  bodyLimit?: number;
}

/**
 * Wires what lives at the Fastify level; call after NestFactory.create and before listen()/init():
 *   - JSON body parsing that keeps the exact bytes on `request.rawBody` (webhook signatures);
 *   - correlation ids (X-Correlation-Id in and out) on every request, unknown routes included;
 *   - W3C trace context (`traceparent` in and out; the request's span is the active OpenTelemetry context);
 *   - one JSON log line per request (method, route, status, ms, correlation id) and the HTTP histogram;
 *   - Swagger UI at /docs and the OpenAPI JSON at /docs-json.
 * The error filter, validation pipe, auth guard and idempotency interceptor come with PlatformModule.
 */
export async function configurePlatform(app: NestFastifyApplication, options: ConfigurePlatformOptions = {}): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const logger = app.get<Logger>(PLATFORM_LOGGER);
  const metrics = app.get(MetricsService);

  const jsonParser = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>('application/json', { bodyLimit: options.bodyLimit ?? 1_048_576 }, (request, body, done) => {
    request.rawBody = body;
    // The default parser takes the Buffer as is (typed as string in fastify's d.ts). Its errors are
    // turned into DomainErrors here, while their codes are still known (Nest keeps only the message).
    jsonParser(request, body as unknown as string, (error, parsed) => (error ? done(toDomainError(error), undefined) : done(null, parsed)));
  });

  fastify.addHook('onRequest', correlationHook);
  fastify.addHook('onRequest', traceHook);
  fastify.addHook('preHandler', activeTraceHook);
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const route = request.routeOptions?.url ?? 'unmatched';
    const ms = reply.elapsedTime;
    metrics.observeHttp(request.method, route, reply.statusCode, ms / 1000);
    const line = {
      method: request.method,
      route,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(ms * 10) / 10,
      correlation_id: request.correlationId,
      traceparent: request.traceparent,
      api_key_id: request.principal?.apiKeyId,
    };
    if (reply.statusCode >= 500) logger.error(line, 'request');
    else logger.info(line, 'request');
    done();
  });

  if (options.docs !== false) await setupDocs(app, options.docs ?? {}, (message) => logger.warn(message));
}
