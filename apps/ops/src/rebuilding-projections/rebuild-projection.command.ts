import { Inject } from '@nestjs/common';
import { Command, CommandRunner } from 'nest-commander';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore } from '@payments/event-store';
import { ALL_PROJECTIONS, PG_POOL, projectionByName, rebuildProjection } from '@payments/read-models';

/** `ops rebuild <projection>`: rebuild a read model from position 0 in one transaction (readers see no gap). */
@Command({ name: 'rebuild', arguments: '<projection>', description: `rebuild a projection from position 0 (${ALL_PROJECTIONS.map((p) => p.name).join(', ')}, or "all")` })
export class RebuildProjectionCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    super();
  }

  async run([name]: string[]): Promise<void> {
    const targets = name === 'all' ? ALL_PROJECTIONS : [projectionByName(name)].filter((p) => p !== undefined);
    if (targets.length === 0) {
      process.exitCode = 2;
      console.error(`unknown projection "${name}"; known: ${ALL_PROJECTIONS.map((p) => p.name).join(', ')}, all`);
      return;
    }
    for (const projection of targets) {
      const started = Date.now();
      const report = await rebuildProjection(this.store, this.pool, projection);
      console.log(
        `rebuilt ${report.projection}: ${report.eventsApplied} events applied of ${report.eventsRead} read, ` +
          `checkpoint ${report.position.commit}/${report.position.prepare}, ${Date.now() - started} ms`,
      );
    }
  }
}
