import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore } from '@payments/event-store';
import { formatHistory, movementHistory, PG_POOL } from '@payments/read-models';

/**
 * `ops history <id> [--json]`: the timeline of a pull, payout, transfer or remittance (its stream and the account
 * movements naming it): time, type, actor, causation, correlation, idempotency key and the provider event that caused
 * each step. Exit 1 when no stream has that id.
 */
@Command({ name: 'history', arguments: '<id>', description: 'timeline of a pull, payout, transfer or remittance' })
export class HistoryCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    super();
  }

  async run([id]: string[], options: { json?: boolean }): Promise<void> {
    const history = await movementHistory(this.store, this.pool, id);
    if (!history) {
      console.error(`no pull, payout, transfer or remittance with id ${id}`);
      process.exitCode = 1;
      return;
    }
    console.log(options.json ? JSON.stringify(history, null, 2) : formatHistory(history));
  }

  @Option({ flags: '--json', description: 'print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}
