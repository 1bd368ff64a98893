import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export interface DocsOptions {
  title?: string;
  version?: string;
  description?: string;
}

/** Swagger UI needs @fastify/static; Nest's loader would exit the process if it cannot be loaded. */
async function staticServingAvailable(): Promise<unknown> {
  try {
    await import('@fastify/static');
    return undefined;
  } catch (error) {
    return error;
  }
}

/**
 * OpenAPI document for every Nest route: Swagger UI at /docs, JSON at /docs-json (and /docs-yaml).
 * If @fastify/static cannot be loaded the UI is left out (warned about) and the JSON still served.
 */
export async function setupDocs(app: NestFastifyApplication, options: DocsOptions = {}, warn: (message: string) => void = () => undefined): Promise<OpenAPIObject> {
  const config = new DocumentBuilder()
    .setTitle(options.title ?? 'Payments API')
    .setVersion(options.version ?? '0.1.0')
    .setDescription(
      options.description ??
        'Event-sourced payments orchestration. Authenticate with `Authorization: Bearer <api key>`; name the user with `X-User-Id`; ' +
          'retry POST/PUT/PATCH/DELETE safely with `Idempotency-Key`. Every error uses the shape ' +
          '`{ error_reason, error_description, error_category: { category, http_status_code }, error_details: [{ key, details }] }`.',
    )
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'API key (pk_...)' }, 'api-key')
    .addSecurityRequirements('api-key')
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const staticError = await staticServingAvailable();
  if (staticError) warn(`Swagger UI disabled (@fastify/static could not be loaded: ${String(staticError).split('\n')[0]}); /docs-json still served`);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', yamlDocumentUrl: 'docs-yaml', swaggerUiEnabled: !staticError });
  return document;
}
