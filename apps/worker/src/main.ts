import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@payments/config';
import { ensureKafkaTopology, InfrastructureModule } from '@payments/infrastructure';
import { WorkerModule } from './worker.module';
import { createPinoLogger, NestPinoLogger } from '../../api/src/platform/logging/logger';

/** The worker alone (distributed mode): projections and the webhook translator consumer group. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka) throw new Error('apps/worker alone needs KAFKA_BROKERS; use `npm start` for the embedded mode');
  await ensureKafkaTopology(config);

  @Module({ imports: [InfrastructureModule.forRoot({ config }), WorkerModule.forRoot({ kafkaTopicPrefix: config.kafka.topicPrefix, providerEventsApplyBatch: config.translatorApplyBatch, eventPublisher: { batchSize: config.eventPublisherBatch } })] })
  class WorkerRootModule {}

  const logger = new NestPinoLogger(createPinoLogger({ level: config.logLevel, base: { service: 'payments-worker' } }));
  const app = await NestFactory.createApplicationContext(WorkerRootModule, { logger });
  app.enableShutdownHooks();
  console.log('worker running');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
