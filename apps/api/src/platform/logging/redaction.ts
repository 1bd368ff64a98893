export const REDACTED = '[REDACTED]';

/**
 * Keys whose values never reach a log line: credentials (authorization headers, API keys, secrets,
 * passwords, anything *_token / *_secret) and bank data (account and routing numbers, IBANs, sort codes).
 */
const SENSITIVE_KEY = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|apikey|plaid-secret|secret|client[-_]?secret|password|passwd|account[-_]?number|routing[-_]?number|iban|sort[-_]?code|access[-_]?token|public[-_]?token|.*[-_]token|.*[-_]secret|.*Token|.*Secret)$/i;

/** Strings that carry a credential inline: our API keys, bearer headers, JSON fragments of a request body. */
const INLINE_PATTERNS: [RegExp, string][] = [
  [/pk_[A-Za-z0-9_-]{43}/g, REDACTED],
  [/\b(Bearer)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  [
    /("(?:[a-z_]*_token|secret|client_secret|password|account_number|routing_number|iban|sort_code|access_token|public_token|authorization)"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    `$1"${REDACTED}"`,
  ],
  [/((?:access|public|processor)-(?:sandbox|development|production)-)[A-Za-z0-9-]+/g, `$1${REDACTED}`],
];

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

export function redactString(value: string): string {
  let out = value;
  for (const [pattern, replacement] of INLINE_PATTERNS) out = out.replace(pattern, replacement);
  return out;
}

const MAX_DEPTH = 10;

/**
 * A copy of `value` safe to log: sensitive keys replaced at any depth, inline credentials scrubbed
 * from strings, Errors turned into plain objects (with their own properties, e.g. an HTTP client's
 * request config, redacted too). Cycles and very deep objects are cut.
 */
export function redact(value: unknown, depth = 0, seen: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  if (value instanceof Date || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
  const toJson = (value as { toJSON?: unknown }).toJSON;
  if (!(value instanceof Error) && typeof toJson === 'function' && value.constructor !== Object) {
    return redact((toJson as () => unknown).call(value), depth, seen);
  }
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => redact(item, depth + 1, seen));
  const out: Record<string, unknown> = {};
  if (value instanceof Error) {
    out.type = value.name;
    out.message = redactString(value.message);
    if (value.stack) out.stack = redactString(value.stack);
  }
  for (const [key, item] of Object.entries(value)) {
    out[key] = isSensitiveKey(key) ? REDACTED : redact(item, depth + 1, seen);
  }
  if (value instanceof Error && value.cause !== undefined) out.cause = redact(value.cause, depth + 1, seen);
  return out;
}
