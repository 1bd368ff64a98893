/**
 * A decider is three pure functions (no I/O, no clock reads): `decide` turns a command and the current
 * state into new events or throws a DomainError; `evolve` folds one event into the state;
 * `initialState` is the state of a stream with no events.
 */
export interface Decider<State, Command, Event> {
  decide(command: Command, state: State): Event[];
  evolve(state: State, event: Event): State;
  initialState(): State;
}

/** A domain event as the domain sees it: a discriminated union member with a JSON-safe payload. */
export interface DomainEvent<T extends string = string, D extends object = object> {
  type: T;
  data: D;
}

/** Every command carries the moment it is decided at, from the Clock port. */
export interface CommandEnvelope<T extends string = string, D extends object = Record<string, unknown>> {
  type: T;
  data: D;
  now: Date;
}

export function fold<S, E>(decider: Pick<Decider<S, unknown, E>, 'evolve' | 'initialState'>, events: E[]): S {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState());
}

/** Exhaustiveness guard for `switch` over discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}
