/**
 * The fixed test institutions the sandbox offers on its Link page (names and ids of Plaid's own Sandbox
 * institutions). Each has one checking account; masks differ so tests can tell them apart.
 */
export interface SandboxInstitution {
  institution_id: string;
  name: string;
  routing_numbers: string[];
  account: {
    name: string;
    official_name: string;
    mask: string;
    subtype: 'checking';
    /** Sandbox balances in the provider's own JSON number format (Plaid sends decimals as numbers). */
    balances: { available: number; current: number };
  };
}

export const SANDBOX_INSTITUTIONS: readonly SandboxInstitution[] = [
  {
    institution_id: 'ins_109508',
    name: 'First Platypus Bank',
    routing_numbers: ['011401533'],
    account: { name: 'Plaid Checking', official_name: 'Plaid Gold Standard 0% Interest Checking', mask: '0000', subtype: 'checking', balances: { available: 100, current: 110 } },
  },
  {
    institution_id: 'ins_109509',
    name: 'First Gingham Credit Union',
    routing_numbers: ['021000021'],
    account: { name: 'Gingham Checking', official_name: 'Gingham Everyday Checking', mask: '1111', subtype: 'checking', balances: { available: 2500, current: 2500 } },
  },
  {
    institution_id: 'ins_109510',
    name: 'Tattersall Federal Credit Union',
    routing_numbers: ['026009593'],
    account: { name: 'Tattersall Checking', official_name: 'Tattersall Share Draft Checking', mask: '2222', subtype: 'checking', balances: { available: 40, current: 40 } },
  },
  {
    institution_id: 'ins_109511',
    name: 'Tartan Bank',
    routing_numbers: ['122000247'],
    account: { name: 'Tartan Checking', official_name: 'Tartan Premier Checking', mask: '3333', subtype: 'checking', balances: { available: 12000, current: 12050 } },
  },
];

export const DEFAULT_INSTITUTION_ID = SANDBOX_INSTITUTIONS[0]!.institution_id;

export const findInstitution = (institutionId: string): SandboxInstitution | undefined =>
  SANDBOX_INSTITUTIONS.find((institution) => institution.institution_id === institutionId);
