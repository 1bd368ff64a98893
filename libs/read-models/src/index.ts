export * from './database/postgres.module';
