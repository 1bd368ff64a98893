/**
 * The API as the acceptance benchmarks start it: on a given database, with fresh keys (an app key and an ops key),
 * no worker and no Kafka. The provider URL points at a closed port: nothing submits anything in these benchmarks.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@payments/config';
import { CommandProcessor } from '@payments/event-store';
import { SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { createServiceApp } from '../../apps/api/src/create-api-app';

export interface BenchApi {
  app: NestFastifyApplication;
  url: string;
  appKey: string;
  opsKey: string;
  commands: CommandProcessor;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export async function startBenchApi(databaseUrl: string): Promise<BenchApi> {
  const port = await freePort();
  const appKey = `pk_${randomBytes(32).toString('base64url')}`;
  const opsKey = `pk_${randomBytes(32).toString('base64url')}`;
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    FINGERPRINT_KEY: randomBytes(32).toString('base64'),
    LOCAL_API_KEY: appKey,
    OPS_API_KEY: opsKey,
    PLAID_BASE_URL: `http://127.0.0.1:${await freePort()}`,
    PLAID_CLIENT_ID: SANDBOX_PLAID_CREDENTIALS.clientId,
    PLAID_SECRET: SANDBOX_PLAID_CREDENTIALS.secret,
    LOG_LEVEL: 'error',
  });
  const app = await createServiceApp({ config, logger: false, shutdownHooks: false });
  await app.listen(port, '127.0.0.1');
  return { app, url: `http://127.0.0.1:${port}`, appKey, opsKey, commands: app.get(CommandProcessor) };
}
