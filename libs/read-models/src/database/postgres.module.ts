import { DynamicModule, Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';

/** Injection token for the shared `pg.Pool` (read models, idempotency, API keys, Postgres event store). */
export const PG_POOL = Symbol('PG_POOL');

export interface PostgresModuleOptions {
  connectionString: string;
  max?: number;
  applicationName?: string;
}

@Injectable()
class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}
  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

@Global()
@Module({})
export class PostgresModule {
  static forRoot(options: PostgresModuleOptions): DynamicModule {
    return {
      module: PostgresModule,
      providers: [
        {
          provide: PG_POOL,
          useFactory: () =>
            new Pool({
              connectionString: options.connectionString,
              max: options.max ?? 10,
              application_name: options.applicationName ?? 'payments',
            }),
        },
        PoolCloser,
      ],
      exports: [PG_POOL],
    };
  }

  /** Use a pool the caller owns (tests, embedded mode); the module will not close it. */
  static forPool(pool: Pool): DynamicModule {
    return { module: PostgresModule, providers: [{ provide: PG_POOL, useValue: pool }], exports: [PG_POOL] };
  }
}
