import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@payments/config';
import { ensureTopics, createKafka } from '@payments/messaging';
import { prefixedTopology, SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { createProviderSandboxApp } from '../../apps/provider-sandbox/src';
import { createServiceApp } from '../../apps/api/src/create-api-app';
import { WorkerModule } from '../../apps/worker/src/worker.module';
import { ProjectionsService } from '../../apps/worker/src/projecting/projections.service';
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

/**
 * The whole service as a user runs it, in this test process: provider-sandbox over HTTP, the API over HTTP, the
 * worker (projections + webhook translator consuming real Kafka), all on a fresh database of this test run.
 */
export async function startService(label: string, options: { kafka?: boolean; providerUnreachable?: boolean } = {}): Promise<ServiceHarness> {
  const databaseUrl = await createIsolatedDatabase(label);
  const [port, sandboxPort] = [await freePort(), await freePort()];
  const useKafka = options.kafka ?? true;
  const topicPrefix = useKafka ? `${uniqueName(label)}.` : '';
  const appKey = `pk_${randomBytes(32).toString('base64url')}`;
  const opsKey = `pk_${randomBytes(32).toString('base64url')}`;

  const sandbox = await createProviderSandboxApp({ ...SANDBOX_PLAID_CREDENTIALS, publicBaseUrl: `http://127.0.0.1:${sandboxPort}`, logger: false });
  await sandbox.listen(sandboxPort, '127.0.0.1');

  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    FINGERPRINT_KEY: randomBytes(32).toString('base64'),
    LOCAL_API_KEY: appKey,
    OPS_API_KEY: opsKey,
    // providerUnreachable: point the Plaid client at a port nothing listens on (the sandbox still runs).
    PLAID_BASE_URL: `http://127.0.0.1:${options.providerUnreachable ? await freePort() : sandboxPort}`,
    PLAID_CLIENT_ID: SANDBOX_PLAID_CREDENTIALS.clientId,
    PLAID_SECRET: SANDBOX_PLAID_CREDENTIALS.secret,
    PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    LOG_LEVEL: 'error',
    ...(useKafka ? { KAFKA_BROKERS: testKafkaBrokers().join(','), KAFKA_TOPIC_PREFIX: topicPrefix } : {}),
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
    extraModules: [WorkerModule.forRoot({ kafkaTopicPrefix: topicPrefix, maxAttempts: 20 })],
    logger: false,
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

export function projectionsOf(harness: ServiceHarness): ProjectionsService {
  return harness.app.get(ProjectionsService);
}
