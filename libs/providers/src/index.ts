export * from './provider-error';
export * from './plaid';
