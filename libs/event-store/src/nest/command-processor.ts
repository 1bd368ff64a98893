import { Inject, Injectable } from '@nestjs/common';
import { Clock, Decider, DomainEvent } from '@payments/domain';
import { EVENT_STORE, EventStore } from '../event-store.port';
import { CommandContext, CommandResult, handleCommand, loadState } from '../command-handling';

export const CLOCK = Symbol('CLOCK');

export type CommandOutcome = 'success' | 'rejected' | 'conflict' | 'error';
export interface CommandObserver {
  observe(command: string, outcome: CommandOutcome, seconds: number): void;
}
export const COMMAND_OBSERVER = Symbol('COMMAND_OBSERVER');

/** Nest face of the one generic command path: every command handler goes through `execute`. */
@Injectable()
export class CommandProcessor {
  private observer?: CommandObserver;

  constructor(
    @Inject(EVENT_STORE) readonly store: EventStore,
    @Inject(CLOCK) readonly clock: Clock,
  ) {}

  setObserver(observer: CommandObserver): void {
    this.observer = observer;
  }

  async execute<S, C extends { type: string }, E extends DomainEvent>(
    streamId: string,
    decider: Decider<S, C, E>,
    command: C,
    context: CommandContext,
  ): Promise<CommandResult<S, E>> {
    const started = process.hrtime.bigint();
    let outcome: CommandOutcome = 'success';
    try {
      return await handleCommand(this.store, streamId, decider, command, context, this.clock.now());
    } catch (error) {
      const name = (error as Error).name;
      outcome = name === 'DomainError' ? 'rejected' : name === 'ConcurrencyRetriesExhaustedError' ? 'conflict' : 'error';
      throw error;
    } finally {
      this.observer?.observe(command.type, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  load<S, C, E extends DomainEvent>(streamId: string, decider: Decider<S, C, E>): Promise<{ state: S; revision: bigint }> {
    return loadState(this.store, streamId, decider);
  }

  now(): Date {
    return this.clock.now();
  }
}
