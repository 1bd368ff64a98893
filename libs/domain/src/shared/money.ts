import { DomainError } from './domain-error';

/**
 * Money is an integer number of minor units (bigint) and an ISO 4217 currency; never a float.
 * The currencies are the 20 of the seed's remittance list (accounts-api-recipients-pulls-ledger.txt,
 * "Cross-Border Remittance"); the exponents are ISO 4217's.
 */
export const CURRENCIES = [
  'USD',
  'EUR',
  'GBP',
  'NGN',
  'PKR',
  'INR',
  'TRY',
  'MXN',
  'BRL',
  'ARS',
  'IDR',
  'PHP',
  'AED',
  'OMR',
  'QAR',
  'VND',
  'COP',
  'GHS',
  'JPY',
  'GTQ',
] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Digits after the decimal point in the currency's minor unit (ISO 4217). */
export const MINOR_UNIT_EXPONENT: Readonly<Record<Currency, number>> = {
  USD: 2,
  EUR: 2,
  GBP: 2,
  NGN: 2,
  PKR: 2,
  INR: 2,
  TRY: 2,
  MXN: 2,
  BRL: 2,
  ARS: 2,
  IDR: 2,
  PHP: 2,
  AED: 2,
  OMR: 3,
  QAR: 2,
  VND: 0,
  COP: 2,
  GHS: 2,
  JPY: 0,
  GTQ: 2,
};

export interface Money {
  amountMinor: bigint;
  currency: Currency;
}

/**
 * Default upper bound for a parsed amount, in minor units: 15 digits. Every amount up to it is a safe integer and
 * has at most 15 significant digits, so it survives a JSON number round trip exactly (String(n) of a double with
 * ≤ 15 significant digits gives those digits back).
 */
export const MAX_AMOUNT_MINOR = 999_999_999_999_999n;

/** The `issue` detail of the ErrorInvalidField a bad amount produces. */
export type AmountIssue =
  | 'not_a_number'
  | 'empty'
  | 'not_finite'
  | 'exponent_notation'
  | 'not_a_decimal'
  | 'negative'
  | 'not_positive'
  | 'too_many_decimals'
  | 'too_large';

export interface ParseAmountOptions {
  /** The request field named in errors; default `amount`. */
  field?: string;
  /** Accept 0 (default: the amount must be positive). */
  allowZero?: boolean;
  /** Largest accepted amount in minor units; default MAX_AMOUNT_MINOR. */
  maxMinor?: bigint;
}

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && (CURRENCIES as readonly string[]).includes(value);
}

/** A currency code from a request: one of CURRENCIES, exact upper case. */
export function parseCurrency(value: unknown, field = 'currency'): Currency {
  if (value === undefined || value === null) throw DomainError.missingField(field);
  if (!isCurrency(value)) {
    throw DomainError.invalidField(field, 'unsupported_currency', `${field} must be one of ${CURRENCIES.join(', ')}`);
  }
  return value;
}

// Plain decimal: no sign, no exponent, no leading zeros (except a single 0 before the point), no bare point.
const DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
// Longer strings are refused before any further work; 64 characters is far beyond MAX_AMOUNT_MINOR anyway.
const MAX_INPUT_LENGTH = 64;

/**
 * Parses a request amount in major units — a JSON number (100.5) or a decimal string ("100.50") — into exact minor
 * units of `currency`. A JSON number is converted through its shortest decimal string (String(n)), never by float
 * arithmetic, so 100.5 becomes 10050n exactly.
 *
 * Accepted: "10", "10.5", "10.50", 10.5, and trailing zeros beyond the exponent ("10.500" is 10.50: the rule is about
 * the value, the same for a number and a string). A JSON number written 1e3 is the number 1000 by the time it is
 * parsed (JSON.parse cannot tell) and is accepted as 1000.00; the *string* "1e3" is refused (exponent_notation).
 *
 * Refused with ErrorMissingField (undefined/null) or ErrorInvalidField{field, issue: AmountIssue}: non-number
 * non-string values, NaN/±Infinity, empty or non-decimal strings ("abc", " 10", "+10", ".5", "5.", "010"),
 * exponent notation in a string, negatives, zero (unless allowZero), more decimals than the currency has
 * (10.001 USD, 1.5 JPY), and amounts above maxMinor.
 */
export function parseAmount(value: unknown, currency: Currency, options: ParseAmountOptions = {}): Money {
  const field = options.field ?? 'amount';
  const maxMinor = options.maxMinor ?? MAX_AMOUNT_MINOR;
  const fail = (issue: AmountIssue, description: string): never => {
    throw DomainError.invalidField(field, issue, `${field} ${description}`);
  };
  if (value === undefined || value === null) throw DomainError.missingField(field);

  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return fail('not_finite', 'must be a finite number');
    if (value < 0) return fail('negative', 'must not be negative');
    text = String(value);
    // String(n) only uses exponent notation for |n| >= 1e21 or |n| < 1e-6: far too large, or too many decimals.
    if (/e/i.test(text)) {
      return value >= 1 ? fail('too_large', 'is too large') : fail('too_many_decimals', decimalsDescription(currency));
    }
  } else if (typeof value === 'string') {
    text = value;
    if (text.length === 0) return fail('empty', 'must not be empty');
    if (text.length > MAX_INPUT_LENGTH) return fail('too_large', 'is too large');
    if (/^-/.test(text) && DECIMAL.test(text.slice(1))) return fail('negative', 'must not be negative');
    if (/^[+-]?[0-9.]*[eE][+-]?[0-9]*$/.test(text)) return fail('exponent_notation', 'must be a plain decimal, not exponent notation');
  } else {
    return fail('not_a_number', 'must be a number or a decimal string');
  }

  const match = DECIMAL.exec(text);
  if (!match) return fail('not_a_decimal', 'must be a decimal number such as 10.50');
  const whole = match[1];
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  const exponent = MINOR_UNIT_EXPONENT[currency];
  if (fraction.length > exponent) return fail('too_many_decimals', decimalsDescription(currency));

  const amountMinor = BigInt(whole + fraction.padEnd(exponent, '0'));
  if (amountMinor === 0n && !options.allowZero) return fail('not_positive', 'must be greater than zero');
  if (amountMinor > maxMinor) return fail('too_large', `must be at most ${formatMinor(maxMinor, currency)}`);
  return { amountMinor, currency };
}

function decimalsDescription(currency: Currency): string {
  const exponent = MINOR_UNIT_EXPONENT[currency];
  return exponent === 0 ? `must be a whole number of ${currency}` : `must have at most ${exponent} decimal places for ${currency}`;
}

/** Minor units as a plain decimal string with exactly the currency's decimals: formatMinor(10050n, 'USD') === '100.50'. */
export function formatMinor(amountMinor: bigint, currency: Currency): string {
  const exponent = MINOR_UNIT_EXPONENT[currency];
  const sign = amountMinor < 0n ? '-' : '';
  const digits = (amountMinor < 0n ? -amountMinor : amountMinor).toString().padStart(exponent + 1, '0');
  if (exponent === 0) return sign + digits;
  return `${sign}${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

export const formatMoney = (money: Money): string => formatMinor(money.amountMinor, money.currency);

/**
 * Minor units as a JSON number of major units, for responses where the seed shows numbers ({"amount": 100.5}).
 * Exact for every |amount| ≤ MAX_AMOUNT_MINOR; throws a RangeError beyond it (a programming error, not user input).
 */
export function toJsonMajorAmount(amountMinor: bigint, currency: Currency): number {
  const magnitude = amountMinor < 0n ? -amountMinor : amountMinor;
  if (magnitude > MAX_AMOUNT_MINOR) throw new RangeError(`amount ${amountMinor} ${currency} is too large for an exact JSON number`);
  return Number(formatMinor(amountMinor, currency));
}

/** Minor units as stored in JSON events ("2500"): the exact inverse of bigint.toString(). */
export function minorToString(amountMinor: bigint): string {
  return amountMinor.toString();
}

/** Reads minor units back from an event's string ("2500", "-15"); throws a RangeError on anything else. */
export function parseMinorString(value: string): bigint {
  if (!/^-?(0|[1-9][0-9]*)$/.test(value)) throw new RangeError(`not an integer amount of minor units: ${JSON.stringify(value)}`);
  return BigInt(value);
}
