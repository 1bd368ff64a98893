/**
 * Settings of the standalone provider-sandbox process.
 * TEMPORARY: this belongs in libs/config (a validated `SandboxConfig`); the lead moves it there. Until then
 * this is the only file of the app that reads the environment.
 */
export interface SandboxSettings {
  host: string;
  port: number;
  clientId: string;
  secret: string;
  publicBaseUrl: string;
  logger: boolean;
}

export function loadSandboxSettings(
  // eslint-disable-next-line no-restricted-properties -- temporary until libs/config provides SandboxConfig
  env: Record<string, string | undefined> = process.env,
): SandboxSettings {
  const host = env['PROVIDER_SANDBOX_HOST'] || '127.0.0.1';
  const portText = env['PROVIDER_SANDBOX_PORT'] || '4010';
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PROVIDER_SANDBOX_PORT must be a port number, got ${portText}`);
  const clientId = env['PLAID_CLIENT_ID'];
  const secret = env['PLAID_SECRET'];
  // No silent defaults for credentials.
  if (!clientId) throw new Error('PLAID_CLIENT_ID is required (the client_id the sandbox accepts)');
  if (!secret) throw new Error('PLAID_SECRET is required (the secret the sandbox accepts)');
  const publicBaseUrl = env['PROVIDER_SANDBOX_PUBLIC_URL'] || `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { host, port, clientId, secret, publicBaseUrl, logger: env['PROVIDER_SANDBOX_LOG'] !== 'false' };
}
