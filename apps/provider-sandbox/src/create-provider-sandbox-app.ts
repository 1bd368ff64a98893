import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { systemClock } from '@payments/domain';
import { PlaidExceptionFilter } from './common/plaid-exception.filter';
import { plaidValidationPipe } from './common/plaid-validation.pipe';
import { ProviderSandboxOptions, ResolvedSandboxOptions } from './common/sandbox-options';
import { ProviderSandboxModule } from './provider-sandbox.module';
import { resolveBankTransfersOptions } from './bank-transfers/bank-transfers.options';
import { resolvePaymentRailsOptions } from './payment-rails/payment-rails.options';

function resolve(options: ProviderSandboxOptions): ResolvedSandboxOptions {
  if (!options.clientId) throw new Error('provider-sandbox: clientId is required');
  if (!options.secret) throw new Error('provider-sandbox: secret is required');
  let publicBaseUrl: string | null = null;
  if (options.publicBaseUrl) {
    const url = new URL(options.publicBaseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('provider-sandbox: publicBaseUrl must be http(s)');
    publicBaseUrl = options.publicBaseUrl.replace(/\/+$/, '');
  }
  return {
    clientId: options.clientId,
    secret: options.secret,
    publicBaseUrl,
    clock: options.clock ?? systemClock,
    linkTokenTtlSeconds: options.linkTokenTtlSeconds ?? 4 * 60 * 60,
    webhookMaxAttempts: Math.max(1, options.webhookRetry?.maxAttempts ?? 5),
    webhookBaseDelayMs: Math.max(1, options.webhookRetry?.baseDelayMs ?? 1_000),
    webhookTimeoutMs: options.webhookTimeoutMs ?? 5_000,
    bankTransfers: resolveBankTransfersOptions(options.bankTransfers),
    paymentRails: resolvePaymentRailsOptions(options.paymentRails),
  };
}

/**
 * Builds (and initialises) the provider-sandbox: a Plaid-compatible simulator. The caller listens:
 *
 *   const app = await createProviderSandboxApp({ clientId, secret });
 *   await app.listen({ port: 0, host: '127.0.0.1' });
 *   const baseUrl = await app.getUrl();
 *   ...
 *   await app.close();   // also cancels pending webhook retries
 *
 * State is in memory. Key rotation: `app.get(WebhookKeyRing).rotate()`.
 */
export async function createProviderSandboxApp(options: ProviderSandboxOptions): Promise<NestFastifyApplication> {
  const resolved = resolve(options);
  const adapter = new FastifyAdapter({ bodyLimit: 256 * 1024 });
  const app = await NestFactory.create<NestFastifyApplication>(ProviderSandboxModule.forRoot(resolved), adapter, {
    logger: options.logger ? ['log', 'warn', 'error'] : false,
    abortOnError: false,
  });
  app.useGlobalFilters(new PlaidExceptionFilter());
  app.useGlobalPipes(plaidValidationPipe());
  // Signals are the host process's business (standalone main, embedded mode, tests): a shutdown hook here would
  // re-raise SIGINT/SIGTERM and end an embedding process before it stopped its other resources.
  await app.init();
  return app;
}
