import { normalizeName, recipientDisplayName, requiredAchCapability } from './capabilities';

describe('ACH transfer capabilities', () => {
  const verified = { first_name: 'Alex', last_name: 'Grey' };

  it('a recipient with the verified name is first party, whatever the case, accents or spacing', () => {
    expect(requiredAchCapability({ first_name: 'Alex', last_name: 'Grey' }, verified)).toBe('AchOut1stParty');
    expect(requiredAchCapability({ first_name: '  alex ', last_name: 'GREY' }, verified)).toBe('AchOut1stParty');
    expect(requiredAchCapability({ first_name: 'José', last_name: 'Núñez' }, { first_name: 'Jose', last_name: 'Nunez' })).toBe('AchOut1stParty');
  });

  it('anyone else, a company, or a customer without a verified name is third party', () => {
    expect(requiredAchCapability({ first_name: 'Alex', last_name: 'Gray' }, verified)).toBe('AchOut3rdParty');
    expect(requiredAchCapability({ company_name: 'Grey Holdings LLC' }, verified)).toBe('AchOut3rdParty');
    expect(requiredAchCapability({ first_name: 'Alex', last_name: 'Grey' }, null)).toBe('AchOut3rdParty');
  });

  it('names recipients for display', () => {
    expect(recipientDisplayName({ first_name: 'Alex', last_name: 'Grey' })).toBe('Alex Grey');
    expect(recipientDisplayName({ company_name: ' Acme Inc ' })).toBe('Acme Inc');
    expect(normalizeName("O'Brien-Smith")).toBe('o brien smith');
  });
});
