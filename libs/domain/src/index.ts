export * from './shared/decider';
export * from './shared/domain-error';
export * from './shared/clock';
export * from './customer/customer.decider';
export * from './bank-link/bank-link.decider';
