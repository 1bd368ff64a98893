export * from './event-store.port';
export * from './ids';
export * from './command-handling';
export * from './nest/command-processor';
export * from './nest/event-store.module';
export * from './postgres/postgres-event-store';
export * from './postgres/errors';
export * from './esdb/esdb-event-store';
