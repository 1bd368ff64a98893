import { ACH_RETURN_CODES, achReturnDescription, describeAchReturn, isAchReturnCode } from './ach-return-codes';

describe('ACH return codes', () => {
  it('knows the standard short descriptions of the common return codes', () => {
    for (const code of ['R01', 'R02', 'R03', 'R04', 'R05', 'R06', 'R07', 'R08', 'R09', 'R10', 'R16', 'R20', 'R29']) {
      expect(achReturnDescription(code)).toEqual(expect.any(String));
    }
    expect(achReturnDescription('R01')).toBe('Insufficient funds');
    expect(achReturnDescription('R02')).toBe('Account closed');
    expect(achReturnDescription('R13')).toBe('Invalid ACH routing number');
    expect(Object.keys(ACH_RETURN_CODES).every(isAchReturnCode)).toBe(true);
  });

  it('does not invent descriptions for unknown codes or inherited keys', () => {
    expect(achReturnDescription('R99')).toBeUndefined();
    expect(achReturnDescription('toString')).toBeUndefined();
    expect(isAchReturnCode('R1')).toBe(false);
    expect(isAchReturnCode('r01')).toBe(false);
  });

  it("prefers the provider's description, then the table, then a generic one", () => {
    expect(describeAchReturn('R01', 'Insufficient funds in checking')).toBe('Insufficient funds in checking');
    expect(describeAchReturn('R01')).toBe('Insufficient funds');
    expect(describeAchReturn('R01', '  ')).toBe('Insufficient funds');
    expect(describeAchReturn('R01', null)).toBe('Insufficient funds');
    expect(describeAchReturn('R61')).toBe('ACH return R61');
    expect(describeAchReturn('INSUFFICIENT_BALANCE')).toBe('INSUFFICIENT_BALANCE');
  });
});
