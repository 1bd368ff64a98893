/** Injection tokens for provider-facing services (wired by the apps from configuration). */
export const PLAID_LINK = Symbol('PLAID_LINK');
export const PLAID_WEBHOOK_VERIFIER = Symbol('PLAID_WEBHOOK_VERIFIER');
export const FIELD_CIPHER = Symbol('FIELD_CIPHER');
export const FINGERPRINTER = Symbol('FINGERPRINTER');
export const PLAID_BANK_TRANSFERS = Symbol('PLAID_BANK_TRANSFERS');
