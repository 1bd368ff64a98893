/**
 * The logger this library writes to. Its shape is pino's (`logger.info({ ...fields }, 'message')`), so a
 * pino logger can be passed as it is; anything else adapts in one line.
 */
export interface MessagingLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Discards everything: the default when no logger is given. */
export const silentLogger: MessagingLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** An error's message for logs and headers, bounded in length. Never the stack, never the payload. */
export function errorMessage(error: unknown, maxLength = 1000): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}
