import { inspect } from 'node:util';

const REDACTED = '[REDACTED]';

/**
 * A value that must never reach a log line, an error message or a JSON document by accident.
 * Every way of printing it (`String()`, template literals, `JSON.stringify`, `util.inspect`,
 * `console.log`, pino) shows `[REDACTED]`; only `reveal()` gives the value, so each place that
 * really needs it is explicit and easy to find.
 */
export class Secret<T = string> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  static of<T>(value: T): Secret<T> {
    return new Secret(value);
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }

  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
}
