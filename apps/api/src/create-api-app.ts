import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppConfig } from '@payments/config';
import { Clock } from '@payments/domain';
import { EventStore } from '@payments/event-store';
import { InfrastructureModule } from '@payments/infrastructure';
import { Pool } from 'pg';
import type { DestinationStream } from 'pino';
import { configurePlatform, createPinoLogger, NestPinoLogger } from './platform';
import { ApiModule } from './api.module';

export interface CreateServiceAppOptions {
  config: AppConfig;
  /** Extra modules in the same process (embedded mode adds the worker). */
  extraModules?: DynamicModule[];
  clock?: Clock;
  pool?: Pool;
  eventStore?: EventStore;
  /** Prefix for Kafka topic/group names (tests isolate themselves with it). */
  kafkaTopicPrefix?: string;
  logger?: boolean;
  /** Where the structured log lines go (default stdout); the e2e harness writes them to the test run's log files. */
  logDestination?: DestinationStream;
  /**
   * Let Nest close the app on SIGINT/SIGTERM (default true). Embedded mode turns it off and closes everything
   * itself: Nest re-raises the signal after closing, which would end the process before the embedded
   * Postgres is stopped.
   */
  shutdownHooks?: boolean;
}

/** Builds the HTTP application (not yet listening) with the shared infrastructure and any extra modules. */
export async function createServiceApp(options: CreateServiceAppOptions): Promise<NestFastifyApplication> {
  // One structured JSON logger (with redaction) for request lines, platform errors and Nest's own messages.
  const logger = createPinoLogger({ level: options.config.logLevel, base: { service: 'payments' }, destination: options.logDestination });

  @Module({
    imports: [
      InfrastructureModule.forRoot({ config: options.config, clock: options.clock, pool: options.pool, eventStore: options.eventStore }),
      ApiModule.forRoot(options.config, { kafkaTopicPrefix: options.kafkaTopicPrefix ?? '' }, logger),
      ...(options.extraModules ?? []),
    ],
  })
  class ServiceModule {}

  const app = await NestFactory.create<NestFastifyApplication>(ServiceModule, new FastifyAdapter({ bodyLimit: 1_048_576 }), {
    rawBody: true,
    logger: options.logger === false ? false : new NestPinoLogger(logger),
  });
  await configurePlatform(app);
  if (options.shutdownHooks !== false) app.enableShutdownHooks();
  return app;
}
