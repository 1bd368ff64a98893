import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { PG_POOL } from '@payments/read-models';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyService } from './auth/api-key.service';
import { ErrorResponseFilter } from './errors/error-response.filter';
import { HealthController } from './health/health.controller';
import { HealthRegistry } from './health/health.registry';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { createPinoLogger } from './logging/logger';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsService } from './metrics/metrics.service';
import { PLATFORM_LOGGER, PLATFORM_OPTIONS, PlatformModuleOptions, ResolvedPlatformOptions } from './platform.tokens';
import { ensurePlatformSchema } from './schema/platform-schema';
import { createValidationPipe } from './validation/validation-errors';

/** Schema, bootstrap API keys, the Postgres readiness check and the expired-idempotency sweep. */
@Injectable()
class PlatformLifecycle implements OnModuleInit, OnApplicationShutdown {
  private sweep?: NodeJS.Timeout;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PLATFORM_OPTIONS) private readonly options: ResolvedPlatformOptions,
    @Inject(PLATFORM_LOGGER) private readonly logger: Logger,
    private readonly health: HealthRegistry,
    private readonly apiKeys: ApiKeyService,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.ensureSchema) await ensurePlatformSchema(this.pool);
    for (const key of this.options.bootstrapApiKeys) {
      const record = await this.apiKeys.ensureKey(key.key, key.name, key.scope);
      if (record.revokedAt) this.logger.warn({ api_key_id: record.id, name: key.name }, 'configured API key is revoked');
    }
    this.health.register({ name: 'postgres', check: () => this.pool.query('SELECT 1') });
    if (this.options.idempotencyPurgeIntervalMs > 0) {
      this.sweep = setInterval(() => {
        this.idempotency.purgeExpired().catch((error: unknown) => this.logger.warn({ err: error }, 'idempotency purge failed'));
      }, this.options.idempotencyPurgeIntervalMs);
      this.sweep.unref();
    }
  }

  onApplicationShutdown(): void {
    if (this.sweep) clearInterval(this.sweep);
  }
}

/**
 * The API's cross-cutting platform: error shape (global filter), validation (global pipe), API key
 * auth (global guard), idempotency (global interceptor), health, metrics, logger. Needs PG_POOL
 * (PostgresModule) in the app. Call configurePlatform(app) before app.listen()/init().
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions = {}): DynamicModule {
    const resolved: ResolvedPlatformOptions = {
      logger: options.logger ?? createPinoLogger({ level: 'info' }),
      idempotencyTtlHours: options.idempotencyTtlHours ?? 24,
      idempotencyInFlightTimeoutSeconds: options.idempotencyInFlightTimeoutSeconds ?? 120,
      ensureSchema: options.ensureSchema ?? true,
      bootstrapApiKeys: options.bootstrapApiKeys ?? [],
      readinessTimeoutMs: options.readinessTimeoutMs ?? 2000,
      idempotencyPurgeIntervalMs: options.idempotencyPurgeIntervalMs ?? 3_600_000,
      apiKeyCacheMs: options.apiKeyCacheMs ?? 1000,
    };
    return {
      module: PlatformModule,
      global: true,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: PLATFORM_OPTIONS, useValue: resolved },
        { provide: PLATFORM_LOGGER, useValue: resolved.logger },
        ApiKeyService,
        IdempotencyStore,
        HealthRegistry,
        MetricsService,
        PlatformLifecycle,
        { provide: APP_FILTER, useClass: ErrorResponseFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
      exports: [PLATFORM_OPTIONS, PLATFORM_LOGGER, ApiKeyService, IdempotencyStore, HealthRegistry, MetricsService],
    };
  }
}
