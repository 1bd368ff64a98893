import type { ConnectionOptions } from 'node:tls';
import { Kafka, type LogEntry, logLevel as KafkaLogLevel, type RetryOptions, type SASLOptions } from 'kafkajs';
import { type MessagingLogger, silentLogger } from './messaging-logger';

export type MessagingLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

export interface CreateKafkaOptions {
  /** `host:port` of one or more bootstrap brokers. */
  brokers: readonly string[];
  clientId: string;
  /** Defaults to `warn`. */
  logLevel?: MessagingLogLevel;
  /** Where kafkajs logs go; defaults to nowhere. */
  logger?: MessagingLogger;
  ssl?: boolean | ConnectionOptions;
  sasl?: SASLOptions;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /** Overrides the client-level retry defaults below (tests shorten them). */
  retry?: RetryOptions;
}

/**
 * Client-level retries: ~8 attempts over roughly half a minute, so a broker restart or a leader election is
 * ridden out, while a cluster that is really gone surfaces as an error instead of hanging forever.
 */
export const DEFAULT_RETRY: RetryOptions = {
  initialRetryTime: 300,
  maxRetryTime: 10_000,
  retries: 8,
  factor: 0.2,
  multiplier: 2,
};

const LEVELS: Record<MessagingLogLevel, KafkaLogLevel> = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

export function createKafka(options: CreateKafkaOptions): Kafka {
  if (options.brokers.length === 0) throw new Error('createKafka: at least one broker is required');
  return new Kafka({
    clientId: options.clientId,
    brokers: [...options.brokers],
    ssl: options.ssl,
    sasl: options.sasl,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    retry: { ...DEFAULT_RETRY, ...options.retry },
    logLevel: LEVELS[options.logLevel ?? 'warn'],
    logCreator: kafkaLogCreator(options.logger ?? silentLogger),
  });
}

/** Field names whose values never reach a log line (credentials, TLS material, message payloads). */
const REDACTED_FIELD = /pass|secret|token|sasl|ssl|cert|authori[sz]ation|credential|^value$|^messages$|^headers$/i;
const MAX_DEPTH = 4;

/** Copies a kafkajs log entry's fields, dropping anything that could carry a secret or a payload. */
export function scrubLogFields(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.map((item) => scrubLogFields(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = REDACTED_FIELD.test(key) ? '[redacted]' : scrubLogFields(field, depth + 1);
  }
  return out;
}

/** A kafkajs `logCreator` that routes kafkajs' own logs to {@link MessagingLogger}, scrubbed. */
export function kafkaLogCreator(logger: MessagingLogger) {
  return (_level: KafkaLogLevel) =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, ...rest } = log;
      const fields = { kafka_namespace: namespace, ...(scrubLogFields(rest) as Record<string, unknown>) };
      const text = `kafkajs: ${String(message)}`;
      switch (level) {
        case KafkaLogLevel.ERROR:
          logger.error(fields, text);
          break;
        case KafkaLogLevel.WARN:
          logger.warn(fields, text);
          break;
        case KafkaLogLevel.INFO:
          logger.info(fields, text);
          break;
        default:
          logger.debug(fields, text);
      }
    };
}
