import { DomainError } from '../shared/domain-error';

/**
 * Validators for the bank identifiers of the four recipient rails (seed: accounts-api-recipients-pulls-ledger.txt,
 * "Supported Recipient Currencies"). Each takes the request value and the field path to name in errors, and returns
 * the normalised value or throws a DomainError (ErrorInvalidField, `error_details` = field + issue).
 *
 * Error descriptions never repeat the value: these are account and routing numbers.
 */

export type BankIdentifierIssue =
  | 'type'
  | 'format'
  | 'invalid_checksum'
  | 'invalid_prefix'
  | 'unsupported_country'
  | 'invalid_length'
  | 'invalid_check_digit';

function invalid(field: string, issue: BankIdentifierIssue, description: string): DomainError {
  return DomainError.invalidField(field, issue, `${field} ${description}`);
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(field, 'type', 'must be a string');
  return value;
}

const digitsOf = (value: string): number[] => [...value].map(Number);

// ---- USD / ACH --------------------------------------------------------------------------------------------------

/**
 * ABA checksum: 3·(d1+d4+d7) + 7·(d2+d5+d8) + (d3+d6+d9) ≡ 0 (mod 10). Expects 9 digits.
 */
export function abaChecksumValid(routingNumber: string): boolean {
  if (!/^[0-9]{9}$/.test(routingNumber)) return false;
  const weights = [3, 7, 1, 3, 7, 1, 3, 7, 1];
  const sum = digitsOf(routingNumber).reduce((total, digit, i) => total + digit * weights[i], 0);
  return sum % 10 === 0;
}

/**
 * The first two digits of an ABA routing number name a Federal Reserve district: 00 (U.S. Government), 01–12
 * (banks), 21–32 (thrifts), 61–72 (electronic transactions), 80 (traveller's cheques). Nothing else is issued.
 */
function abaPrefixValid(routingNumber: string): boolean {
  const prefix = Number(routingNumber.slice(0, 2));
  return prefix <= 12 || (prefix >= 21 && prefix <= 32) || (prefix >= 61 && prefix <= 72) || prefix === 80;
}

/** A US ABA routing number: exactly 9 digits, a Federal Reserve prefix, and the 3-7-1 checksum. */
export function parseAbaRoutingNumber(value: unknown, field = 'routing_number'): string {
  const routing = text(value, field);
  if (!/^[0-9]{9}$/.test(routing)) throw invalid(field, 'format', 'must be exactly 9 digits');
  if (!abaPrefixValid(routing) || /^0+$/.test(routing)) throw invalid(field, 'invalid_prefix', 'is not an issued ABA routing number');
  if (!abaChecksumValid(routing)) throw invalid(field, 'invalid_checksum', 'fails the ABA routing number checksum');
  return routing;
}

export const US_ACCOUNT_NUMBER_MIN_DIGITS = 4;
export const US_ACCOUNT_NUMBER_MAX_DIGITS = 17;

/** A US bank account number for ACH: 4 to 17 digits (the NACHA DFI account number field is 17 wide). */
export function parseUsAccountNumber(value: unknown, field = 'account_number'): string {
  const account = text(value, field);
  if (!/^[0-9]{4,17}$/.test(account)) {
    throw invalid(field, 'format', `must be ${US_ACCOUNT_NUMBER_MIN_DIGITS} to ${US_ACCOUNT_NUMBER_MAX_DIGITS} digits`);
  }
  return account;
}

// ---- EUR / SEPA -------------------------------------------------------------------------------------------------

/**
 * IBAN lengths of the SEPA countries and territories with their own IBAN country code (EPC list of SEPA countries;
 * lengths from the SWIFT IBAN registry). An IBAN of any other country cannot receive a SEPA transfer.
 */
export const SEPA_IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, // Andorra
  AL: 28, // Albania
  AT: 20, // Austria
  BE: 16, // Belgium
  BG: 22, // Bulgaria
  CH: 21, // Switzerland
  CY: 28, // Cyprus
  CZ: 24, // Czechia
  DE: 22, // Germany
  DK: 18, // Denmark
  EE: 20, // Estonia
  ES: 24, // Spain
  FI: 18, // Finland
  FR: 27, // France
  GB: 22, // United Kingdom
  GI: 23, // Gibraltar
  GR: 27, // Greece
  HR: 21, // Croatia
  HU: 28, // Hungary
  IE: 22, // Ireland
  IS: 26, // Iceland
  IT: 27, // Italy
  LI: 21, // Liechtenstein
  LT: 20, // Lithuania
  LU: 20, // Luxembourg
  LV: 21, // Latvia
  MC: 27, // Monaco
  MD: 24, // Moldova
  ME: 22, // Montenegro
  MK: 19, // North Macedonia
  MT: 31, // Malta
  NL: 18, // Netherlands
  NO: 15, // Norway
  PL: 28, // Poland
  PT: 25, // Portugal
  RO: 24, // Romania
  SE: 24, // Sweden
  SI: 19, // Slovenia
  SK: 24, // Slovakia
  SM: 27, // San Marino
  VA: 22, // Vatican City
};

/** ISO 7064 MOD 97-10 over the IBAN (country and check digits moved to the end, letters as 10–35): valid when 1. */
export function ibanChecksumValid(iban: string): boolean {
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]+$/.test(iban)) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const code = char.charCodeAt(0);
    const value = code >= 65 ? String(code - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

const IBAN_MAX_INPUT_LENGTH = 48;

/**
 * A SEPA IBAN. Spaces (the paper format, "DE89 3704 0044 …") are removed and letters upper-cased; then the country
 * must be a SEPA one, the length that country's, and the mod-97 check must give 1.
 */
export function parseSepaIban(value: unknown, field = 'iban'): string {
  const raw = text(value, field);
  if (raw.length > IBAN_MAX_INPUT_LENGTH) throw invalid(field, 'format', 'is too long for an IBAN');
  const iban = raw.replace(/ /g, '').toUpperCase();
  if (!/^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$/.test(iban)) {
    throw invalid(field, 'format', 'must be an IBAN: 2-letter country code, 2 check digits, then letters and digits');
  }
  const expectedLength = SEPA_IBAN_LENGTHS[iban.slice(0, 2)];
  if (expectedLength === undefined) throw invalid(field, 'unsupported_country', 'must be an IBAN of a SEPA country');
  if (iban.length !== expectedLength) {
    throw invalid(field, 'invalid_length', `must be ${expectedLength} characters for an IBAN of ${iban.slice(0, 2)}`);
  }
  if (!ibanChecksumValid(iban)) throw invalid(field, 'invalid_checksum', 'fails the IBAN check digits (mod 97)');
  return iban;
}

/**
 * A BIC (ISO 9362): 4-letter institution code, 2-letter country code, 2-character location code, and an optional
 * 3-character branch code: 8 or 11 characters. Letters are upper-cased.
 */
export function parseBic(value: unknown, field = 'bic'): string {
  const bic = text(value, field).toUpperCase();
  if (!/^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/.test(bic)) {
    throw invalid(field, 'format', 'must be a BIC of 8 or 11 characters (bank, country, location, optional branch)');
  }
  return bic;
}

// ---- GBP / FPS --------------------------------------------------------------------------------------------------

/** A UK sort code, "12-34-56" or "123456", normalised to six digits. */
export function parseSortCode(value: unknown, field = 'sort_code'): string {
  const sortCode = text(value, field);
  if (!/^(?:[0-9]{6}|[0-9]{2}-[0-9]{2}-[0-9]{2})$/.test(sortCode)) {
    throw invalid(field, 'format', 'must be 6 digits, written 123456 or 12-34-56');
  }
  return sortCode.replace(/-/g, '');
}

/** A UK bank account number: exactly 8 digits. */
export function parseUkAccountNumber(value: unknown, field = 'account_number'): string {
  const account = text(value, field);
  if (!/^[0-9]{8}$/.test(account)) throw invalid(field, 'format', 'must be exactly 8 digits');
  return account;
}

// ---- NGN / local ------------------------------------------------------------------------------------------------

/** A Nigerian CBN bank code: 3 digits (e.g. 058). */
export function parseNigerianBankCode(value: unknown, field = 'bank_code'): string {
  const bankCode = text(value, field);
  if (!/^[0-9]{3}$/.test(bankCode)) throw invalid(field, 'format', 'must be the 3-digit CBN bank code');
  return bankCode;
}

const NUBAN_WEIGHTS = [3, 7, 3, 3, 7, 3, 3, 7, 3, 3, 7, 3];

/**
 * The NUBAN check digit (CBN standard): weights 3,7,3,3,7,3,3,7,3,3,7,3 over the 3-digit bank code followed by the
 * first 9 digits of the account; check = 10 − (sum mod 10), and 10 becomes 0.
 */
export function nubanCheckDigit(bankCode: string, serial: string): number {
  if (!/^[0-9]{3}$/.test(bankCode) || !/^[0-9]{9}$/.test(serial)) throw new RangeError('nubanCheckDigit needs a 3-digit bank code and 9 digits');
  const sum = digitsOf(bankCode + serial).reduce((total, digit, i) => total + digit * NUBAN_WEIGHTS[i], 0);
  return (10 - (sum % 10)) % 10;
}

/** A 10-digit NUBAN whose last digit is the check digit for `bankCode` (already validated). */
export function parseNuban(value: unknown, bankCode: string, field = 'account_number'): string {
  const nuban = text(value, field);
  if (!/^[0-9]{10}$/.test(nuban)) throw invalid(field, 'format', 'must be a 10-digit NUBAN');
  if (nubanCheckDigit(bankCode, nuban.slice(0, 9)) !== Number(nuban[9])) {
    throw invalid(field, 'invalid_check_digit', 'fails the NUBAN check digit for the given bank_code');
  }
  return nuban;
}
