export * from './provider-error';
export * from './plaid';
export * from './payment-rails';
export * from './fx';
export * from './remittances';
