import { BankTransferEventType, BankTransferStatus } from 'plaid';
import { ProviderError } from '../provider-error';
import {
  minorUnitsToPlaidAmount,
  plaidAmountToMinorUnits,
  ProviderTransferEventType,
  ProviderTransferStatus,
  toProviderTransferEventType,
  toProviderTransferStatus,
} from './plaid-bank-transfer.mapping';

describe('Plaid bank transfer amounts', () => {
  it.each([
    [0n, '0.00'],
    [5n, '0.05'],
    [99n, '0.99'],
    [1000n, '10.00'],
    [2500n, '25.00'],
    [123456n, '1234.56'],
    // beyond Number.MAX_SAFE_INTEGER cents: exact, no float rounding
    [900719925474099312n, '9007199254740993.12'],
  ])('%s cents -> "%s" and back', (minor, text) => {
    expect(minorUnitsToPlaidAmount(minor)).toBe(text);
    expect(plaidAmountToMinorUnits(text)).toBe(minor);
  });

  it('refuses negative amounts', () => {
    expect(() => minorUnitsToPlaidAmount(-1n)).toThrow(RangeError);
  });

  it('reads provider amounts with fewer decimals or a sign exactly', () => {
    expect(plaidAmountToMinorUnits('12')).toBe(1200n);
    expect(plaidAmountToMinorUnits('0.5')).toBe(50n);
    expect(plaidAmountToMinorUnits('-1.25')).toBe(-125n);
    expect(plaidAmountToMinorUnits('0.07')).toBe(7n);
  });

  it.each(['10.001', '1e3', 'abc', '', '1.2.3', ' 1.00', '1,00'])('rejects the provider amount %j', (text) => {
    expect(() => plaidAmountToMinorUnits(text)).toThrow(ProviderError);
  });
});

describe('Plaid bank transfer status and event map', () => {
  it('maps every provider status to a distinct status of ours', () => {
    const all = Object.values(BankTransferStatus);
    const mapped = all.map(toProviderTransferStatus);
    expect(Object.fromEntries(all.map((status, i) => [status, mapped[i]]))).toEqual({
      pending: ProviderTransferStatus.Pending,
      posted: ProviderTransferStatus.Posted,
      cancelled: ProviderTransferStatus.Cancelled,
      failed: ProviderTransferStatus.Failed,
      reversed: ProviderTransferStatus.Reversed,
    });
    expect(new Set(mapped).size).toBe(all.length);
    expect(new Set(mapped)).toEqual(new Set(Object.values(ProviderTransferStatus)));
  });

  it('maps every provider event type to a distinct event type of ours', () => {
    const all = Object.values(BankTransferEventType);
    const mapped = all.map(toProviderTransferEventType);
    expect(Object.fromEntries(all.map((type, i) => [type, mapped[i]]))).toEqual({
      pending: ProviderTransferEventType.Pending,
      cancelled: ProviderTransferEventType.Cancelled,
      failed: ProviderTransferEventType.Failed,
      posted: ProviderTransferEventType.Posted,
      reversed: ProviderTransferEventType.Reversed,
    });
    expect(new Set(mapped).size).toBe(all.length);
    expect(new Set(mapped)).toEqual(new Set(Object.values(ProviderTransferEventType)));
  });

  it('refuses a status or event type the SDK does not know instead of guessing', () => {
    expect(() => toProviderTransferStatus('settled' as BankTransferStatus)).toThrow(expect.objectContaining({ code: 'PROVIDER_BAD_RESPONSE', retryable: false }));
    expect(() => toProviderTransferEventType('returned' as BankTransferEventType)).toThrow(expect.objectContaining({ code: 'PROVIDER_BAD_RESPONSE' }));
  });
});
