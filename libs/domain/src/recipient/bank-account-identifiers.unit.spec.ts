import { domainErrorOf } from '../testing/decider-spec';
import {
  abaChecksumValid,
  ibanChecksumValid,
  nubanCheckDigit,
  parseAbaRoutingNumber,
  parseBic,
  parseNigerianBankCode,
  parseNuban,
  parseSepaIban,
  parseSortCode,
  parseUkAccountNumber,
  parseUsAccountNumber,
  SEPA_IBAN_LENGTHS,
} from './bank-account-identifiers';

/** The error names the field it was given and the issue, and never repeats the value. */
function expectRefused(run: (field: string) => unknown, issue: string, value?: unknown): void {
  const error = domainErrorOf(() => run('account_details.some_field'));
  expect(error.reason).toBe('ErrorInvalidField');
  expect(error.category).toBe('CategoryValidationFailure');
  expect(error.details).toEqual([
    { key: 'field', details: 'account_details.some_field' },
    { key: 'issue', details: issue },
  ]);
  if (typeof value === 'string' && value.length >= 4) expect(error.description).not.toContain(value);
}

describe('ABA routing numbers (USD / ACH)', () => {
  it.each(['021000021', '011000015', '026009593', '121000358', '322271627', '061000104'])('accepts the real routing number %s', (routing) => {
    expect(abaChecksumValid(routing)).toBe(true);
    expect(parseAbaRoutingNumber(routing)).toBe(routing);
  });

  it.each([
    ['021000022', 'invalid_checksum'],
    ['026009594', 'invalid_checksum'],
    ['011000016', 'invalid_checksum'],
    ['131000021', 'invalid_prefix'], // passes the checksum, but 13 is no Federal Reserve prefix
    ['000000000', 'invalid_prefix'],
    ['02100002', 'format'],
    ['0210000211', 'format'],
    ['02100002a', 'format'],
    ['021-000-021', 'format'],
    [' 021000021', 'format'],
    ['', 'format'],
    [21000021, 'type'],
  ])('refuses %p (%s)', (routing, issue) => {
    expectRefused((field) => parseAbaRoutingNumber(routing, field), issue, routing);
  });

  it('the checksum is 3-7-1 weighted: changing any single digit breaks it', () => {
    const routing = '021000021';
    for (let i = 0; i < 9; i++) {
      const changed = routing.slice(0, i) + String((Number(routing[i]) + 1) % 10) + routing.slice(i + 1);
      expect(abaChecksumValid(changed)).toBe(false);
    }
  });
});

describe('US account numbers (ACH)', () => {
  it.each(['1234', '12365498', '987654321', '12345678901234567'])('accepts %s (4 to 17 digits)', (account) => {
    expect(parseUsAccountNumber(account)).toBe(account);
  });

  it.each([
    ['123', 'format'],
    ['123456789012345678', 'format'],
    ['1234-5678', 'format'],
    ['12345678A', 'format'],
    [12365498, 'type'],
  ])('refuses %p (%s)', (account, issue) => {
    expectRefused((field) => parseUsAccountNumber(account, field), issue, account);
  });
});

describe('IBANs (EUR / SEPA)', () => {
  it.each([
    'DE89370400440532013000',
    'GB82WEST12345698765432',
    'FR1420041010050500013M02606',
    'NL91ABNA0417164300',
    'BE68539007547034',
    'NO9386011117947',
    'MT84MALT011000012345MTLCAST001S',
  ])('accepts %s', (iban) => {
    expect(ibanChecksumValid(iban)).toBe(true);
    expect(parseSepaIban(iban)).toBe(iban);
  });

  it('normalises the paper format (spaces) and lower case', () => {
    expect(parseSepaIban('DE89 3704 0044 0532 0130 00')).toBe('DE89370400440532013000');
    expect(parseSepaIban('gb82 west 1234 5698 7654 32')).toBe('GB82WEST12345698765432');
  });

  it.each([
    ['DE88370400440532013000', 'invalid_checksum'], // wrong check digits
    ['DE89370400440532013001', 'invalid_checksum'], // one BBAN digit changed
    ['GB82WEST12345698765433', 'invalid_checksum'],
    ['DE8937040044053201300', 'invalid_length'], // 21 characters, Germany has 22
    ['DE893704004405320130000', 'invalid_length'],
    ['BR1800360305000010009795493C1', 'unsupported_country'], // a valid Brazilian IBAN: not SEPA
    ['US64SVBKUS6S3300958879', 'unsupported_country'],
    ['DE89-3704-0044-0532-0130-00', 'format'],
    ['8937040044053201300012', 'format'],
    ['DE', 'format'],
    ['DE89 3704 0044 0532 0130 00 0000 0000 0000 0000 00', 'format'],
    [['DE89370400440532013000'], 'type'],
  ])('refuses %p (%s)', (iban, issue) => {
    expectRefused((field) => parseSepaIban(iban, field), issue, iban);
  });

  it('knows the IBAN length of every SEPA country it accepts', () => {
    expect(SEPA_IBAN_LENGTHS.DE).toBe(22);
    expect(SEPA_IBAN_LENGTHS.NO).toBe(15);
    expect(SEPA_IBAN_LENGTHS.MT).toBe(31);
    expect(Object.keys(SEPA_IBAN_LENGTHS)).toHaveLength(41);
    for (const length of Object.values(SEPA_IBAN_LENGTHS)) expect(length).toBeGreaterThanOrEqual(15);
  });
});

describe('BICs', () => {
  it.each([
    ['DEUTDEFF', 'DEUTDEFF'],
    ['DEUTDEFF500', 'DEUTDEFF500'],
    ['NWBKGB2L', 'NWBKGB2L'],
    ['deutdeff', 'DEUTDEFF'],
  ])('accepts %s', (bic, normalised) => {
    expect(parseBic(bic)).toBe(normalised);
  });

  it.each(['DEUTDEF', 'DEUTDEFF50', 'DEUTDEFF5000', 'DEU1DEFF', 'DEUT1EFF', 'DEUT DEFF', ''])('refuses %p', (bic) => {
    expectRefused((field) => parseBic(bic, field), 'format');
  });
});

describe('UK sort codes and account numbers (GBP / FPS)', () => {
  it('accepts 12-34-56 and 123456, normalised to six digits', () => {
    expect(parseSortCode('12-34-56')).toBe('123456');
    expect(parseSortCode('123456')).toBe('123456');
  });

  it.each(['12345', '12-34-5', '1234567', '12-3456', '12 34 56', '12-34-56-', 'ab-cd-ef'])('refuses the sort code %p', (sortCode) => {
    expectRefused((field) => parseSortCode(sortCode, field), 'format');
  });

  it('accepts an 8-digit account number and refuses other lengths', () => {
    expect(parseUkAccountNumber('31926819')).toBe('31926819');
    for (const bad of ['3192681', '319268190', '3192681X']) expectRefused((field) => parseUkAccountNumber(bad, field), 'format', bad);
  });
});

describe('NUBAN account numbers and bank codes (NGN / local)', () => {
  it('computes the check digit of the CBN example (bank 011, serial 000001457 -> 9)', () => {
    expect(nubanCheckDigit('011', '000001457')).toBe(9);
    expect(parseNuban('0000014579', '011')).toBe('0000014579');
  });

  it('computes 10 - (sum mod 10) by hand for bank 058: 0123456785', () => {
    // 0·3 + 5·7 + 8·3 + 0·3 + 1·7 + 2·3 + 3·3 + 4·7 + 5·3 + 6·3 + 7·7 + 8·3 = 215 → 10 − 5 = 5
    expect(nubanCheckDigit('058', '012345678')).toBe(5);
    expect(parseNuban('0123456785', '058')).toBe('0123456785');
  });

  it('turns a check of 10 into 0', () => {
    // 0·3 + 4·7 + 4·3 + 1·3 + 2·7 + 3·3 + 4·3 + 5·7 + 6·3 + 7·3 + 0·7 + 6·3 = 170 → 10 − 0 = 10 → 0
    expect(nubanCheckDigit('044', '123456706')).toBe(0);
    expect(parseNuban('1234567060', '044')).toBe('1234567060');
  });

  it.each([
    ['0123456784', '058', 'invalid_check_digit'],
    ['0000014579', '058', 'invalid_check_digit'], // right digit for bank 011, not for 058
    ['012345678', '058', 'format'],
    ['01234567855', '058', 'format'],
    ['012345678X', '058', 'format'],
  ])('refuses %s at bank %s (%s)', (nuban, bankCode, issue) => {
    expectRefused((field) => parseNuban(nuban, bankCode, field), issue, nuban);
  });

  it('takes a 3-digit bank code only', () => {
    expect(parseNigerianBankCode('058')).toBe('058');
    for (const bad of ['58', '0580', 'GTB']) expectRefused((field) => parseNigerianBankCode(bad, field), 'format');
  });
});
