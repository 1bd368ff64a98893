/**
 * The one source of bank numbers for tests that save recipients (or otherwise hand the service a full account
 * number). Each number is recorded in this run's directory (test/infra/run-files.ts); the jest global teardown then
 * checks that none of them is in a pg_dump of any database of the run or in the service's logs
 * (test/infra/leak-check.ts). Generated numbers are fresh per call (valid check digits), so they cannot collide with
 * fixture data; `recordRecipientNumber` is for a value a test must spell out (e.g. the seed's example).
 */
import { nubanCheckDigit } from '@payments/domain';
import { randomInt } from 'node:crypto';
import { relative } from 'node:path';
import { unscannable } from '../infra/leak-check';
import { BankNumberKind, appendRecordedNumber, currentRunDir } from '../infra/run-files';

function testFile(): string | undefined {
  const state = typeof expect === 'undefined' ? undefined : (expect.getState() as { testPath?: string });
  return state?.testPath ? relative(process.cwd(), state.testPath) : undefined;
}

/** Records `value` for the run's leak check and returns it. Throws for a value too short to be looked for. */
export function recordRecipientNumber(kind: BankNumberKind, value: string): string {
  const problem = unscannable(kind, value);
  if (problem) throw new Error(`recordRecipientNumber: a ${kind} ${problem}; use a longer one (the generators here do)`);
  const runDir = currentRunDir();
  // Without a run directory (only unit tests selected) no service runs: there is nothing to check.
  if (runDir) appendRecordedNumber(runDir, { kind, value: value.replace(/[\s-]/g, '').toUpperCase(), recordedBy: testFile() });
  return value;
}

function digits(count: number): string {
  let out = '';
  for (let i = 0; i < count; i++) out += String(randomInt(10));
  return out;
}

/** A US account number of `length` digits (8 to 17; the rail takes 4 to 17 but shorter ones cannot be scanned for). */
export function usAccountNumber(length = 12): string {
  if (length < 8 || length > 17) throw new RangeError('usAccountNumber: 8 to 17 digits');
  return recordRecipientNumber('account_number', `${1 + randomInt(9)}${digits(length - 1)}`);
}

/** An ABA routing number with a valid checksum (weights 3,7,1). */
export function abaRoutingNumber(): string {
  const first = `0${1 + randomInt(9)}${digits(6)}`; // federal reserve district 01-09
  const weights = [3, 7, 1, 3, 7, 1, 3, 7];
  const sum = [...first].reduce((total, d, i) => total + Number(d) * weights[i], 0);
  return recordRecipientNumber('routing_number', `${first}${(10 - (sum % 10)) % 10}`);
}

/** A German IBAN (22 characters) with valid mod-97 check digits, compact. `groupedIban` spells it in fours. */
export function sepaIban(): string {
  const bban = `${1 + randomInt(9)}${digits(17)}`;
  const numeric = `${bban}131400`; // D=13, E=14, check digits 00
  let remainder = 0;
  for (const d of numeric) remainder = (remainder * 10 + Number(d)) % 97;
  return recordRecipientNumber('iban', `DE${String(98 - remainder).padStart(2, '0')}${bban}`);
}

export const groupedIban = (iban: string): string => (iban.match(/.{1,4}/g) ?? []).join(' ');

/** A UK account number (8 digits). */
export function ukAccountNumber(): string {
  return recordRecipientNumber('account_number', `${1 + randomInt(9)}${digits(7)}`);
}

/** A UK sort code, six digits (`dashedSortCode` writes it 12-34-56). */
export function sortCode(): string {
  return recordRecipientNumber('sort_code', `${1 + randomInt(9)}${digits(5)}`);
}

export const dashedSortCode = (code: string): string => code.replace(/^(..)(..)(..)$/, '$1-$2-$3');

/** A 10-digit NUBAN valid for the 3-digit CBN `bankCode`. */
export function nuban(bankCode: string): string {
  const serial = `${1 + randomInt(9)}${digits(8)}`;
  return recordRecipientNumber('account_number', `${serial}${nubanCheckDigit(bankCode, serial)}`);
}

/** A remittance beneficiary's account number (16 digits, like many PKR or INR bank accounts); for `beneficiary.account_number`. */
export function remittanceAccountNumber(length = 16): string {
  if (length < 8 || length > 34) throw new RangeError('remittanceAccountNumber: 8 to 34 digits');
  return recordRecipientNumber('account_number', `${1 + randomInt(9)}${digits(length - 1)}`);
}
