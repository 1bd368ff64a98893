/**
 * Transfer capabilities (seed: ach-bank-transfer-estimate-execute.txt, "Capabilities"). A transfer
 * whose recipient name matches the customer's verified name needs `AchOut1stParty`; any other
 * recipient needs `AchOut3rdParty`.
 */
export const CAPABILITIES = ['AchOut1stParty', 'AchOut3rdParty'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export const isCapability = (value: unknown): value is Capability => typeof value === 'string' && (CAPABILITIES as readonly string[]).includes(value);

/** A recipient as the transfer request names it: a person (first + last) or a company. */
export interface RecipientName {
  first_name?: string;
  last_name?: string;
  company_name?: string;
}

/** The name KYC verified for the customer; only an approved customer has one. */
export interface VerifiedName {
  first_name: string;
  last_name: string;
}

/** Case-, accent- and spacing-insensitive form used to compare names. */
export function normalizeName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export function recipientDisplayName(recipient: RecipientName): string {
  if (recipient.company_name?.trim()) return recipient.company_name.trim();
  return [recipient.first_name, recipient.last_name].map((part) => part?.trim() ?? '').filter(Boolean).join(' ');
}

/**
 * Which capability a transfer to `recipient` needs. Without a verified name (KYC not approved)
 * nothing is first party.
 */
export function requiredAchCapability(recipient: RecipientName, verified: VerifiedName | null): Capability {
  if (!verified) return 'AchOut3rdParty';
  const own = normalizeName(`${verified.first_name} ${verified.last_name}`);
  return own !== '' && normalizeName(recipientDisplayName(recipient)) === own ? 'AchOut1stParty' : 'AchOut3rdParty';
}
