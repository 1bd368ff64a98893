import { PlaidApiException } from './plaid-api.exception';

/** Plaid's metadata rules: string values, ASCII, at most 50 pairs, keys <= 40 and values <= 500 characters. */
export function checkMetadata(metadata: Record<string, unknown> | null | undefined): Record<string, string> | null {
  if (metadata === null || metadata === undefined) return null;
  const entries = Object.entries(metadata);
  if (entries.length > 50) throw PlaidApiException.invalidField('metadata may hold at most 50 key/value pairs');
  const ascii = /^[\x20-\x7e]*$/;
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw PlaidApiException.invalidField(`metadata.${key.slice(0, 40)} must be a string`);
    if (key.length === 0 || key.length > 40 || !ascii.test(key)) throw PlaidApiException.invalidField('metadata keys must be 1 to 40 ASCII characters');
    if (value.length > 500 || !ascii.test(value)) throw PlaidApiException.invalidField('metadata values must be at most 500 ASCII characters');
    out[key] = value;
  }
  return out;
}
