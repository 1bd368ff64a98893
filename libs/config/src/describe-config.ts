import { AppConfig, EmbeddedAppConfig } from './load-config';

/** Masks the password of a connection string (`postgres://user:***@host/db`). */
export function maskUrl(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/?#@]*):[^@/?#]*@/i, '$1:***@');
}

/**
 * A log-safe summary of the configuration for the startup line: secrets show only whether they are set,
 * connection strings have their passwords masked.
 */
export function describeConfig(config: AppConfig | EmbeddedAppConfig): Record<string, unknown> {
  return {
    nodeEnv: config.nodeEnv,
    port: config.port,
    databaseUrl: config.databaseUrl ? maskUrl(config.databaseUrl) : undefined,
    dataDir: config.dataDir,
    localApiKey: config.localApiKey ? 'set' : 'unset',
    opsApiKey: config.opsApiKey ? 'set' : 'unset',
    kafka: config.kafka ? { brokers: config.kafka.brokers, clientId: config.kafka.clientId } : 'embedded',
    eventStore: config.eventStoreConnectionString ? `eventstoredb (${maskUrl(config.eventStoreConnectionString)})` : 'postgres',
    encryptionKey: config.encryptionKey ? 'set' : 'unset',
    fingerprintKey: config.fingerprintKey ? 'set' : 'unset',
    plaid: config.plaid ? { baseUrl: config.plaid.baseUrl, clientId: config.plaid.clientId, secret: 'set' } : 'provider-sandbox',
    publicBaseUrl: config.publicBaseUrl,
    providerSandboxPort: config.providerSandboxPort,
    logLevel: config.logLevel,
    idempotencyTtlHours: config.idempotencyTtlHours,
    webhookMaxAgeSeconds: config.webhookMaxAgeSeconds,
    fundingAssets: config.fundingAssets.map((asset) => asset.symbol),
    fxSandboxRates: config.fxSandboxRates,
    remittanceEnabled: config.remittanceEnabled,
    apiKeyCacheMs: config.apiKeyCacheMs,
    transferEstimateTtlSeconds: config.transferEstimateTtlSeconds,
    outboundWebhooks: config.outboundWebhooks,
  };
}
