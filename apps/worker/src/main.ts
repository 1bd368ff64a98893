import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@payments/config';
import { ensureKafkaTopology, InfrastructureModule } from '@payments/infrastructure';
import { WorkerModule } from './worker.module';

/** The worker alone (distributed mode): projections and the webhook translator consumer group. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka) throw new Error('apps/worker alone needs KAFKA_BROKERS; use `npm start` for the embedded mode');
  await ensureKafkaTopology(config);

  @Module({ imports: [InfrastructureModule.forRoot({ config }), WorkerModule.forRoot({ kafkaTopicPrefix: config.kafka.topicPrefix })] })
  class WorkerRootModule {}

  const app = await NestFactory.createApplicationContext(WorkerRootModule);
  app.enableShutdownHooks();
  console.log('worker running');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
