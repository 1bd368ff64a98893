import { Decider, fold } from '../shared/decider';
import { DomainError, ErrorReason } from '../shared/domain-error';

/**
 * given/when/then for deciders:
 *   spec.given([events]).when(command).then([events])
 *   spec.given([events]).when(command).thenThrows('ErrorInvalidState', 'already_linked')
 */
export function deciderSpec<S, C, E>(decider: Decider<S, C, E>) {
  return {
    given(events: E[]) {
      return {
        when(command: C) {
          const run = () => decider.decide(command, fold(decider, events));
          return {
            then(expected: E[]): void {
              expect(run()).toEqual(expected);
            },
            thenThrows(reason: ErrorReason, issue?: string): void {
              const domainError = domainErrorOf(run);
              expect(domainError.reason).toBe(reason);
              if (issue) expect(domainError.details).toContainEqual({ key: 'issue', details: issue });
            },
          };
        },
      };
    },
  };
}

/** The DomainError `run` throws; fails the test if it throws nothing, and rethrows any other error. */
export function domainErrorOf(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}
