import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option } from 'nest-commander';
import { DomainError } from '@payments/domain';
import { EVENT_STORE, EventStore } from '@payments/event-store';
import { parseStatePoint, streamStateAt } from '@payments/read-models';

/**
 * `ops state <stream> [--at <ISO time|revision>]`: the aggregate's state folded with its decider up to that point,
 * as JSON (Maps as objects, bigints as strings). Exit 1 for an unknown stream, 2 for a bad `--at` or stream type.
 */
@Command({ name: 'state', arguments: '<stream>', description: "a stream's aggregate state at a revision or time (latest by default)" })
export class StateCommand extends CommandRunner {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {
    super();
  }

  async run([stream]: string[], options: { at?: string }): Promise<void> {
    try {
      const state = await streamStateAt(this.store, stream, parseStatePoint(options.at));
      if (!state) {
        console.error(`stream ${stream} has no events`);
        process.exitCode = 1;
        return;
      }
      console.log(JSON.stringify(state, null, 2));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      console.error(error.message);
      process.exitCode = 2;
    }
  }

  @Option({ flags: '--at <point>', description: 'a stream revision (0-based, inclusive) or an ISO-8601 time' })
  parseAt(value: string): string {
    return value;
  }
}
