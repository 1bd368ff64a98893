export * from './event-store.port';
export * from './ids';
export * from './command-handling';
export * from './nest/command-processor';
export * from './nest/event-store.module';
