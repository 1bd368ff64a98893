import { assertNever } from '@payments/domain';
import { PlaidApiException } from '../common/plaid-api.exception';
import type { PayoutBeneficiaryDto, PayoutRail } from './payment-rails.dto';

/**
 * Beneficiary checks of the sandbox's payment rails, the rules a bank applies before it accepts a payout (and the
 * ones the service's recipient validation applies): SEPA an IBAN of a SEPA country with the right length and
 * ISO 13616 mod-97 check, and an optional BIC (ISO 9362); FPS a 6-digit sort code and an 8-digit account number;
 * NGN a 3-digit CBN bank code and a 10-digit NUBAN whose last digit is the CBN check digit over bank code + serial.
 * Input must already be in electronic form (no spaces or dashes, upper case). The provider keeps its own copy of the
 * rules on purpose: a mistake in the service's validators then shows up as a provider refusal in tests.
 */

/** IBAN lengths of the SEPA scheme countries (EPC list of SEPA countries and territories with their own ISO code). */
export const SEPA_IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AT: 20, BE: 16, BG: 22, CH: 21, CY: 28, CZ: 24, DE: 22, DK: 18, EE: 20, ES: 24, FI: 18, FR: 27,
  GB: 22, GI: 23, GR: 27, HR: 21, HU: 28, IE: 22, IS: 26, IT: 27, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27,
  MT: 31, NL: 18, NO: 15, PL: 28, PT: 25, RO: 24, SE: 24, SI: 19, SK: 24, SM: 27, VA: 22,
};

/** The beneficiary as the sandbox keeps it: only the fields of its rail. */
export interface Beneficiary {
  name: string;
  /** SEPA */
  iban: string | null;
  bic: string | null;
  /** FPS */
  sortCode: string | null;
  /** FPS (8 digits) or NGN (10-digit NUBAN) */
  accountNumber: string | null;
  /** NGN */
  bankCode: string | null;
}

const RAIL_FIELDS: Readonly<Record<PayoutRail, readonly (keyof PayoutBeneficiaryDto)[]>> = {
  sepa: ['iban', 'bic'],
  fps: ['sort_code', 'account_number'],
  ngn_local: ['bank_code', 'account_number'],
};
const ACCOUNT_FIELDS: readonly (keyof PayoutBeneficiaryDto)[] = ['iban', 'bic', 'sort_code', 'account_number', 'bank_code'];

const invalid = (message: string): PlaidApiException => PlaidApiException.invalidField(message);

/** ISO 13616: move the first four characters to the end, letters to 10..35, the number mod 97 must be 1. */
export function ibanChecksumOk(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = char >= 'A' && char <= 'Z' ? char.charCodeAt(0) - 55 : Number(char);
    remainder = (remainder * (value >= 10 ? 100 : 10) + value) % 97;
  }
  return remainder === 1;
}

const NUBAN_WEIGHTS = [3, 7, 3, 3, 7, 3, 3, 7, 3, 3, 7, 3];

/** CBN NUBAN: weights 3,7,3 over bank code (3 digits) + serial (9 digits); check = 10 - sum mod 10 (10 -> 0). */
export function nubanCheckDigit(bankCode: string, serial: string): number {
  const digits = [...(bankCode + serial)].map(Number);
  const sum = digits.reduce((total, digit, i) => total + digit * NUBAN_WEIGHTS[i]!, 0);
  return (10 - (sum % 10)) % 10;
}

/** Checks a create request's beneficiary for its rail; throws Plaid's 400 INVALID_FIELD naming the field. */
export function checkBeneficiary(rail: PayoutRail, dto: PayoutBeneficiaryDto): Beneficiary {
  const allowed = RAIL_FIELDS[rail];
  for (const field of ACCOUNT_FIELDS) {
    if (dto[field] !== undefined && dto[field] !== null && !allowed.includes(field)) {
      throw invalid(`beneficiary.${field} is not used by rail ${rail} (it takes ${allowed.map((f) => `beneficiary.${f}`).join(', ')})`);
    }
  }
  const beneficiary: Beneficiary = { name: dto.name, iban: null, bic: null, sortCode: null, accountNumber: null, bankCode: null };
  switch (rail) {
    case 'sepa': {
      const iban = required(dto.iban, 'beneficiary.iban');
      if (!/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(iban)) throw invalid('beneficiary.iban must be an IBAN in electronic form (upper case, no spaces)');
      const length = SEPA_IBAN_LENGTHS[iban.slice(0, 2)];
      if (length === undefined) throw invalid(`beneficiary.iban must be an IBAN of a SEPA country (got country ${iban.slice(0, 2)})`);
      if (iban.length !== length) throw invalid(`beneficiary.iban must be ${length} characters for country ${iban.slice(0, 2)}`);
      if (!ibanChecksumOk(iban)) throw invalid('beneficiary.iban has a wrong check digit (ISO 13616 mod 97)');
      if (dto.bic !== undefined && dto.bic !== null && !/^[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?$/.test(dto.bic)) {
        throw invalid('beneficiary.bic must be a BIC of 8 or 11 characters (ISO 9362)');
      }
      return { ...beneficiary, iban, bic: dto.bic ?? null };
    }
    case 'fps': {
      const sortCode = required(dto.sort_code, 'beneficiary.sort_code');
      if (!/^\d{6}$/.test(sortCode)) throw invalid('beneficiary.sort_code must be 6 digits');
      const accountNumber = required(dto.account_number, 'beneficiary.account_number');
      if (!/^\d{8}$/.test(accountNumber)) throw invalid('beneficiary.account_number must be 8 digits for rail fps');
      return { ...beneficiary, sortCode, accountNumber };
    }
    case 'ngn_local': {
      const bankCode = required(dto.bank_code, 'beneficiary.bank_code');
      if (!/^\d{3}$/.test(bankCode)) throw invalid('beneficiary.bank_code must be a 3-digit CBN bank code');
      const accountNumber = required(dto.account_number, 'beneficiary.account_number');
      if (!/^\d{10}$/.test(accountNumber)) throw invalid('beneficiary.account_number must be a 10-digit NUBAN for rail ngn_local');
      if (nubanCheckDigit(bankCode, accountNumber.slice(0, 9)) !== Number(accountNumber[9])) {
        throw invalid('beneficiary.account_number has a wrong NUBAN check digit for this bank_code');
      }
      return { ...beneficiary, bankCode, accountNumber };
    }
    default:
      return assertNever(rail, 'payout rail');
  }
}

function required(value: string | null | undefined, field: string): string {
  if (value === undefined || value === null) throw PlaidApiException.missingFields([field]);
  return value;
}

/** What responses show of the account: its last 4 characters (never the whole IBAN or account number). */
export function accountMask(beneficiary: Beneficiary): string {
  return (beneficiary.iban ?? beneficiary.accountNumber ?? '').slice(-4);
}
