export * from './database/postgres.module';
export * from './database/migrations';
export * from './projections/projection';
export * from './projections/checkpoints';
export * from './projections/projection-runner';
export * from './projections/all-projections';
export * from './customers/customers.projection';
export * from './bank-links/bank-links.projection';
