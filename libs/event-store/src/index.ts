export * from './event-store.port';
export * from './ids';
export * from './command-handling';
