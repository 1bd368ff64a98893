import { Inject, Injectable } from '@nestjs/common';
import { Clock, Decider, DomainEvent, fold } from '@payments/domain';
import { EVENT_STORE, EventStore, RecordedEvent } from '../event-store.port';
import { CommandContext, CommandResult, handleCommand, HandleCommandOptions, loadState, StreamCache } from '../command-handling';

export const CLOCK = Symbol('CLOCK');

export type CommandOutcome = 'success' | 'rejected' | 'conflict' | 'error';
export interface CommandObserver {
  observe(command: string, outcome: CommandOutcome, seconds: number): void;
}
export const COMMAND_OBSERVER = Symbol('COMMAND_OBSERVER');

/**
 * Nest face of the one generic command path: every command handler goes through `execute`. Commands on the same
 * stream run one after another within this process (a hot stream, e.g. one account taking many holds at once, would
 * otherwise spend its time losing optimistic-concurrency races); other processes are still kept consistent by the
 * store's expected revision and the retry in handleCommand.
 */
@Injectable()
export class CommandProcessor {
  private observer?: CommandObserver;
  /** The tail of each stream's queue of commands in this process. */
  private readonly streamQueues = new Map<string, Promise<unknown>>();
  /**
   * Streams this process decided on last (see StreamCache: a stale entry costs a read, never a wrong decision).
   * With commands on a stream serialised here, a stream only this process writes is decided on without any read.
   */
  private readonly streams = new StreamCache();

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
    options?: HandleCommandOptions,
  ): Promise<CommandResult<S, E>> {
    return this.serialized(streamId, () => this.run(streamId, decider, command, context, options));
  }

  private async run<S, C extends { type: string }, E extends DomainEvent>(
    streamId: string,
    decider: Decider<S, C, E>,
    command: C,
    context: CommandContext,
    options?: HandleCommandOptions,
  ): Promise<CommandResult<S, E>> {
    const started = process.hrtime.bigint();
    let outcome: CommandOutcome = 'success';
    try {
      return await handleCommand(this.store, streamId, decider, command, context, this.clock.now(), { cache: this.streams, ...options });
    } catch (error) {
      const name = (error as Error).name;
      outcome = name === 'DomainError' ? 'rejected' : name === 'ConcurrencyRetriesExhaustedError' ? 'conflict' : 'error';
      throw error;
    } finally {
      this.observer?.observe(command.type, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  private serialized<T>(streamId: string, task: () => Promise<T>): Promise<T> {
    const previous = this.streamQueues.get(streamId) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.catch(() => undefined);
    this.streamQueues.set(streamId, tail);
    void tail.then(() => {
      if (this.streamQueues.get(streamId) === tail) this.streamQueues.delete(streamId);
    });
    return result;
  }

  load<S, C, E extends DomainEvent>(streamId: string, decider: Decider<S, C, E>): Promise<{ state: S; revision: bigint }> {
    return loadState(this.store, streamId, decider);
  }

  /** Two streams read in one snapshot (one round trip on Postgres); the reads also refresh this process's cache. */
  async loadBoth<S1, C1, E1 extends DomainEvent, S2, C2, E2 extends DomainEvent>(
    first: { streamId: string; decider: Decider<S1, C1, E1> },
    second: { streamId: string; decider: Decider<S2, C2, E2> },
  ): Promise<[{ state: S1; revision: bigint }, { state: S2; revision: bigint }]> {
    const [a, b] = await this.store.readStreams([first.streamId, second.streamId]);
    return [this.remember(first.streamId, first.decider, a), this.remember(second.streamId, second.decider, b)];
  }

  /** The state this process last decided on or read for a stream, under `decider`, without reading; may be stale. */
  peek<S, C, E extends DomainEvent>(streamId: string, decider: Decider<S, C, E>): S | undefined {
    const folded = this.streams.peek(streamId)?.folded;
    return folded?.decider === decider ? (folded.state as S) : undefined;
  }

  private remember<S, C, E extends DomainEvent>(streamId: string, decider: Decider<S, C, E>, recorded: RecordedEvent[]): { state: S; revision: bigint } {
    const events = recorded.map((e) => ({ type: e.type, data: e.data }) as E);
    const state = fold(decider, events);
    this.streams.set(streamId, { ids: recorded.map((e) => e.id), events, folded: { decider, state } });
    return { state, revision: recorded.length > 0 ? recorded[recorded.length - 1].revision : -1n };
  }

  now(): Date {
    return this.clock.now();
  }
}
