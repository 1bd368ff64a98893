import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@payments/config';
import { ensureKafkaTopology, InfrastructureModule } from '@payments/infrastructure';
import { WorkerModule } from './worker.module';
import { WorkerHttpServer } from './serving-http/worker-http-server';
import { createPinoLogger, NestPinoLogger } from '../../api/src/platform/logging/logger';

/** The worker alone (distributed mode): projections and the webhook translator consumer group; probes and metrics on WORKER_HTTP_PORT. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka) throw new Error('apps/worker alone needs KAFKA_BROKERS; use `npm start` for the embedded mode');
  await ensureKafkaTopology(config);

  @Module({ imports: [InfrastructureModule.forRoot({ config }), WorkerModule.forRoot({ kafkaTopicPrefix: config.kafka.topicPrefix, providerEventsApplyBatch: config.translatorApplyBatch, eventPublisher: { batchSize: config.eventPublisherBatch } })] })
  class WorkerRootModule {}

  const logger = new NestPinoLogger(createPinoLogger({ level: config.logLevel, base: { service: 'payments-worker' } }));
  const app = await NestFactory.createApplicationContext(WorkerRootModule, { logger });
  app.enableShutdownHooks();
  if (config.workerHttpPort !== 0) {
    // Probes and Prometheus metrics (projection and consumer lag); WORKER_HTTP_PORT=0 turns the server off.
    const http = new WorkerHttpServer(app, { port: config.workerHttpPort });
    const port = await http.listen();
    process.once('SIGTERM', () => void http.close());
    process.once('SIGINT', () => void http.close());
    console.log(`worker HTTP (health, metrics) on port ${port}`);
  }
  console.log('worker running');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
