import { Logger } from '@nestjs/common';
import { loadEmbeddedConfig } from '@payments/config';
import { SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { createProviderSandboxApp } from './create-provider-sandbox-app';

/**
 * provider-sandbox on its own: listens on PROVIDER_SANDBOX_PORT (default 3100) and accepts PLAID_CLIENT_ID /
 * PLAID_SECRET when set, else the sandbox's documented development credentials.
 */
async function main(): Promise<void> {
  const config = loadEmbeddedConfig();
  const credentials = config.plaid ? { clientId: config.plaid.clientId, secret: config.plaid.secret.reveal() } : SANDBOX_PLAID_CREDENTIALS;
  const publicBaseUrl = config.plaid?.baseUrl ?? `http://127.0.0.1:${config.providerSandboxPort}`;
  const app = await createProviderSandboxApp({
    ...credentials,
    publicBaseUrl,
    logger: config.logLevel === 'debug',
    // Where BANK_TRANSFERS_EVENTS_UPDATE and PAYOUT_EVENTS_UPDATE webhooks go (configured per client): our receiver.
    bankTransfers: {
      webhookUrl: `${config.publicBaseUrl}/webhooks/plaid`,
      autoSettleAfterMs: config.providerSandboxAutoSettleMs || undefined,
      webhookCoalesceMs: config.providerSandboxWebhookCoalesceMs || undefined,
    },
    paymentRails: { webhookUrl: `${config.publicBaseUrl}/webhooks/plaid`, autoSettleAfterMs: config.providerSandboxAutoSettleMs || undefined },
  });
  app.enableShutdownHooks();
  await app.listen({ host: '0.0.0.0', port: config.providerSandboxPort });
  new Logger('ProviderSandbox').log(`provider-sandbox listening on ${await app.getUrl()} (public ${publicBaseUrl})`);
}

main().catch((error: unknown) => {
  console.error(`provider-sandbox failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
