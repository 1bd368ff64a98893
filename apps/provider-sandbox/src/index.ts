export { createProviderSandboxApp } from './create-provider-sandbox-app';
export type { ProviderSandboxOptions } from './common/sandbox-options';
export { WebhookKeyRing } from './webhooks/webhook-key-ring';
export { SANDBOX_INSTITUTIONS } from './items/institutions';
export type { SandboxInstitution } from './items/institutions';
export { BankTransfersService } from './bank-transfers/bank-transfers.service';
export type { BankTransfersSandboxOptions } from './bank-transfers/bank-transfers.options';
export { PaymentRailsService, PAYOUT_EVENTS_UPDATE_WEBHOOK } from './payment-rails/payment-rails.service';
export type { PaymentRailsSandboxOptions } from './payment-rails/payment-rails.options';
