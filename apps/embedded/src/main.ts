import 'reflect-metadata';
import { loadEmbeddedConfig } from '@payments/config';
import { ensureKafkaTopology, SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { createProviderSandboxApp } from '../../provider-sandbox/src/create-provider-sandbox-app';
import { createServiceApp } from '../../api/src/create-api-app';
import { WorkerModule } from '../../worker/src/worker.module';
import { resolveEmbeddedRuntime } from './embedded-runtime';

/**
 * `npm start`: api + worker + provider-sandbox in one process on an embedded Postgres (data in DATA_DIR,
 * default `.data`), no external services. Kafka and EventStoreDB are used when their settings are present.
 */
async function main(): Promise<void> {
  const partial = loadEmbeddedConfig();
  const runtime = await resolveEmbeddedRuntime(partial);
  const { config, dataDir } = runtime;

  // Embedded mode settles sandbox transfers and payouts after 5 s unless told otherwise, so a pull completes on its own.
  const autoSettleAfterMs = (partial.providerSandboxAutoSettleMs ?? 5000) || undefined;
  const sandbox = await createProviderSandboxApp({
    ...SANDBOX_PLAID_CREDENTIALS,
    publicBaseUrl: `http://127.0.0.1:${config.providerSandboxPort}`,
    logger: false,
    // Bank transfer and payout events go to our receiver, as Plaid's dashboard-configured webhook would.
    bankTransfers: { webhookUrl: `${config.publicBaseUrl}/webhooks/plaid`, autoSettleAfterMs, webhookCoalesceMs: config.providerSandboxWebhookCoalesceMs || undefined },
    paymentRails: { webhookUrl: `${config.publicBaseUrl}/webhooks/plaid`, autoSettleAfterMs },
  });
  await sandbox.listen(config.providerSandboxPort, '127.0.0.1');

  await ensureKafkaTopology(config);
  const topicPrefix = config.kafka?.topicPrefix ?? '';
  const app = await createServiceApp({ config, kafkaTopicPrefix: topicPrefix, extraModules: [WorkerModule.forRoot({ kafkaTopicPrefix: topicPrefix, providerEventsApplyBatch: config.translatorApplyBatch, eventPublisher: { batchSize: config.eventPublisherBatch } })], shutdownHooks: false });
  await app.listen(config.port, '0.0.0.0');
  const url = `http://127.0.0.1:${config.port}`;

  let stopping = false;
  // While closing, a component may still reject (e.g. a query on a pool being ended). Such stray errors are logged,
  // not allowed to turn a clean stop into exit code 1 before the embedded Postgres is stopped. Outside shutdown they
  // end the process as Node would.
  const onStrayError = (error: unknown) => {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    if (stopping) {
      process.stderr.write(`warning: error while shutting down (ignored): ${text}\n`);
      return;
    }
    process.stderr.write(`fatal: ${text}\n`);
    process.exit(1);
  };
  process.on('unhandledRejection', onStrayError);
  process.on('uncaughtException', onStrayError);
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    await app.close().catch(() => undefined);
    await sandbox.close().catch(() => undefined);
    await runtime.stop().catch(() => undefined);
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown());
  process.once('SIGTERM', () => void shutdown());

  const lines = [
    '',
    `Payments service (embedded mode) is up.`,
    `  API:              ${url}`,
    `  API key (app):    ${config.localApiKey?.reveal()}`,
    `  API key (ops):    ${config.opsApiKey?.reveal()}`,
    `  OpenAPI docs:     ${url}/docs`,
    `  Health:           ${url}/health/ready`,
    `  Provider sandbox: http://127.0.0.1:${config.providerSandboxPort}`,
    `  Data folder:      ${dataDir}${runtime.postgresPort ? ` (embedded Postgres on port ${runtime.postgresPort})` : ''}`,
    `  Event store:      ${config.eventStoreConnectionString ? 'EventStoreDB' : 'Postgres'}; messaging: ${config.kafka ? `Kafka ${config.kafka.brokers.join(',')}` : 'in-process'}`,
    '',
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
