import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore, Position } from '@payments/event-store';
import { ALL_PROJECTIONS, PG_POOL, ProjectionRunner } from '@payments/read-models';
import { ProjectionLagSource } from '@payments/infrastructure';

/** Runs every projection from its checkpoint while the worker is up. */
@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, OnApplicationShutdown, ProjectionLagSource {
  private readonly logger = new Logger('Projections');
  readonly runner: ProjectionRunner;

  constructor(@Inject(EVENT_STORE) store: EventStore, @Inject(PG_POOL) pool: Pool) {
    this.runner = new ProjectionRunner(store, pool, ALL_PROJECTIONS, {
      logger: { log: (m) => this.logger.log(m), error: (m, t) => this.logger.error(m, t) },
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.runner.start();
    this.logger.log(`running projections: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runner.stop();
  }

  projectionLag(): Promise<{ projection: string; events: number }[]> {
    return this.runner.lag();
  }

  waitFor(position: Position, timeoutMs?: number): Promise<void> {
    return this.runner.waitFor(position, timeoutMs);
  }
}
