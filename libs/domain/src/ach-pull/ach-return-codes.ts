/**
 * NACHA return reason codes with their standard short descriptions, for when the provider reports a code without a
 * description (Plaid's `failure_reason` is `{ach_return_code, description}`; either may be missing).
 */
export const ACH_RETURN_CODES = {
  R01: 'Insufficient funds',
  R02: 'Account closed',
  R03: 'No account / unable to locate account',
  R04: 'Invalid account number structure',
  R05: 'Unauthorized debit to consumer account using corporate SEC code',
  R06: "Returned per ODFI's request",
  R07: 'Authorization revoked by customer',
  R08: 'Payment stopped',
  R09: 'Uncollected funds',
  R10: 'Customer advises originator is not known to receiver and/or is not authorized to debit the account',
  R11: 'Customer advises entry not in accordance with the terms of the authorization',
  R12: 'Account sold to another DFI',
  R13: 'Invalid ACH routing number',
  R14: 'Representative payee deceased or unable to continue in that capacity',
  R15: 'Beneficiary or account holder deceased',
  R16: 'Account frozen / entry returned per OFAC instruction',
  R17: 'File record edit criteria / entry with invalid account number initiated under questionable circumstances',
  R20: 'Non-transaction account',
  R23: 'Credit entry refused by receiver',
  R24: 'Duplicate entry',
  R29: 'Corporate customer advises not authorized',
} as const satisfies Record<string, string>;

export type KnownAchReturnCode = keyof typeof ACH_RETURN_CODES;

/** The shape of any NACHA return code: R followed by two digits (R01–R85 and beyond are issued over time). */
export function isAchReturnCode(code: string): boolean {
  return /^R[0-9]{2}$/.test(code);
}

/** The standard short description of a return code, or undefined when the code is not in the table. */
export function achReturnDescription(code: string): string | undefined {
  return Object.prototype.hasOwnProperty.call(ACH_RETURN_CODES, code) ? ACH_RETURN_CODES[code as KnownAchReturnCode] : undefined;
}

/** A description for an event: the provider's own if it gave one, else the table's, else a generic one. */
export function describeAchReturn(code: string, providerDescription?: string | null): string {
  const given = providerDescription?.trim();
  if (given) return given;
  return achReturnDescription(code) ?? (isAchReturnCode(code) ? `ACH return ${code}` : code);
}
