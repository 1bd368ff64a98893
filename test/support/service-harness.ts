import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pino, { DestinationStream } from 'pino';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@payments/config';
import type { Clock } from '@payments/domain';
import { ensureTopics, createKafka } from '@payments/messaging';
import { prefixedTopology, SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { createProviderSandboxApp } from '../../apps/provider-sandbox/src';
import { createServiceApp } from '../../apps/api/src/create-api-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { ProjectionsService } from '../../apps/worker/src/projecting/projections.service';
import { currentRunDir, serviceLogFile } from '../infra/run-files';
import { createIsolatedDatabase } from './database';
import { testKafkaBrokers, uniqueName } from './kafka';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface TestResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
}

export interface ServiceHarness {
  url: string;
  sandboxUrl: string;
  appKey: string;
  opsKey: string;
  databaseUrl: string;
  topicPrefix: string;
  /** The keys the service runs with (base64), so a worker in another process can share its data. */
  encryptionKey: string;
  fingerprintKey: string;
  /** Where the service's Plaid client points (the provider-sandbox, or nowhere with `providerUnreachable`). */
  plaidBaseUrl: string;
  app: NestFastifyApplication;
  /** The provider-sandbox app (e.g. `sandbox.get(BankTransfersService).setWebhookUrl(url)`). */
  sandbox?: NestFastifyApplication;
  request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options?: { userId?: string; key?: string | null; body?: unknown; rawBody?: string; headers?: Record<string, string> },
  ): Promise<TestResponse<T>>;
  /** Polls until `check` returns a truthy value (read models are eventually consistent). */
  eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

export interface StartServiceOptions {
  /** Real Kafka between the webhook receiver and the worker (default true); false: embedded in-process messaging. */
  kafka?: boolean;
  /** Point the Plaid client at a port nothing listens on (the sandbox still runs). */
  providerUnreachable?: boolean;
  /**
   * Run the worker in this process (default true). false: the API and the sandbox only, for tests that run the worker
   * as a separate process (`workerProcessEnv`); needs Kafka, since the API then only publishes webhooks to it.
   */
  worker?: boolean;
  /** The service's clock (the sandbox keeps the real one): e.g. one running ahead makes every provider signature stale. */
  clock?: Clock;
  /** More configuration variables for the service (e.g. `{ REMITTANCE_ENABLED: 'true' }`); they win over the harness's. */
  env?: Record<string, string>;
}

/** The service's log level in tests that write the run's log files. */
const RUN_LOG_LEVEL = 'info';
let runLog: DestinationStream | undefined;

/**
 * This process's log file of the test run (JSON lines, scanned by the teardown's leak check), opened once; undefined
 * outside a run with test infrastructure, where the service logs errors only, to stdout, as before.
 */
function runLogDestination(): DestinationStream | undefined {
  const runDir = currentRunDir();
  if (!runDir) return undefined;
  runLog ??= pino.destination({ dest: serviceLogFile(runDir), append: true, sync: true });
  return runLog;
}

/**
 * The whole service as a user runs it, in this test process: provider-sandbox over HTTP, the API over HTTP, the
 * worker (projections + webhook translator consuming real Kafka), all on a fresh database of this test run. Its
 * logs (pino and Nest's, at info) go to this process's file in the run's directory, for the leak check.
 */
export async function startService(label: string, options: StartServiceOptions = {}): Promise<ServiceHarness> {
  const databaseUrl = await createIsolatedDatabase(label);
  const logDestination = runLogDestination();
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const useKafka = options.kafka ?? true;
  const withWorker = options.worker ?? true;
  if (!withWorker && !useKafka) throw new Error('startService: worker: false needs kafka (nothing would consume the webhooks)');
  const topicPrefix = useKafka ? `${uniqueName(label)}.` : '';
  const appKey = `pk_${randomBytes(32).toString('base64url')}`;
  const opsKey = `pk_${randomBytes(32).toString('base64url')}`;

  const sandbox = await createProviderSandboxApp({ ...SANDBOX_PLAID_CREDENTIALS, publicBaseUrl: `http://127.0.0.1:${sandboxPort}`, logger: false });
  await sandbox.listen(sandboxPort, '127.0.0.1');

  const encryptionKey = randomBytes(32).toString('base64');
  const fingerprintKey = randomBytes(32).toString('base64');
  // providerUnreachable: point the Plaid client at a port nothing listens on (the sandbox still runs).
  const plaidBaseUrl = `http://127.0.0.1:${options.providerUnreachable ? await freePort() : sandboxPort}`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    ENCRYPTION_KEY: encryptionKey,
    FINGERPRINT_KEY: fingerprintKey,
    LOCAL_API_KEY: appKey,
    OPS_API_KEY: opsKey,
    PLAID_BASE_URL: plaidBaseUrl,
    PLAID_CLIENT_ID: SANDBOX_PLAID_CREDENTIALS.clientId,
    PLAID_SECRET: SANDBOX_PLAID_CREDENTIALS.secret,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    // With a run log file the service logs what it would in production (info) there, and nothing to the test output.
    LOG_LEVEL: logDestination ? RUN_LOG_LEVEL : 'error',
    ...(useKafka ? { KAFKA_BROKERS: testKafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: topicPrefix } : {}),
    ...(options.env ?? {}),
  });
  if (config.kafka) {
    await ensureTopics(createKafka({ brokers: config.kafka.brokers, clientId: `${label}-admin` }), {
      replicationFactor: 1,
      topics: prefixedTopology(topicPrefix),
    });
  }
  const app = await createServiceApp({
    config,
    kafkaTopicPrefix: topicPrefix,
    extraModules: withWorker ? [WorkerModule.forRoot({ kafkaTopicPrefix: topicPrefix, maxAttempts: 20 })] : [],
    logger: logDestination !== undefined,
    logDestination,
    clock: options.clock,
  });
  await app.listen(port, '127.0.0.1');
  const url = `http://127.0.0.1:${port}`;

  const harness: ServiceHarness = {
    url,
    sandboxUrl: `http://127.0.0.1:${sandboxPort}`,
    appKey,
    opsKey,
    databaseUrl,
    topicPrefix,
    encryptionKey,
    fingerprintKey,
    plaidBaseUrl,
    app,
    sandbox,
    async request(method, path, opts = {}) {
      const headers: Record<string, string> = { ...(opts.headers ?? {}) };
      const key = opts.key === undefined ? appKey : opts.key;
      if (key !== null) headers.authorization = `Bearer ${key}`;
      if (opts.userId) headers['x-user-id'] = opts.userId;
      let body: string | undefined = opts.rawBody;
      if (opts.body !== undefined) body = JSON.stringify(opts.body);
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${url}${path}`, { method, headers, body });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: response.status, headers: response.headers, body: parsed as never };
    },
    async eventually(check, timeoutMs = 15000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const value = await check();
        if (value) return value as never;
        if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close() {
      await app.close();
      await sandbox.close();
    },
  };
  return harness;
}

/**
 * The environment of a worker process (`apps/worker/src/main.ts`) for this service: same database, keys, Kafka
 * topics and provider. Pair with `startService(label, { worker: false })`.
 */
export function workerProcessEnv(harness: ServiceHarness, logLevel = 'warn'): Record<string, string> {
  if (!harness.topicPrefix) throw new Error('workerProcessEnv: the service runs without Kafka');
  return {
    NODE_ENV: 'test',
    DATABASE_URL: harness.databaseUrl,
    KAFKA_BROKERS: testKafkaBrokers().join(','),
    KAFKA_TOPIC_PREFIX: harness.topicPrefix,
    ENCRYPTION_KEY: harness.encryptionKey,
    FINGERPRINT_KEY: harness.fingerprintKey,
    PLAID_BASE_URL: harness.plaidBaseUrl,
    PLAID_CLIENT_ID: SANDBOX_PLAID_CREDENTIALS.clientId,
    PLAID_SECRET: SANDBOX_PLAID_CREDENTIALS.secret,
    LOG_LEVEL: logLevel,
    // No probes/metrics server unless a test asks for one (several workers run at once; the default port would clash).
    WORKER_HTTP_PORT: '0',
  };
}

export function projectionsOf(harness: ServiceHarness): ProjectionsService {
  return harness.app.get(ProjectionsService);
}
