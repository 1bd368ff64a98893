import 'reflect-metadata';
import { loadConfig } from '@payments/config';
import { ensureKafkaTopology } from '@payments/infrastructure';
import { createServiceApp } from './create-api-app';

/** The API alone (distributed mode): needs DATABASE_URL and KAFKA_BROKERS; the worker runs separately. */
async function main(): Promise<void> {
  const config = loadConfig();
  if (!config.kafka) throw new Error('apps/api alone needs KAFKA_BROKERS (webhooks go to the worker through Kafka); use `npm start` for the embedded mode');
  await ensureKafkaTopology(config);
  const app = await createServiceApp({ config, kafkaTopicPrefix: config.kafka.topicPrefix });
  await app.listen(config.port, '0.0.0.0');
  console.log(`api listening on ${await app.getUrl()}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
