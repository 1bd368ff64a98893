export * from './payment-rails.adapter';
export * from './payment-rails.mapping';
