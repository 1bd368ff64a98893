/** Injection tokens for provider-facing services (wired by the apps from configuration). */
export const PLAID_LINK = Symbol('PLAID_LINK');
export const PLAID_WEBHOOK_VERIFIER = Symbol('PLAID_WEBHOOK_VERIFIER');
export const FIELD_CIPHER = Symbol('FIELD_CIPHER');
export const FINGERPRINTER = Symbol('FINGERPRINTER');
export const PLAID_BANK_TRANSFERS = Symbol('PLAID_BANK_TRANSFERS');
/** SEPA, FPS and NGN payouts at the provider: a `PaymentRailsPayouts` (libs/providers/src/payment-rails). */
export const PAYMENT_RAILS = Symbol('PAYMENT_RAILS');
/** Exchange rates: an `FxRatePort` (libs/domain); the sandbox table (`SandboxFxRates`) unless configured otherwise. */
export const FX_RATES = Symbol('FX_RATES');
/** The configured funding assets: a `FundingAssetRegistry` (libs/domain). */
export const FUNDING_ASSETS = Symbol('FUNDING_ASSETS');
/** Cross-border remittances at the provider: a `ProviderRemittances` (libs/providers/src/remittances). */
export const REMITTANCES = Symbol('REMITTANCES');
