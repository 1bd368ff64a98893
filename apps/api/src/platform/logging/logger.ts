import { LoggerService } from '@nestjs/common';
import pino, { DestinationStream, Logger, LoggerOptions } from 'pino';
import { REDACTED, redact, redactString } from './redaction';

/** Keys censored in child-logger bindings (top level and one level down); log objects get the full deep redaction. */
const BINDING_KEYS = [
  'authorization',
  'apiKey',
  'api_key',
  'secret',
  'client_secret',
  'password',
  'account_number',
  'routing_number',
  'access_token',
  'public_token',
  'link_token',
  'processor_token',
];

export interface CreateLoggerOptions {
  /** config LOG_LEVEL (default 'info'). */
  level?: string;
  /** Where lines go (default stdout). Tests pass a stream to read them back. */
  destination?: DestinationStream;
  /** Extra fields on every line (e.g. { service: 'api' }). */
  base?: Record<string, unknown>;
}

/**
 * Structured JSON logs. Every object logged, and every binding of a child logger, goes through
 * `redact` (authorization headers, API keys, account/routing numbers, access/public tokens, secrets,
 * *_token fields, at any depth); messages are scrubbed of inline credentials.
 */
export function createPinoLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: { ...(options.base ?? {}) },
    timestamp: pino.stdTimeFunctions.isoTime,
    messageKey: 'msg',
    // pino does not pass child bindings through formatters.log; its own redaction covers them.
    redact: { paths: BINDING_KEYS.flatMap((key) => [key, `*.${key}`]), censor: REDACTED },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redact(object) as Record<string, unknown>,
    },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? redactString(arg) : arg)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
  };
  return options.destination ? pino(pinoOptions, options.destination) : pino(pinoOptions);
}

/** Nest's LoggerService over pino: `NestFactory.create(AppModule, adapter, { logger: new NestPinoLogger(logger) })`. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, ...optional: unknown[]): void {
    this.write('info', message, optional);
  }
  error(message: unknown, ...optional: unknown[]): void {
    // Nest calls error(message, stack?, context?)
    const [stack, ...rest] = optional;
    if (typeof stack === 'string' && stack.includes('\n')) {
      this.write('error', message, rest, { stack });
    } else {
      this.write('error', message, optional);
    }
  }
  warn(message: unknown, ...optional: unknown[]): void {
    this.write('warn', message, optional);
  }
  debug(message: unknown, ...optional: unknown[]): void {
    this.write('debug', message, optional);
  }
  verbose(message: unknown, ...optional: unknown[]): void {
    this.write('trace', message, optional);
  }
  fatal(message: unknown, ...optional: unknown[]): void {
    this.write('fatal', message, optional);
  }

  private write(level: 'info' | 'error' | 'warn' | 'debug' | 'trace' | 'fatal', message: unknown, optional: unknown[], extra: Record<string, unknown> = {}): void {
    const last = optional[optional.length - 1];
    const context = typeof last === 'string' ? last : undefined;
    const fields: Record<string, unknown> = { ...extra };
    if (context) fields.context = context;
    if (message instanceof Error) {
      this.logger[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.logger[level](fields, String(message));
    }
  }
}
