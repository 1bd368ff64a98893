import { Currency, DEFAULT_FUNDING_ASSETS, FundingAsset, formatRate, isCurrency, parseFundingAssets, parseRate } from '@payments/domain';
import { EnvironmentVariables, LOG_LEVELS, NODE_ENVS, VariableProblem, readEnvironment } from './environment-variables';
import { Secret } from './secret';

export type NodeEnv = (typeof NODE_ENVS)[number];
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic and consumer-group name (isolates test runs or tenants sharing a cluster). */
  topicPrefix: string;
  /** Replication factor for the topics the service creates (3 in production, 1 on a single broker). */
  replicationFactor: number;
}

export interface PlaidConfig {
  baseUrl: string;
  clientId: string;
  secret: Secret<string>;
}

/** The whole service configuration, validated once at startup. Nothing else reads process.env. */
export interface AppConfig {
  nodeEnv: NodeEnv;
  port: number;
  /** Postgres for events (Postgres event store), read models, API keys and idempotency records. */
  databaseUrl: string;
  dataDir: string;
  /** Ensured as an app-scoped API key at startup when set. */
  localApiKey?: Secret<string>;
  /** Ensured as an ops-scoped API key at startup when set. */
  opsApiKey?: Secret<string>;
  /** Absent: in-process messaging (embedded mode). */
  kafka?: KafkaConfig;
  /** Set: the event store is EventStoreDB; absent: the Postgres event store. */
  eventStoreConnectionString?: string;
  /** AES-256-GCM key for account numbers and provider tokens at rest (32 bytes). */
  encryptionKey: Secret<Buffer>;
  /** HMAC-SHA256 key for lookup fingerprints (32 bytes). */
  fingerprintKey: Secret<Buffer>;
  /** Absent: use the provider sandbox (embedded mode) at http://127.0.0.1:{providerSandboxPort}. */
  plaid?: PlaidConfig;
  /** Base URL the provider uses to reach our webhook receiver (no trailing slash). */
  publicBaseUrl: string;
  providerSandboxPort: number;
  /** Standalone worker: port of its /health/live, /health/ready and /metrics server (default 3001; 0 = no server). */
  workerHttpPort: number;
  /** Provider sandbox only: pending bank transfers and payouts complete by themselves after this many ms (0 = off; unset = the mode's default). */
  providerSandboxAutoSettleMs?: number;
  /** Provider sandbox: window for coalescing BANK_TRANSFERS_EVENTS_UPDATE webhooks (undefined/0: one per event). */
  providerSandboxWebhookCoalesceMs?: number;
  /** Worker: provider events whose commands the translator runs together, per cursor update (1-500, default 250). */
  translatorApplyBatch: number;
  /** Worker: domain events the event publisher reads per produce request and checkpoint write (1-500, default 200). */
  eventPublisherBatch: number;
  logLevel: LogLevel;
  idempotencyTtlHours: number;
  webhookMaxAgeSeconds: number;
  /** The funding assets (tokens) transfers may be funded from; default DEFAULT_FUNDING_ASSETS (WUSD, WEUR). */
  fundingAssets: readonly FundingAsset[];
  /** Sandbox FX table overrides: currency → units per USD (exact decimal strings); the rest keep their sandbox defaults. */
  fxSandboxRates: Partial<Record<Currency, string>>;
  /** Cross-border remittance (`/user/remittance/*`); off by default, as in the seed ("currently disabled"). */
  remittanceEnabled: boolean;
  /** API: how long a verified API key is remembered per process (0 = every request asks Postgres). */
  apiKeyCacheMs: number;
  /** How long a bank transfer estimate can be executed (seconds, default 300). */
  transferEstimateTtlSeconds: number;
  /** Outbound webhooks (worker): retry schedule, per-request timeout and parallel requests. */
  outboundWebhooks: OutboundWebhookConfig;
}

/** Outbound webhook delivery: wait `retryBaseMs` doubling up to `retryMaxMs` (± jitter) between attempts; `failed` after `giveUpAfterMs`. */
export interface OutboundWebhookConfig {
  retryBaseMs: number;
  retryMaxMs: number;
  giveUpAfterMs: number;
  timeoutMs: number;
  concurrency: number;
}

/**
 * What embedded mode gets before it has started its own Postgres and created its keys in DATA_DIR:
 * the same config with those three left open. Complete it with `{ ...config, databaseUrl, encryptionKey, fingerprintKey }`.
 */
export type EmbeddedAppConfig = Omit<AppConfig, 'databaseUrl' | 'encryptionKey' | 'fingerprintKey'> &
  Partial<Pick<AppConfig, 'databaseUrl' | 'encryptionKey' | 'fingerprintKey'>>;

export interface LoadConfigOptions {
  /** Embedded mode (`npm start`): DATABASE_URL, ENCRYPTION_KEY and FINGERPRINT_KEY may be absent. */
  embedded?: boolean;
}

/** Thrown by loadConfig with every bad variable at once; never contains a variable's value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: VariableProblem[]) {
    super(`Invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n')}`);
  }
}

/** Decodes a base64 (standard or url-safe) 32-byte key; throws without echoing the value. */
export function decodeKey(name: string, base64: string): Buffer {
  const bytes = Buffer.from(base64.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes.length !== 32) throw new ConfigError([{ variable: name, problem: 'must be 32 bytes, base64 encoded' }]);
  return bytes;
}

const DEFAULT_PORT = 3000;
const DEFAULT_PROVIDER_SANDBOX_PORT = 3100;
const DEFAULT_WORKER_HTTP_PORT = 3001;

export function loadConfig(env?: Record<string, string | undefined>): AppConfig;
export function loadConfig(env: Record<string, string | undefined>, options: { embedded: true }): EmbeddedAppConfig;
export function loadConfig(env: Record<string, string | undefined>, options: LoadConfigOptions): AppConfig | EmbeddedAppConfig;
export function loadConfig(env: Record<string, string | undefined> = process.env, options: LoadConfigOptions = {}): AppConfig | EmbeddedAppConfig {
  const { vars, problems } = readEnvironment(env);
  const bad = new Set(problems.map((p) => p.variable));
  const problem = (variable: string, text: string) => {
    if (!bad.has(variable)) {
      problems.push({ variable, problem: text });
      bad.add(variable);
    }
  };
  const ok = (name: keyof EnvironmentVariables) => vars[name] !== undefined && !bad.has(name);

  const int = (name: keyof EnvironmentVariables, fallback: number, min: number, max: number, unit: string): number => {
    if (!ok(name)) return fallback;
    const value = Number(vars[name]);
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      problem(name, `must be ${unit} between ${min} and ${max}`);
      return fallback;
    }
    return value;
  };

  const port = int('PORT', DEFAULT_PORT, 0, 65535, 'a port number');
  const providerSandboxPort = int('PROVIDER_SANDBOX_PORT', DEFAULT_PROVIDER_SANDBOX_PORT, 0, 65535, 'a port number');
  const workerHttpPort = int('WORKER_HTTP_PORT', DEFAULT_WORKER_HTTP_PORT, 0, 65535, 'a port number');
  const idempotencyTtlHours = int('IDEMPOTENCY_TTL_HOURS', 24, 1, 720, 'a whole number of hours');
  const webhookMaxAgeSeconds = int('WEBHOOK_MAX_AGE_SECONDS', 300, 1, 3600, 'a whole number of seconds');
  const apiKeyCacheMs = int('API_KEY_CACHE_MS', 1000, 0, 60_000, 'a whole number of milliseconds');
  const transferEstimateTtlSeconds = int('TRANSFER_ESTIMATE_TTL_SECONDS', 300, 1, 86400, 'a whole number of seconds');
  const outboundWebhooks: OutboundWebhookConfig = {
    retryBaseMs: int('OUTBOUND_WEBHOOK_RETRY_BASE_MS', 30_000, 1, 3_600_000, 'a whole number of milliseconds'),
    retryMaxMs: int('OUTBOUND_WEBHOOK_RETRY_MAX_MS', 3_600_000, 1, 86_400_000, 'a whole number of milliseconds'),
    giveUpAfterMs: int('OUTBOUND_WEBHOOK_GIVE_UP_AFTER_MS', 25 * 3_600_000, 1, 7 * 86_400_000, 'a whole number of milliseconds'),
    timeoutMs: int('OUTBOUND_WEBHOOK_TIMEOUT_MS', 10_000, 100, 120_000, 'a whole number of milliseconds'),
    concurrency: int('OUTBOUND_WEBHOOK_CONCURRENCY', 8, 1, 64, 'a whole number'),
  };
  const translatorApplyBatch = int('TRANSLATOR_APPLY_BATCH', 250, 1, 500, 'a whole number of provider events');
  const eventPublisherBatch = int('EVENT_PUBLISHER_BATCH', 200, 1, 500, 'a whole number of events');

  // Required outside embedded mode; secrets never get a silent default.
  if (!options.embedded) {
    const required = {
      DATABASE_URL: 'is required (embedded mode supplies one; other modes must name the Postgres server)',
      ENCRYPTION_KEY: 'is required outside embedded mode (32 bytes, base64: `openssl rand -base64 32`)',
      FINGERPRINT_KEY: 'is required outside embedded mode (32 bytes, base64: `openssl rand -base64 32`)',
    } as const;
    for (const [name, text] of Object.entries(required) as [keyof typeof required, string][]) {
      if (vars[name] === undefined) problem(name, text);
    }
  }

  const key = (name: 'ENCRYPTION_KEY' | 'FINGERPRINT_KEY'): Secret<Buffer> | undefined => {
    const raw = vars[name];
    if (raw === undefined || !ok(name)) return undefined;
    try {
      return new Secret(decodeKey(name, raw));
    } catch {
      problem(name, 'must be 32 bytes, base64 encoded');
      return undefined;
    }
  };
  const encryptionKey = key('ENCRYPTION_KEY');
  const fingerprintKey = key('FINGERPRINT_KEY');
  if (encryptionKey && fingerprintKey && encryptionKey.reveal().equals(fingerprintKey.reveal())) {
    problem('FINGERPRINT_KEY', 'must differ from ENCRYPTION_KEY (one key per purpose)');
  }

  if (ok('LOCAL_API_KEY') && ok('OPS_API_KEY') && vars.LOCAL_API_KEY === vars.OPS_API_KEY) {
    problem('OPS_API_KEY', 'must differ from LOCAL_API_KEY (an app key must not carry ops scope)');
  }

  const plaidNames = ['PLAID_BASE_URL', 'PLAID_CLIENT_ID', 'PLAID_SECRET'] as const;
  const plaidSet = plaidNames.filter((n) => vars[n] !== undefined);
  if (plaidSet.length > 0 && plaidSet.length < plaidNames.length) {
    for (const name of plaidNames) {
      if (vars[name] === undefined) problem(name, `is required when ${plaidSet.join(', ')} ${plaidSet.length === 1 ? 'is' : 'are'} set (set all three or none)`);
    }
  }

  let fundingAssets: readonly FundingAsset[] = DEFAULT_FUNDING_ASSETS;
  if (ok('FUNDING_ASSETS')) {
    try {
      fundingAssets = parseFundingAssets(vars.FUNDING_ASSETS as string);
    } catch (error) {
      problem(
        'FUNDING_ASSETS',
        error instanceof SyntaxError
          ? 'must be valid JSON: an array of {address, symbol, decimals, peggedTo}'
          : `must be an array of {address, symbol, decimals, peggedTo}: ${(error as Error).message}`,
      );
    }
  }

  const fxSandboxRates = ok('FX_SANDBOX_RATES') ? parseFxSandboxRates(vars.FX_SANDBOX_RATES as string, (text) => problem('FX_SANDBOX_RATES', text)) : {};

  if (problems.length > 0) throw new ConfigError(problems);

  const stripSlash = (url: string) => url.replace(/\/+$/, '');
  const config: EmbeddedAppConfig = {
    nodeEnv: (vars.NODE_ENV as NodeEnv | undefined) ?? 'development',
    port,
    databaseUrl: vars.DATABASE_URL,
    dataDir: vars.DATA_DIR ?? '.data',
    localApiKey: vars.LOCAL_API_KEY !== undefined ? new Secret(vars.LOCAL_API_KEY) : undefined,
    opsApiKey: vars.OPS_API_KEY !== undefined ? new Secret(vars.OPS_API_KEY) : undefined,
    kafka:
      vars.KAFKA_BROKERS !== undefined
        ? {
            brokers: vars.KAFKA_BROKERS.split(',').map((b) => b.trim()),
            clientId: vars.KAFKA_CLIENT_ID ?? 'payments',
            topicPrefix: vars.KAFKA_TOPIC_PREFIX ?? '',
            replicationFactor: Number(vars.KAFKA_REPLICATION_FACTOR ?? '1'),
          }
        : undefined,
    eventStoreConnectionString: vars.EVENTSTORE_CONNECTION_STRING,
    encryptionKey,
    fingerprintKey,
    plaid:
      vars.PLAID_BASE_URL !== undefined && vars.PLAID_CLIENT_ID !== undefined && vars.PLAID_SECRET !== undefined
        ? { baseUrl: stripSlash(vars.PLAID_BASE_URL), clientId: vars.PLAID_CLIENT_ID, secret: new Secret(vars.PLAID_SECRET) }
        : undefined,
    publicBaseUrl: stripSlash(vars.PUBLIC_BASE_URL ?? `http://127.0.0.1:${port}`),
    providerSandboxPort,
    workerHttpPort,
    providerSandboxAutoSettleMs: vars.PROVIDER_SANDBOX_AUTO_SETTLE_MS !== undefined ? Number(vars.PROVIDER_SANDBOX_AUTO_SETTLE_MS) : undefined,
    translatorApplyBatch,
    eventPublisherBatch,
    providerSandboxWebhookCoalesceMs:
      vars.PROVIDER_SANDBOX_WEBHOOK_COALESCE_MS !== undefined ? Number(vars.PROVIDER_SANDBOX_WEBHOOK_COALESCE_MS) : undefined,
    logLevel: (vars.LOG_LEVEL as LogLevel | undefined) ?? 'info',
    idempotencyTtlHours,
    webhookMaxAgeSeconds,
    fundingAssets,
    fxSandboxRates,
    remittanceEnabled: vars.REMITTANCE_ENABLED === 'true',
    apiKeyCacheMs,
    transferEstimateTtlSeconds,
    outboundWebhooks,
  };
  return config;
}

/**
 * `FX_SANDBOX_RATES`: a JSON object of currency → units per USD as a decimal string (`{"NGN": "1600", "EUR": "0.92"}`).
 * Numbers are refused (a JSON number is a float); USD, the table's base, may only be "1". Rates come back normalised.
 */
export function parseFxSandboxRates(json: string, report: (problem: string) => void): Partial<Record<Currency, string>> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    report('must be valid JSON: an object of currency → units per USD as a decimal string, e.g. {"NGN": "1600"}');
    return {};
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    report('must be a JSON object of currency → units per USD as a decimal string, e.g. {"NGN": "1600"}');
    return {};
  }
  const rates: Partial<Record<Currency, string>> = {};
  const bad: string[] = [];
  for (const [currency, rate] of Object.entries(value)) {
    if (!isCurrency(currency)) {
      bad.push(`${currency.slice(0, 8)}: not a supported currency`);
      continue;
    }
    if (typeof rate !== 'string') {
      bad.push(`${currency}: the rate must be a decimal string such as "1600.5"`);
      continue;
    }
    try {
      rates[currency] = formatRate(parseRate(rate));
    } catch {
      bad.push(`${currency}: the rate must be a positive decimal with at most 18 decimals`);
      continue;
    }
    if (currency === 'USD' && rates.USD !== '1') bad.push('USD: the base of the table, its rate can only be "1"');
  }
  if (bad.length > 0) report(`has bad entries (${bad.join('; ')})`);
  return rates;
}

/** Embedded mode's configuration (`npm start`): the process environment, with database and keys optional. */
export function loadEmbeddedConfig(): EmbeddedAppConfig {
  return loadConfig(process.env, { embedded: true });
}
