export * from './signing';
export * from './backoff';
export * from './activity-events';
