import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppConfig, decodeKey, EmbeddedAppConfig, Secret } from '@payments/config';
import { EmbeddedPostgresAlreadyRunningError, startEmbeddedPostgres } from './embedded-postgres';
import { loadOrCreateLocalSecrets } from './local-secrets';

export interface EmbeddedRuntime {
  config: AppConfig;
  dataDir: string;
  /** Set when this process started the embedded Postgres (and must stop it). */
  postgresPort?: number;
  stop(): Promise<void>;
}

/**
 * Completes an embedded-mode config: DATABASE_URL if given, else the embedded Postgres in DATA_DIR (started
 * here, or the one a running `npm start` already serves); keys from the environment, else DATA_DIR's own.
 */
export async function resolveEmbeddedRuntime(partial: EmbeddedAppConfig): Promise<EmbeddedRuntime> {
  const dataDir = resolve(partial.dataDir);
  const secrets = loadOrCreateLocalSecrets(dataDir);
  let databaseUrl = partial.databaseUrl;
  let stop = async () => undefined as void;
  let postgresPort: number | undefined;
  if (!databaseUrl) {
    try {
      const postgres = await startEmbeddedPostgres({ dataDir });
      databaseUrl = postgres.connectionString;
      postgresPort = postgres.port;
      stop = () => postgres.stop();
    } catch (error) {
      if (!(error instanceof EmbeddedPostgresAlreadyRunningError)) throw error;
      const stored = JSON.parse(readFileSync(join(dataDir, 'postgres.json'), 'utf8')) as { user: string; password: string; port: number };
      databaseUrl = `postgresql://${encodeURIComponent(stored.user)}:${encodeURIComponent(stored.password)}@127.0.0.1:${stored.port}/payments`;
    }
  }
  const config: AppConfig = {
    ...partial,
    databaseUrl,
    encryptionKey: partial.encryptionKey ?? new Secret(decodeKey('ENCRYPTION_KEY', secrets.encryptionKey)),
    fingerprintKey: partial.fingerprintKey ?? new Secret(decodeKey('FINGERPRINT_KEY', secrets.fingerprintKey)),
    localApiKey: partial.localApiKey ?? new Secret(secrets.localApiKey),
    opsApiKey: partial.opsApiKey ?? new Secret(secrets.opsApiKey),
  };
  return { config, dataDir, postgresPort, stop };
}
