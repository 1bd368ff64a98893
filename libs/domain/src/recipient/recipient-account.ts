import { assertNever } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import {
  parseAbaRoutingNumber,
  parseBic,
  parseNigerianBankCode,
  parseNuban,
  parseSepaIban,
  parseSortCode,
  parseUkAccountNumber,
  parseUsAccountNumber,
} from './bank-account-identifiers';

/**
 * A recipient's bank account on one of the four rails (seed: accounts-api-recipients-pulls-ledger.txt, "Supported
 * Recipient Currencies": EUR (SEPA), GBP (FPS), USD (ACH), NGN (Local)). `transfer_method` is spelled as the seed
 * writes each rail: "ACH" (its request examples), "SEPA", "FPS" and "Local".
 */
export const RECIPIENT_CURRENCIES = ['USD', 'EUR', 'GBP', 'NGN'] as const;
export type RecipientCurrency = (typeof RECIPIENT_CURRENCIES)[number];

export const TRANSFER_METHODS = ['ACH', 'SEPA', 'FPS', 'Local'] as const;
export type TransferMethod = (typeof TRANSFER_METHODS)[number];

/** The one rail per currency: the currency and the transfer method of a recipient must agree. */
export const TRANSFER_METHOD_BY_CURRENCY: Readonly<Record<RecipientCurrency, TransferMethod>> = {
  USD: 'ACH',
  EUR: 'SEPA',
  GBP: 'FPS',
  NGN: 'Local',
};

/** The seed's example value is "Checking". */
export const RECIPIENT_ACCOUNT_TYPES = ['Checking', 'Savings'] as const;
export type RecipientAccountType = (typeof RECIPIENT_ACCOUNT_TYPES)[number];

export const RECIPIENT_RELATIONSHIP_MAX_LENGTH = 64;

interface CommonDetails {
  account_type?: RecipientAccountType;
  /** Free text in the seed ("Customer"). */
  recipient_relationship?: string;
}

/** Plaintext, normalised account details: only ever in memory (the API on the way in, the worker paying out). */
export type RecipientAccount =
  | (CommonDetails & { currency: 'USD'; transfer_method: 'ACH'; account_number: string; routing_number: string; account_type: RecipientAccountType })
  | (CommonDetails & { currency: 'EUR'; transfer_method: 'SEPA'; iban: string; bic?: string })
  | (CommonDetails & { currency: 'GBP'; transfer_method: 'FPS'; account_number: string; sort_code: string })
  | (CommonDetails & { currency: 'NGN'; transfer_method: 'Local'; account_number: string; bank_code: string });

/**
 * The fields that are encrypted at rest and shown as last 4 only: account numbers and IBANs, and the routing codes
 * (ABA routing number, UK sort code). BIC and the NGN bank code name a bank, not an account, and stay readable.
 */
export const SEALED_ACCOUNT_FIELDS = ['account_number', 'routing_number', 'iban', 'sort_code'] as const;
type SealedField = (typeof SEALED_ACCOUNT_FIELDS)[number];

/** An encrypted value (AES-256-GCM ciphertext from the caller's cipher) and its last 4 characters for display. */
export interface SealedValue {
  ciphertext: string;
  last4: string;
}

type Sealed<T> = { [K in keyof T]: K extends SealedField ? SealedValue : T[K] };
/** What events and read models hold: RecipientAccount with every sealed field encrypted. */
export type SealedRecipientAccount = Sealed<RecipientAccount>;

/** The request's `account_details`, before validation. */
export interface RecipientAccountInput {
  currency?: unknown;
  transfer_method?: unknown;
  account_number?: unknown;
  routing_number?: unknown;
  iban?: unknown;
  bic?: unknown;
  sort_code?: unknown;
  bank_code?: unknown;
  account_type?: unknown;
  recipient_relationship?: unknown;
}

/** Rail fields each transfer method takes; any other rail's field is refused. */
const RAIL_FIELDS: Readonly<Record<TransferMethod, readonly (keyof RecipientAccountInput)[]>> = {
  ACH: ['account_number', 'routing_number'],
  SEPA: ['iban', 'bic'],
  FPS: ['account_number', 'sort_code'],
  Local: ['account_number', 'bank_code'],
};
const ALL_RAIL_FIELDS = ['account_number', 'routing_number', 'iban', 'bic', 'sort_code', 'bank_code'] as const;

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (value === undefined || value === null) throw DomainError.missingField(field);
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw DomainError.invalidField(field, 'must_be_one_of', `${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/**
 * Validates and normalises a request's `account_details` (field paths in errors are `${prefix}.<field>`):
 * currency and transfer_method must agree (USD→ACH, EUR→SEPA, GBP→FPS, NGN→Local), the rail's own fields must be
 * present and valid (ABA checksum, IBAN mod 97, sort code, NUBAN check digit…), and another rail's fields are refused.
 * account_type is required for ACH (the ACH entry needs checking or savings) and optional elsewhere.
 */
export function parseRecipientAccount(input: RecipientAccountInput, prefix = 'account_details'): RecipientAccount {
  const path = (field: string) => `${prefix}.${field}`;
  const currency = oneOf(input.currency, RECIPIENT_CURRENCIES, path('currency'));
  const method = oneOf(input.transfer_method, TRANSFER_METHODS, path('transfer_method'));
  const expected = TRANSFER_METHOD_BY_CURRENCY[currency];
  if (method !== expected) {
    throw DomainError.invalidField(path('transfer_method'), 'currency_mismatch', `${path('transfer_method')} must be ${expected} for ${currency} recipients, not ${method}`);
  }
  for (const field of ALL_RAIL_FIELDS) {
    if (input[field] !== undefined && !RAIL_FIELDS[method].includes(field)) {
      throw DomainError.invalidField(path(field), 'not_allowed_for_transfer_method', `${path(field)} is not used by ${method} recipients`);
    }
  }
  const required = (field: keyof RecipientAccountInput): unknown => {
    const value = input[field];
    if (value === undefined || value === null) throw DomainError.missingField(path(field), `required_for_${method.toLowerCase()}`);
    return value;
  };

  const common: CommonDetails = {};
  if (input.recipient_relationship !== undefined) common.recipient_relationship = parseTrimmedText(input.recipient_relationship, path('recipient_relationship'), RECIPIENT_RELATIONSHIP_MAX_LENGTH);
  if (input.account_type !== undefined) common.account_type = oneOf(input.account_type, RECIPIENT_ACCOUNT_TYPES, path('account_type'));

  switch (method) {
    case 'ACH': {
      const routing_number = parseAbaRoutingNumber(required('routing_number'), path('routing_number'));
      const account_number = parseUsAccountNumber(required('account_number'), path('account_number'));
      const account_type = oneOf(required('account_type'), RECIPIENT_ACCOUNT_TYPES, path('account_type'));
      return { ...common, currency: 'USD', transfer_method: 'ACH', account_number, routing_number, account_type };
    }
    case 'SEPA': {
      const iban = parseSepaIban(required('iban'), path('iban'));
      const bic = input.bic === undefined ? undefined : parseBic(input.bic, path('bic'));
      return { ...common, currency: 'EUR', transfer_method: 'SEPA', iban, ...(bic ? { bic } : {}) };
    }
    case 'FPS': {
      const sort_code = parseSortCode(required('sort_code'), path('sort_code'));
      const account_number = parseUkAccountNumber(required('account_number'), path('account_number'));
      return { ...common, currency: 'GBP', transfer_method: 'FPS', account_number, sort_code };
    }
    case 'Local': {
      const bank_code = parseNigerianBankCode(required('bank_code'), path('bank_code'));
      const account_number = parseNuban(required('account_number'), bank_code, path('account_number'));
      return { ...common, currency: 'NGN', transfer_method: 'Local', account_number, bank_code };
    }
    default:
      return assertNever(method, 'transfer method');
  }
}

/** Free text from a request: trimmed, not empty, at most `maxLength` characters. */
export function parseTrimmedText(value: unknown, field: string, maxLength: number): string {
  if (value === undefined || value === null) throw DomainError.missingField(field);
  if (typeof value !== 'string') throw DomainError.invalidField(field, 'type', `${field} must be a string`);
  const trimmed = value.trim();
  if (trimmed.length === 0) throw DomainError.invalidField(field, 'empty', `${field} must not be empty`);
  if ([...trimmed].length > maxLength) throw DomainError.invalidField(field, 'too_long', `${field} must be at most ${maxLength} characters`);
  return trimmed;
}

/** The account identifier (account number or IBAN) and the bank routing code of the account, for its fingerprint. */
function fingerprintParts(account: RecipientAccount): string[] {
  switch (account.transfer_method) {
    case 'ACH':
      return [account.currency, account.routing_number, account.account_number];
    case 'SEPA':
      // The IBAN already holds the bank code; the optional BIC must not make the same account look new.
      return [account.currency, '', account.iban];
    case 'FPS':
      return [account.currency, account.sort_code, account.account_number];
    case 'Local':
      return [account.currency, account.bank_code, account.account_number];
    default:
      return assertNever(account, 'recipient account');
  }
}

/** The caller's cipher and keyed-HMAC fingerprinter (libs/security FieldCipher and Fingerprinter fit). */
export interface RecipientSealer {
  encrypt(plaintext: string, context: string): string;
  fingerprint(...parts: string[]): string;
}

export interface RecipientOpener {
  decrypt(ciphertext: string, context: string): string;
}

/** Ciphertexts are bound to their recipient and field (AES-GCM additional data): one cannot be moved to another. */
const sealContext = (recipientId: string, field: SealedField) => `recipient:${recipientId}:${field}`;

const isSealedField = (field: string): field is SealedField => (SEALED_ACCOUNT_FIELDS as readonly string[]).includes(field);

/**
 * Encrypts the sensitive fields of a validated account (keeping their last 4) and computes its duplicate-detection
 * fingerprint: a keyed HMAC of currency, routing code and account identifier — the same account gives the same
 * fingerprint whatever the recipient's name, type or relationship.
 */
export function sealRecipientAccount(
  account: RecipientAccount,
  recipientId: string,
  sealer: RecipientSealer,
): { account: SealedRecipientAccount; fingerprint: string } {
  const sealed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(account)) {
    sealed[field] = isSealedField(field) ? { ciphertext: sealer.encrypt(value as string, sealContext(recipientId, field)), last4: (value as string).slice(-4) } : value;
  }
  return { account: sealed as unknown as SealedRecipientAccount, fingerprint: sealer.fingerprint('recipient-account', ...fingerprintParts(account)) };
}

/** Decrypts a sealed account back into its plaintext details: for the worker that pays a recipient, nowhere else. */
export function openRecipientAccount(sealed: SealedRecipientAccount, recipientId: string, opener: RecipientOpener): RecipientAccount {
  const account: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(sealed)) {
    account[field] = isSealedField(field) ? opener.decrypt((value as SealedValue).ciphertext, sealContext(recipientId, field)) : value;
  }
  return account as unknown as RecipientAccount;
}
