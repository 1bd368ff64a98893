import { accountBalances, accountDecider, AccountCommand, AccountEvent, AccountBalancesData, AccountState } from './account.decider';
import { CustomerFacts } from '../customer/customer.decider';
import { fold } from '../shared/decider';
import { deciderSpec } from '../testing/decider-spec';
import { DomainError } from '../shared/domain-error';

const now = new Date('2026-01-01T00:00:00Z');
const spec = deciderSpec(accountDecider);
const customer: CustomerFacts = { exists: true, type: 'individual', userStatus: 'FULL_USER' };
const open = (account_type: 'checking' | 'savings' = 'checking', facts: CustomerFacts = customer) =>
  ({ type: 'OpenAccount', data: { account_id: 'a1', user_id: 'u1', currency: 'USD', account_type, customer: facts }, now }) as const;
const opened: AccountEvent = { type: 'AccountOpened', data: { account_id: 'a1', user_id: 'u1', currency: 'USD', account_type: 'checking' } };

describe('Account decider (opening)', () => {
  it('opens an account for a user with a profile', () => {
    spec.given([]).when(open()).then([opened]);
  });
  it('treats opening the same account again as a no-op', () => {
    spec.given([opened]).when(open()).then([]);
  });
  it('refuses a second account of another type in the same currency', () => {
    spec.given([opened]).when(open('savings')).thenThrows('ErrorAlreadyExists', 'account_exists');
  });
  it('refuses a user without a profile', () => {
    spec.given([]).when(open('checking', { exists: false })).thenThrows('ErrorNotEligible', 'profile_missing');
  });
});

const usd = (minor: bigint) => ({ amountMinor: minor, currency: 'USD' as const });
const base = { account_id: 'a1', user_id: 'u1', currency: 'USD' as const };
const balances = (posted: bigint, pending: bigint, available: bigint): AccountBalancesData => ({
  posted_minor: String(posted),
  pending_minor: String(pending),
  available_minor: String(available),
  overdrawn: posted < 0n,
});
const r01 = { code: 'R01', description: 'Insufficient funds' };

const cmd = {
  pending: (id: string, minor: bigint): AccountCommand => ({ type: 'RecordPendingCredit', data: { movement_id: id, source: 'ACH_PULL', amount: usd(minor) }, now }),
  post: (id: string, minor: bigint): AccountCommand => ({ type: 'PostCredit', data: { movement_id: id, source: 'ACH_PULL', amount: usd(minor) }, now }),
  reversePending: (id: string, outcome: 'FAILED' | 'CANCELLED' = 'FAILED'): AccountCommand => ({
    type: 'ReversePendingCredit',
    data: { movement_id: id, outcome, reason: r01 },
    now,
  }),
  reverseCredit: (id: string, minor: bigint): AccountCommand => ({ type: 'ReverseCredit', data: { movement_id: id, source: 'ACH_PULL', amount: usd(minor), reason: r01 }, now }),
  hold: (id: string, minor: bigint): AccountCommand => ({ type: 'PlaceHold', data: { movement_id: id, purpose: 'PAYOUT', amount: usd(minor) }, now }),
  release: (id: string): AccountCommand => ({ type: 'ReleaseHold', data: { movement_id: id, outcome: 'FAILED', reason: { code: 'RAIL_REJECTED', description: 'rejected' } }, now }),
  capture: (id: string): AccountCommand => ({ type: 'CaptureHold', data: { movement_id: id }, now }),
  reverseDebit: (id: string): AccountCommand => ({ type: 'ReverseDebit', data: { movement_id: id, reason: { code: 'R03', description: 'No account' } }, now }),
};

const credit = (movement_id: string, minor: bigint) => ({ ...base, movement_id, source: 'ACH_PULL' as const, amount_minor: String(minor) });
const hold = (movement_id: string, minor: bigint) => ({ ...base, movement_id, purpose: 'PAYOUT' as const, amount_minor: String(minor) });
const ev = {
  pending: (id: string, minor: bigint, b: AccountBalancesData): AccountEvent => ({ type: 'AccountCreditPending', data: { ...credit(id, minor), balances: b } }),
  posted: (id: string, minor: bigint, b: AccountBalancesData): AccountEvent => ({ type: 'AccountCreditPosted', data: { ...credit(id, minor), balances: b } }),
  held: (id: string, minor: bigint, b: AccountBalancesData): AccountEvent => ({ type: 'AccountHoldPlaced', data: { ...hold(id, minor), balances: b } }),
  captured: (id: string, minor: bigint, b: AccountBalancesData): AccountEvent => ({ type: 'AccountHoldCaptured', data: { ...hold(id, minor), balances: b } }),
};

/** $100.00 pulled and settled: posted 100, available 100. */
const funded: AccountEvent[] = [opened, ev.pending('p1', 10000n, balances(0n, 10000n, 0n)), ev.posted('p1', 10000n, balances(10000n, 0n, 10000n))];
const stateAfter = (events: AccountEvent[]): AccountState => fold(accountDecider, events);
const balancesAfter = (events: AccountEvent[]) => {
  const state = stateAfter(events);
  if (state.status !== 'OPEN') throw new Error('account not open');
  return accountBalances(state);
};
const thenDecided = (events: AccountEvent[], command: AccountCommand) => accountDecider.decide(command, stateAfter(events));

describe('Account decider (inbound credits)', () => {
  it('records a pending credit when a pull is submitted: pending rises, available does not', () => {
    spec.given([opened]).when(cmd.pending('p1', 10000n)).then([ev.pending('p1', 10000n, balances(0n, 10000n, 0n))]);
  });

  it('posts the credit when the pull settles: posted and available rise, pending falls', () => {
    spec.given(funded.slice(0, 2)).when(cmd.post('p1', 10000n)).then([ev.posted('p1', 10000n, balances(10000n, 0n, 10000n))]);
  });

  it('records the pending step too when a settlement arrives before any pending credit', () => {
    spec.given([opened]).when(cmd.post('p1', 10000n)).then(funded.slice(1));
  });

  it('reverses the pending credit when the pull fails or is cancelled', () => {
    for (const outcome of ['FAILED', 'CANCELLED'] as const) {
      spec
        .given(funded.slice(0, 2))
        .when(cmd.reversePending('p1', outcome))
        .then([{ type: 'AccountPendingCreditReversed', data: { ...credit('p1', 10000n), outcome, reason: r01, balances: balances(0n, 0n, 0n) } }]);
    }
  });

  it('ignores a failure of a pull that never had a pending credit', () => {
    spec.given([opened]).when(cmd.reversePending('p9')).then([]);
  });

  it('reverses a posted credit when the pull is returned after settlement', () => {
    spec
      .given(funded)
      .when(cmd.reverseCredit('p1', 10000n))
      .then([{ type: 'AccountCreditReversed', data: { ...credit('p1', 10000n), reason: r01, balances: balances(0n, 0n, 0n) } }]);
  });

  it('records a late return that pushes posted below zero, and flags it', () => {
    // $100 settled, $70 paid out, then the $100 pull is returned: posted −70.00, flagged, not hidden.
    const spent = [...funded, ev.held('o1', 7000n, balances(10000n, -7000n, 3000n)), ev.captured('o1', 7000n, balances(3000n, 0n, 3000n))];
    const [reversed] = thenDecided(spent, cmd.reverseCredit('p1', 10000n));
    expect(reversed).toEqual({ type: 'AccountCreditReversed', data: { ...credit('p1', 10000n), reason: r01, balances: balances(-7000n, 0n, -7000n) } });
    expect(reversed.type === 'AccountCreditReversed' && reversed.data.balances.overdrawn).toBe(true);
    expect(balancesAfter([...spent, reversed])).toEqual({ postedMinor: -7000n, pendingMinor: 0n, availableMinor: -7000n });
  });

  it('treats every repeat as a no-op', () => {
    spec.given(funded.slice(0, 2)).when(cmd.pending('p1', 10000n)).then([]);
    spec.given(funded).when(cmd.pending('p1', 10000n)).then([]);
    spec.given(funded).when(cmd.post('p1', 10000n)).then([]);
    const returned = [...funded, ...thenDecided(funded, cmd.reverseCredit('p1', 10000n))];
    spec.given(returned).when(cmd.reverseCredit('p1', 10000n)).then([]);
    spec.given(returned).when(cmd.post('p1', 10000n)).then([]);
    const failed = [...funded.slice(0, 2), ...thenDecided(funded.slice(0, 2), cmd.reversePending('p1'))];
    spec.given(failed).when(cmd.reversePending('p1')).then([]);
  });

  it('refuses contradictions: another amount, posting a failed pull, failing a posted one', () => {
    spec.given(funded.slice(0, 2)).when(cmd.post('p1', 9999n)).thenThrows('ErrorInvalidState', 'movement_amount_mismatch');
    const failed = [...funded.slice(0, 2), ...thenDecided(funded.slice(0, 2), cmd.reversePending('p1'))];
    spec.given(failed).when(cmd.post('p1', 10000n)).thenThrows('ErrorInvalidState', 'movement_state_conflict');
    spec.given(funded).when(cmd.reversePending('p1')).thenThrows('ErrorInvalidState', 'movement_state_conflict');
  });

  it('refuses money commands on an account that was never opened, in another currency, or of zero', () => {
    spec.given([]).when(cmd.pending('p1', 100n)).thenThrows('ErrorNotFound');
    spec
      .given([opened])
      .when({ type: 'RecordPendingCredit', data: { movement_id: 'p1', source: 'ACH_PULL', amount: { amountMinor: 100n, currency: 'EUR' } }, now })
      .thenThrows('ErrorInvalidField', 'currency_mismatch');
    spec.given([opened]).when(cmd.pending('p1', 0n)).thenThrows('ErrorInvalidField', 'not_positive');
  });
});

describe('Account decider (holds and outbound money)', () => {
  it('places a hold against available funds: available and pending fall, posted does not', () => {
    spec.given(funded).when(cmd.hold('o1', 4000n)).then([ev.held('o1', 4000n, balances(10000n, -4000n, 6000n))]);
  });

  it('refuses a hold beyond available funds with ErrorInsufficientFunds (HTTP 422), naming what is available', () => {
    const held = [...funded, ev.held('o1', 4000n, balances(10000n, -4000n, 6000n))];
    let error: unknown;
    try {
      thenDecided(held, cmd.hold('o2', 6001n));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({
      reason: 'ErrorInsufficientFunds',
      category: 'CategoryUnprocessable',
      details: [
        { key: 'issue', details: 'insufficient_funds' },
        { key: 'available', details: '60.00' },
      ],
    });
    // Exactly the available amount is fine.
    spec.given(held).when(cmd.hold('o2', 6000n)).then([ev.held('o2', 6000n, balances(10000n, -10000n, 0n))]);
  });

  it('never holds pending (unsettled) credits', () => {
    spec.given(funded.slice(0, 2)).when(cmd.hold('o1', 1n)).thenThrows('ErrorInsufficientFunds', 'insufficient_funds');
  });

  it('captures a hold as a posted debit, releases one back to available, and reverses a captured debit', () => {
    const held = [...funded, ev.held('o1', 4000n, balances(10000n, -4000n, 6000n))];
    spec.given(held).when(cmd.capture('o1')).then([ev.captured('o1', 4000n, balances(6000n, 0n, 6000n))]);
    spec
      .given(held)
      .when(cmd.release('o1'))
      .then([
        {
          type: 'AccountHoldReleased',
          data: { ...hold('o1', 4000n), outcome: 'FAILED', reason: { code: 'RAIL_REJECTED', description: 'rejected' }, balances: balances(10000n, 0n, 10000n) },
        },
      ]);
    const captured = [...held, ev.captured('o1', 4000n, balances(6000n, 0n, 6000n))];
    spec
      .given(captured)
      .when(cmd.reverseDebit('o1'))
      .then([{ type: 'AccountDebitReversed', data: { ...hold('o1', 4000n), reason: { code: 'R03', description: 'No account' }, balances: balances(10000n, 0n, 10000n) } }]);
  });

  it('captures first when a return arrives for a hold never captured', () => {
    const held = [...funded, ev.held('o1', 4000n, balances(10000n, -4000n, 6000n))];
    expect(thenDecided(held, cmd.reverseDebit('o1')).map((e) => e.type)).toEqual(['AccountHoldCaptured', 'AccountDebitReversed']);
  });

  it('treats repeats as no-ops and refuses contradictions', () => {
    const held = [...funded, ev.held('o1', 4000n, balances(10000n, -4000n, 6000n))];
    spec.given(held).when(cmd.hold('o1', 4000n)).then([]);
    spec.given(held).when(cmd.hold('o1', 5000n)).thenThrows('ErrorInvalidState', 'movement_amount_mismatch');
    const captured = [...held, ...thenDecided(held, cmd.capture('o1'))];
    spec.given(captured).when(cmd.capture('o1')).then([]);
    spec.given(captured).when(cmd.release('o1')).thenThrows('ErrorInvalidState', 'movement_state_conflict');
    const released = [...held, ...thenDecided(held, cmd.release('o1'))];
    spec.given(released).when(cmd.release('o1')).then([]);
    spec.given(released).when(cmd.capture('o1')).thenThrows('ErrorInvalidState', 'movement_state_conflict');
    spec.given(released).when(cmd.reverseDebit('o1')).thenThrows('ErrorInvalidState', 'movement_state_conflict');
    const reversed = [...captured, ...thenDecided(captured, cmd.reverseDebit('o1'))];
    spec.given(reversed).when(cmd.reverseDebit('o1')).then([]);
    spec.given(reversed).when(cmd.capture('o1')).then([]);
    spec.given(funded).when(cmd.capture('nope')).thenThrows('ErrorNotFound');
  });

  it('keeps available at or above zero through any sequence of holds', () => {
    let events = funded;
    let accepted = 0;
    for (let i = 0; i < 15; i++) {
      try {
        events = [...events, ...thenDecided(events, cmd.hold(`o${i}`, 1000n))];
        accepted++;
      } catch (error) {
        expect((error as DomainError).reason).toBe('ErrorInsufficientFunds');
      }
      expect(balancesAfter(events).availableMinor >= 0n).toBe(true);
    }
    expect(accepted).toBe(10);
    expect(balancesAfter(events)).toEqual({ postedMinor: 10000n, pendingMinor: -10000n, availableMinor: 0n });
  });
});
