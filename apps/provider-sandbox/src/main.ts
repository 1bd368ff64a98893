import { Logger } from '@nestjs/common';
import { createProviderSandboxApp } from './create-provider-sandbox-app';
import { loadSandboxSettings } from './sandbox-settings';

async function main(): Promise<void> {
  const settings = loadSandboxSettings();
  const app = await createProviderSandboxApp({
    clientId: settings.clientId,
    secret: settings.secret,
    publicBaseUrl: settings.publicBaseUrl,
    logger: settings.logger,
  });
  await app.listen({ host: settings.host, port: settings.port });
  new Logger('ProviderSandbox').log(`provider-sandbox listening on ${await app.getUrl()} (public ${settings.publicBaseUrl})`);
}

main().catch((error: unknown) => {
  console.error(`provider-sandbox failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
