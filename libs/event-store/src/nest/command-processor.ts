import { Inject, Injectable } from '@nestjs/common';
import { Clock, Decider, DomainEvent, fold } from '@payments/domain';
import { EVENT_STORE, EventStore, RecordedEvent } from '../event-store.port';
import { activeTraceparent } from '../trace-context';
import { CommandContext, CommandResult, handleCommand, handleCommandBatch, HandleCommandOptions, loadState, StreamCache } from '../command-handling';

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
/** A command waiting for its turn on its stream. */
interface Queued {
  decider: Decider<unknown, unknown, DomainEvent>;
  command: { type: string };
  context: CommandContext;
  options?: HandleCommandOptions;
  resolve(result: CommandResult<unknown, DomainEvent>): void;
  reject(error: unknown): void;
}

/** Commands of one stream decided and appended together at most (see {@link CommandProcessor}). */
const MAX_GROUP = 64;

/**
 * The write side's command path. Commands on one stream run one at a time in this process (so a stream only this
 * process writes is decided on from its cache, without a read). Commands that queue on a stream while its current
 * append is in flight (a hot account) are then decided together, each on the state the previous left, and appended in
 * ONE append: one round trip and one commit for the group, every caller still getting its own answer (its events,
 * refusal, no-op or replay) exactly as if they had run one by one. Only commands with no per-call options group.
 */
function outcomeOf(error: unknown): CommandOutcome {
  const name = (error as Error | undefined)?.name;
  return name === 'DomainError' ? 'rejected' : name === 'ConcurrencyRetriesExhaustedError' ? 'conflict' : 'error';
}

@Injectable()
export class CommandProcessor {
  private observer?: CommandObserver;
  /** Each stream's commands not started yet; a stream is in the map while its queue is being drained. */
  private readonly streamQueues = new Map<string, Queued[]>();
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
    // The caller's trace, taken now: the command may be decided later in another caller's drain loop.
    const traceparent = context.traceparent ?? activeTraceparent();
    if (traceparent) context = { ...context, traceparent };
    return new Promise<CommandResult<S, E>>((resolve, reject) => {
      const queued = { decider, command, context, options, resolve, reject } as unknown as Queued;
      const queue = this.streamQueues.get(streamId);
      if (queue) {
        queue.push(queued);
        return;
      }
      this.streamQueues.set(streamId, [queued]);
      void this.drain(streamId);
    });
  }

  private async drain(streamId: string): Promise<void> {
    const queue = this.streamQueues.get(streamId)!;
    try {
      while (queue.length > 0) {
        const first = queue[0];
        let size = 1;
        if (!first.options) while (size < queue.length && size < MAX_GROUP && !queue[size].options && queue[size].decider === first.decider) size++;
        const group = queue.splice(0, size);
        if (group.length === 1) {
          await this.run(streamId, first.decider, first.command, first.context, first.options).then(first.resolve, first.reject);
        } else {
          await this.runGroup(streamId, group);
        }
      }
      // In the same synchronous step as the last emptiness check: a command arriving later starts a new drain.
      this.streamQueues.delete(streamId);
    } catch (error) {
      // Not expected (run and runGroup settle every caller themselves), but nobody may wait forever.
      this.streamQueues.delete(streamId);
      for (const left of queue.splice(0)) left.reject(error);
    }
  }

  private async runGroup(streamId: string, group: Queued[]): Promise<void> {
    const started = process.hrtime.bigint();
    let outcomes;
    try {
      outcomes = await handleCommandBatch(this.store, streamId, group[0].decider, group, this.clock.now(), { cache: this.streams });
    } catch (error) {
      outcomes = group.map(() => ({ ok: false as const, error }));
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) {
        this.observer?.observe(group[i].command.type, 'success', seconds);
        group[i].resolve(outcome.result);
      } else {
        this.observer?.observe(group[i].command.type, outcomeOf(outcome.error), seconds);
        group[i].reject(outcome.error);
      }
    });
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
      outcome = outcomeOf(error);
      throw error;
    } finally {
      this.observer?.observe(command.type, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    }
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
