import type { Logger } from 'pino';

/** Injection token for the pino logger the platform writes request and error lines to. */
export const PLATFORM_LOGGER = Symbol('PLATFORM_LOGGER');
/** Injection token for the resolved PlatformModuleOptions. */
export const PLATFORM_OPTIONS = Symbol('PLATFORM_OPTIONS');

export interface BootstrapApiKey {
  /** The plaintext key (e.g. LOCAL_API_KEY); only its sha256 is stored. */
  key: string;
  name: string;
  scope: 'app' | 'ops';
}

export interface PlatformModuleOptions {
  /** The pino logger for request lines and error logs (default: createPinoLogger({ level: 'info' })). */
  logger?: Logger;
  /** How long a completed idempotent response is replayed (config IDEMPOTENCY_TTL_HOURS; default 24). */
  idempotencyTtlHours?: number;
  /** An in-flight claim older than this is considered abandoned (crashed request) and may be retaken (default 120). */
  idempotencyInFlightTimeoutSeconds?: number;
  /** Create the platform tables (api_keys, idempotency_keys) at startup (default true). */
  ensureSchema?: boolean;
  /** API keys ensured at startup (LOCAL_API_KEY as 'app', OPS_API_KEY as 'ops'). */
  bootstrapApiKeys?: BootstrapApiKey[];
  /** Timeout of each readiness check in ms (default 2000). */
  readinessTimeoutMs?: number;
  /** How often expired idempotency rows are deleted, ms (default 1 h; 0 = never). */
  idempotencyPurgeIntervalMs?: number;
  /** How long a verified API key is remembered in this process, ms (config API_KEY_CACHE_MS; default 1000; 0 = never). */
  apiKeyCacheMs?: number;
}

export type ResolvedPlatformOptions = Required<Omit<PlatformModuleOptions, 'logger'>> & { logger: Logger };
