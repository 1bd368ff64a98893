export * from './plaid-client';
export * from './plaid-error.mapper';
export * from './plaid-link.adapter';
export * from './plaid-verification-key.source';
export * from './plaid-webhook-verifier';
export * from './plaid-webhook.parser';
export * from './webhook-verification.error';
