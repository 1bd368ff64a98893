import { domainErrorOf } from '../testing/decider-spec';
import {
  AmountIssue,
  CURRENCIES,
  Currency,
  formatMinor,
  MAX_AMOUNT_MINOR,
  MINOR_UNIT_EXPONENT,
  parseAmount,
  parseCurrency,
  parseMinorString,
  toJsonMajorAmount,
} from './money';

function expectInvalid(value: unknown, currency: Currency, issue: AmountIssue, field = 'amount'): void {
  const error = domainErrorOf(() => parseAmount(value, currency, { field }));
  expect(error.reason).toBe('ErrorInvalidField');
  expect(error.category).toBe('CategoryValidationFailure');
  expect(error.details).toEqual([
    { key: 'field', details: field },
    { key: 'issue', details: issue },
  ]);
}

describe('parseAmount', () => {
  it.each([
    [100.5, 10050n],
    ['100.5', 10050n],
    ['100.50', 10050n],
    [25, 2500n],
    ['25.00', 2500n],
    [10, 1000n],
    [9.99, 999n],
    [0.01, 1n],
    ['0.01', 1n],
  ] as [number | string, bigint][])('parses %p USD as %p minor units', (value, minor) => {
    expect(parseAmount(value, 'USD')).toEqual({ amountMinor: minor, currency: 'USD' });
  });

  it('converts JSON numbers through their shortest decimal string, never float multiplication', () => {
    // 1.005 * 100 === 100.49999999999999 and 4.35 * 100 === 434.99999999999994 in floating point.
    expect(parseAmount(1.005, 'OMR').amountMinor).toBe(1005n);
    expect(parseAmount(4.35, 'USD').amountMinor).toBe(435n);
    expect(parseAmount(1.15, 'USD').amountMinor).toBe(115n);
    expect(parseAmount(JSON.parse('{"amount": 100.5}').amount, 'USD').amountMinor).toBe(10050n);
    expect(parseAmount(9999999999999.99, 'USD').amountMinor).toBe(999999999999999n);
  });

  it('refuses a float whose value is not really two decimals (0.1 + 0.2)', () => {
    expectInvalid(0.1 + 0.2, 'USD', 'too_many_decimals');
  });

  it('uses the currency exponent: JPY and VND have none, OMR has three', () => {
    expect(parseAmount('1000', 'JPY')).toEqual({ amountMinor: 1000n, currency: 'JPY' });
    expect(parseAmount(1000, 'VND').amountMinor).toBe(1000n);
    expect(parseAmount('1.234', 'OMR').amountMinor).toBe(1234n);
    expectInvalid('1.5', 'JPY', 'too_many_decimals');
    expectInvalid(1.5, 'JPY', 'too_many_decimals');
    expectInvalid('1.2345', 'OMR', 'too_many_decimals');
  });

  it('accepts trailing zeros beyond the exponent (the value has two decimals)', () => {
    expect(parseAmount('10.500', 'USD').amountMinor).toBe(1050n);
    expect(parseAmount('1000.0', 'JPY').amountMinor).toBe(1000n);
  });

  it('accepts the JSON number 1e3 (it is 1000 once parsed) as 1000.00', () => {
    expect(parseAmount(JSON.parse('1e3'), 'USD').amountMinor).toBe(100000n);
  });

  it.each([
    ['10.001', 'too_many_decimals'],
    [10.001, 'too_many_decimals'],
    [-5, 'negative'],
    ['-5', 'negative'],
    ['-5.00', 'negative'],
    [0, 'not_positive'],
    ['0', 'not_positive'],
    ['0.00', 'not_positive'],
    [-0, 'not_positive'],
    ['abc', 'not_a_decimal'],
    ['1e3', 'exponent_notation'],
    ['1E3', 'exponent_notation'],
    ['1.5e2', 'exponent_notation'],
    ['-1e3', 'exponent_notation'],
    ['', 'empty'],
    [' 10', 'not_a_decimal'],
    ['10 ', 'not_a_decimal'],
    ['+10', 'not_a_decimal'],
    ['.5', 'not_a_decimal'],
    ['5.', 'not_a_decimal'],
    ['010', 'not_a_decimal'],
    ['1,000.00', 'not_a_decimal'],
    ['0x10', 'not_a_decimal'],
    ['Infinity', 'not_a_decimal'],
    ['NaN', 'not_a_decimal'],
    ['１０', 'not_a_decimal'],
    [NaN, 'not_finite'],
    [Infinity, 'not_finite'],
    [-Infinity, 'not_finite'],
    [1e21, 'too_large'],
    [1e-7, 'too_many_decimals'],
    ['10000000000000.00', 'too_large'],
    [10000000000000, 'too_large'],
    ['9'.repeat(65), 'too_large'],
    [true, 'not_a_number'],
    [{ value: 10 }, 'not_a_number'],
    [[10], 'not_a_number'],
    [10n, 'not_a_number'],
  ] as [unknown, AmountIssue][])('refuses %p (%s)', (value, issue) => {
    expectInvalid(value, 'USD', issue);
  });

  it('names the field it was given in errors', () => {
    expectInvalid('abc', 'USD', 'not_a_decimal', 'bank_transfer.amount');
  });

  it('reports a missing amount as ErrorMissingField', () => {
    for (const value of [undefined, null]) {
      const error = domainErrorOf(() => parseAmount(value, 'USD'));
      expect(error.reason).toBe('ErrorMissingField');
      expect(error.details).toContainEqual({ key: 'field', details: 'amount' });
    }
  });

  it('accepts zero only when asked to and honours a lower maximum', () => {
    expect(parseAmount('0.00', 'USD', { allowZero: true }).amountMinor).toBe(0n);
    expect(parseAmount('50.00', 'USD', { maxMinor: 5000n }).amountMinor).toBe(5000n);
    expect(domainErrorOf(() => parseAmount('50.01', 'USD', { maxMinor: 5000n })).details).toContainEqual({ key: 'issue', details: 'too_large' });
  });

  it('accepts exactly MAX_AMOUNT_MINOR and nothing above it', () => {
    expect(parseAmount(formatMinor(MAX_AMOUNT_MINOR, 'USD'), 'USD').amountMinor).toBe(MAX_AMOUNT_MINOR);
    expectInvalid(formatMinor(MAX_AMOUNT_MINOR + 1n, 'USD'), 'USD', 'too_large');
  });
});

describe('parseCurrency', () => {
  it('accepts the 20 seed currencies and refuses others', () => {
    expect(CURRENCIES).toHaveLength(20);
    for (const currency of CURRENCIES) expect(parseCurrency(currency)).toBe(currency);
    for (const bad of ['usd', 'CHF', '', 'US D', 840]) {
      const error = domainErrorOf(() => parseCurrency(bad));
      expect(error.reason).toBe('ErrorInvalidField');
      expect(error.details).toContainEqual({ key: 'issue', details: 'unsupported_currency' });
    }
    expect(domainErrorOf(() => parseCurrency(undefined)).reason).toBe('ErrorMissingField');
  });
});

describe('formatting', () => {
  it('formats minor units with exactly the currency decimals', () => {
    expect(formatMinor(10050n, 'USD')).toBe('100.50');
    expect(formatMinor(5n, 'USD')).toBe('0.05');
    expect(formatMinor(0n, 'USD')).toBe('0.00');
    expect(formatMinor(-105n, 'USD')).toBe('-1.05');
    expect(formatMinor(1000n, 'JPY')).toBe('1000');
    expect(formatMinor(1234n, 'OMR')).toBe('1.234');
  });

  it('gives JSON numbers for responses that show numbers', () => {
    expect(toJsonMajorAmount(10050n, 'USD')).toBe(100.5);
    expect(toJsonMajorAmount(2500n, 'USD')).toBe(25);
    expect(toJsonMajorAmount(MAX_AMOUNT_MINOR, 'USD')).toBe(9999999999999.99);
    expect(() => toJsonMajorAmount(MAX_AMOUNT_MINOR + 1n, 'USD')).toThrow(RangeError);
  });

  it('round-trips every currency through format and parse', () => {
    for (const currency of CURRENCIES) {
      for (const minor of [1n, 999n, 1000n, 10050n, 123456789n]) {
        const text = formatMinor(minor, currency);
        expect(parseAmount(text, currency).amountMinor).toBe(minor);
        expect(parseAmount(toJsonMajorAmount(minor, currency), currency).amountMinor).toBe(minor);
      }
      expect(MINOR_UNIT_EXPONENT[currency]).toBeGreaterThanOrEqual(0);
    }
  });

  it('reads minor-unit strings from events exactly and refuses anything else', () => {
    expect(parseMinorString('2500')).toBe(2500n);
    expect(parseMinorString('-15')).toBe(-15n);
    expect(parseMinorString('999999999999999999999')).toBe(999999999999999999999n);
    for (const bad of ['', '25.00', '1e3', ' 1', '01', '-']) expect(() => parseMinorString(bad)).toThrow(RangeError);
  });
});
