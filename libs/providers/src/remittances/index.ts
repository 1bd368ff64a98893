export * from './remittances.adapter';
