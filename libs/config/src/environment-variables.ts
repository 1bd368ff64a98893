import { IsIn, IsOptional, Matches, MaxLength, MinLength, ValidationError, validateSync } from 'class-validator';

export const NODE_ENVS = ['development', 'test', 'production'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const BOOLEANS = ['true', 'false'] as const;

const INTEGER = /^\d{1,9}$/;
const HTTP_URL = /^https?:\/\/[^\s/?#]+(?:\/[^\s]*)?$/;
const POSTGRES_URL = /^postgres(?:ql)?:\/\/\S+$/;
const EVENTSTORE_URL = /^(?:esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent|kurrent\+discover):\/\/\S+$/;
const BROKER_LIST = /^\s*[A-Za-z0-9.-]+:\d{1,5}\s*(?:,\s*[A-Za-z0-9.-]+:\d{1,5}\s*)*$/;
const BASE64_32_BYTES = /^(?:[A-Za-z0-9+/]{43}=?|[A-Za-z0-9_-]{43}=?)$/;
const API_KEY = /^\S{16,256}$/;
const CLIENT_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The raw environment as class-validator sees it: every known variable as the string the process got,
 * formats checked here; defaults, required-ness by mode and cross-variable rules live in load-config.ts.
 * Messages never include the value (it may be a secret).
 */
export class EnvironmentVariables {
  @IsOptional() @IsIn(NODE_ENVS, { message: `must be one of ${NODE_ENVS.join(', ')}` })
  NODE_ENV?: string;

  @IsOptional() @Matches(INTEGER, { message: 'must be an integer port number (0-65535)' })
  PORT?: string;

  @IsOptional() @Matches(POSTGRES_URL, { message: 'must be a postgres:// or postgresql:// connection string' })
  DATABASE_URL?: string;

  @IsOptional() @MaxLength(4096, { message: 'must be a directory path of at most 4096 characters' })
  DATA_DIR?: string;

  @IsOptional() @Matches(API_KEY, { message: 'must be 16 to 256 characters without whitespace' })
  LOCAL_API_KEY?: string;

  @IsOptional() @Matches(API_KEY, { message: 'must be 16 to 256 characters without whitespace' })
  OPS_API_KEY?: string;

  @IsOptional() @Matches(BROKER_LIST, { message: 'must be a comma-separated list of host:port' })
  KAFKA_BROKERS?: string;

  @IsOptional() @Matches(CLIENT_ID, { message: 'must be 1 to 128 characters of letters, digits, ".", "_" or "-"' })
  KAFKA_CLIENT_ID?: string;

  @IsOptional() @Matches(/^[A-Za-z0-9._-]{0,100}$/, { message: 'must be up to 100 characters of letters, digits, ".", "_" or "-"' })
  KAFKA_TOPIC_PREFIX?: string;

  @IsOptional() @Matches(/^[1-9]$/, { message: 'must be a whole number from 1 to 9' })
  KAFKA_REPLICATION_FACTOR?: string;

  @IsOptional() @Matches(EVENTSTORE_URL, { message: 'must be an esdb:// (or esdb+discover://, kurrentdb://) connection string' })
  EVENTSTORE_CONNECTION_STRING?: string;

  @IsOptional() @Matches(BASE64_32_BYTES, { message: 'must be 32 bytes, base64 encoded (e.g. `openssl rand -base64 32`)' })
  ENCRYPTION_KEY?: string;

  @IsOptional() @Matches(BASE64_32_BYTES, { message: 'must be 32 bytes, base64 encoded (e.g. `openssl rand -base64 32`)' })
  FINGERPRINT_KEY?: string;

  @IsOptional() @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  PLAID_BASE_URL?: string;

  @IsOptional() @Matches(CLIENT_ID, { message: 'must be 1 to 128 characters of letters, digits, ".", "_" or "-"' })
  PLAID_CLIENT_ID?: string;

  @IsOptional() @MinLength(8, { message: 'must be at least 8 characters' }) @MaxLength(512, { message: 'must be at most 512 characters' })
  PLAID_SECRET?: string;

  @IsOptional() @Matches(HTTP_URL, { message: 'must be an http(s) URL' })
  PUBLIC_BASE_URL?: string;

  @IsOptional() @Matches(INTEGER, { message: 'must be an integer port number (0-65535)' })
  PROVIDER_SANDBOX_PORT?: string;

  @IsOptional() @Matches(INTEGER, { message: 'must be an integer port number (0-65535; 0 turns it off)' })
  WORKER_HTTP_PORT?: string;

  @IsOptional() @Matches(/^\d{1,7}$/, { message: 'must be a whole number of milliseconds (0 turns auto-settlement off)' })
  PROVIDER_SANDBOX_AUTO_SETTLE_MS?: string;

  @IsOptional() @Matches(/^\d{1,7}$/, { message: 'must be a whole number of milliseconds (0: one webhook per event)' })
  PROVIDER_SANDBOX_WEBHOOK_COALESCE_MS?: string;

  @IsOptional() @Matches(/^\d{1,3}$/, { message: 'must be a whole number of provider events from 1 to 500' })
  TRANSLATOR_APPLY_BATCH?: string;

  @IsOptional() @Matches(/^\d{1,3}$/, { message: 'must be a whole number of events from 1 to 500' })
  EVENT_PUBLISHER_BATCH?: string;

  @IsOptional() @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL?: string;

  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of hours (1-720)' })
  IDEMPOTENCY_TTL_HOURS?: string;

  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of seconds (1-3600)' })
  WEBHOOK_MAX_AGE_SECONDS?: string;

  // JSON; its content is checked in load-config.ts (parseFundingAssets).
  @IsOptional() @MaxLength(65536, { message: 'must be a JSON array of at most 65536 characters' })
  FUNDING_ASSETS?: string;

  // JSON; its content is checked in load-config.ts (currencies and exact decimal rates).
  @IsOptional() @MaxLength(8192, { message: 'must be a JSON object of at most 8192 characters' })
  FX_SANDBOX_RATES?: string;

  @IsOptional() @IsIn(BOOLEANS, { message: 'must be true or false' })
  REMITTANCE_ENABLED?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of milliseconds (0-60000)' })
  API_KEY_CACHE_MS?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of seconds (1-86400)' })
  TRANSFER_ESTIMATE_TTL_SECONDS?: string;

  // Outbound webhooks to product apps (worker delivery loop); ranges are checked in load-config.ts.
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of milliseconds' })
  OUTBOUND_WEBHOOK_RETRY_BASE_MS?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of milliseconds' })
  OUTBOUND_WEBHOOK_RETRY_MAX_MS?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of milliseconds' })
  OUTBOUND_WEBHOOK_GIVE_UP_AFTER_MS?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of milliseconds' })
  OUTBOUND_WEBHOOK_TIMEOUT_MS?: string;
  @IsOptional() @Matches(INTEGER, { message: 'must be a whole number of concurrent requests' })
  OUTBOUND_WEBHOOK_CONCURRENCY?: string;
}

export type EnvironmentVariableName = keyof EnvironmentVariables;

/** Every variable the service reads; nothing else in the environment is looked at. */
export const ENVIRONMENT_VARIABLE_NAMES: readonly EnvironmentVariableName[] = [
  'NODE_ENV',
  'PORT',
  'DATABASE_URL',
  'DATA_DIR',
  'LOCAL_API_KEY',
  'OPS_API_KEY',
  'KAFKA_BROKERS',
  'KAFKA_CLIENT_ID',
  'KAFKA_TOPIC_PREFIX',
  'KAFKA_REPLICATION_FACTOR',
  'EVENTSTORE_CONNECTION_STRING',
  'ENCRYPTION_KEY',
  'FINGERPRINT_KEY',
  'PLAID_BASE_URL',
  'PLAID_CLIENT_ID',
  'PLAID_SECRET',
  'PUBLIC_BASE_URL',
  'PROVIDER_SANDBOX_PORT',
  'WORKER_HTTP_PORT',
  'PROVIDER_SANDBOX_AUTO_SETTLE_MS',
  'PROVIDER_SANDBOX_WEBHOOK_COALESCE_MS',
  'TRANSLATOR_APPLY_BATCH',
  'EVENT_PUBLISHER_BATCH',
  'LOG_LEVEL',
  'IDEMPOTENCY_TTL_HOURS',
  'WEBHOOK_MAX_AGE_SECONDS',
  'FUNDING_ASSETS',
  'FX_SANDBOX_RATES',
  'REMITTANCE_ENABLED',
  'API_KEY_CACHE_MS',
  'TRANSFER_ESTIMATE_TTL_SECONDS',
  'OUTBOUND_WEBHOOK_RETRY_BASE_MS',
  'OUTBOUND_WEBHOOK_RETRY_MAX_MS',
  'OUTBOUND_WEBHOOK_GIVE_UP_AFTER_MS',
  'OUTBOUND_WEBHOOK_TIMEOUT_MS',
  'OUTBOUND_WEBHOOK_CONCURRENCY',
];

export interface VariableProblem {
  variable: string;
  problem: string;
}

/** Builds the plain class from an env record (empty strings count as unset) and checks every format. */
export function readEnvironment(env: Record<string, string | undefined>): { vars: EnvironmentVariables; problems: VariableProblem[] } {
  const vars = new EnvironmentVariables();
  for (const name of ENVIRONMENT_VARIABLE_NAMES) {
    const raw = env[name];
    if (raw !== undefined && raw.trim() !== '') vars[name] = raw.trim();
  }
  const errors: ValidationError[] = validateSync(vars, { forbidUnknownValues: false, validationError: { target: false, value: false } });
  const problems = errors.map((error) => ({
    variable: error.property,
    problem: Object.values(error.constraints ?? {})[0] ?? 'is invalid',
  }));
  return { vars, problems };
}
