import { Pool } from 'pg';
import { accountBalances, accountDecider, AccountCommand, accountStreamId, DomainError, FixedClock } from '@payments/domain';
import { createIsolatedDatabase } from '../../../../test/support/database';
import { PostgresEventStore } from '../postgres/postgres-event-store';
import { CommandProcessor } from './command-processor';

/**
 * The Account aggregate as the money consistency boundary under concurrency: many holds at once on one account,
 * through CommandProcessor over real Postgres. Two processors on one database stand for two API processes: within
 * each, commands on a stream queue; between them, the store's expected revision and the retry decide.
 */
describe('CommandProcessor: concurrent holds on one account (real Postgres)', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  let processors: CommandProcessor[];
  const clock = new FixedClock(new Date('2026-02-02T10:00:00Z'));
  const userId = 'hot-account-user';
  const stream = accountStreamId(userId, 'USD');
  const ctx = (seed?: string) => ({ correlationId: 'corr', actor: 'test', ...(seed ? { eventIdSeed: seed } : {}) });
  const usd = (amountMinor: bigint) => ({ amountMinor, currency: 'USD' as const });
  const command = (c: Omit<AccountCommand, 'now'>) => ({ ...c, now: clock.now() }) as AccountCommand;

  beforeAll(async () => {
    pool = new Pool({ connectionString: await createIsolatedDatabase('account-holds'), max: 20 });
    store = new PostgresEventStore({ pool });
    await store.ensureSchema();
    processors = [new CommandProcessor(store, clock), new CommandProcessor(store, clock)];
    const [first] = processors;
    await first.execute(
      stream,
      accountDecider,
      command({
        type: 'OpenAccount',
        data: { account_id: 'acc-hot', user_id: userId, currency: 'USD', account_type: 'checking', customer: { exists: true, type: 'individual', userStatus: 'FULL_USER' } },
      }),
      ctx(),
    );
    // $100.00 available: a settled pull.
    await first.execute(stream, accountDecider, command({ type: 'PostCredit', data: { movement_id: 'pull-1', source: 'ACH_PULL', amount: usd(10000n) } }), ctx());
  });
  afterAll(async () => {
    await store.close();
    await pool.end();
  });

  it('50 concurrent $10 holds against $100 available: exactly 10 held, 40 refused for insufficient funds, available never below zero', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        processors[i % 2].execute(
          stream,
          accountDecider,
          command({ type: 'PlaceHold', data: { movement_id: `payout-${i}`, purpose: 'PAYOUT', amount: usd(1000n) } }),
          ctx(`hold:payout-${i}`),
        ),
      ),
    );
    const held = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
    expect(held).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const { reason } of refused) {
      expect(reason).toBeInstanceOf(DomainError);
      expect((reason as DomainError).reason).toBe('ErrorInsufficientFunds');
    }

    // The stream itself: 10 holds, and no event anywhere in it reports a negative available balance.
    const history = await store.readStream(stream);
    expect(history.filter((e) => e.type === 'AccountHoldPlaced')).toHaveLength(10);
    for (const event of history.filter((e) => e.type.startsWith('AccountHold'))) {
      expect(BigInt((event.data as { balances: { available_minor: string } }).balances.available_minor) >= 0n).toBe(true);
    }
    const { state } = await processors[0].load(stream, accountDecider);
    if (state.status !== 'OPEN') throw new Error('account not open');
    expect(accountBalances(state)).toEqual({ postedMinor: 10000n, pendingMinor: -10000n, availableMinor: 0n });
  });

  it('repeating a hold (same movement id) holds nothing more, even when the seeded append is retried', async () => {
    const before = (await store.readStream(stream)).length;
    const accepted = await store.readStream(stream).then((events) => events.find((e) => e.type === 'AccountHoldPlaced'));
    const movementId = (accepted?.data as { movement_id: string }).movement_id;
    const again = await processors[1].execute(
      stream,
      accountDecider,
      command({ type: 'PlaceHold', data: { movement_id: movementId, purpose: 'PAYOUT', amount: usd(1000n) } }),
      ctx(`hold:${movementId}`),
    );
    expect(again.events.map((e) => e.type)).toEqual(['AccountHoldPlaced']);
    expect(again.replayed).toBe(true);
    const withoutSeed = await processors[0].execute(
      stream,
      accountDecider,
      command({ type: 'PlaceHold', data: { movement_id: movementId, purpose: 'PAYOUT', amount: usd(1000n) } }),
      ctx(),
    );
    expect(withoutSeed.events).toEqual([]);
    expect((await store.readStream(stream)).length).toBe(before);
  });

  it('loadBoth reads two streams in one snapshot, and peek then tells the state without reading (a hint only)', async () => {
    const [first, second] = processors;
    const other = accountStreamId('second-user', 'USD');
    await second.execute(
      other,
      accountDecider,
      command({
        type: 'OpenAccount',
        data: { account_id: 'acc-2', user_id: 'second-user', currency: 'USD', account_type: 'checking', customer: { exists: true, type: 'individual', userStatus: 'FULL_USER' } },
      }),
      ctx(),
    );
    const fresh = new CommandProcessor(store, clock);
    expect(fresh.peek(other, accountDecider)).toBeUndefined();
    const [hot, cold] = await fresh.loadBoth({ streamId: stream, decider: accountDecider }, { streamId: other, decider: accountDecider });
    expect(hot.state).toEqual((await first.load(stream, accountDecider)).state);
    expect(cold).toMatchObject({ revision: 0n, state: { status: 'OPEN' } });
    expect(fresh.peek(other, accountDecider)).toEqual(cold.state);
    // Another process changes the stream: peek is stale until the next read or command, which is why it is only a hint.
    await second.execute(other, accountDecider, command({ type: 'PostCredit', data: { movement_id: 'pull-2', source: 'ACH_PULL', amount: usd(500n) } }), ctx());
    expect(fresh.peek(other, accountDecider)).toEqual(cold.state);
    const held = await fresh.execute(other, accountDecider, command({ type: 'PlaceHold', data: { movement_id: 'hold-2', purpose: 'PAYOUT', amount: usd(500n) } }), ctx());
    // Decided on the current stream (the credit included), not on the stale peeked state, which had no funds.
    if (held.state.status !== 'OPEN') throw new Error('account not open');
    expect(accountBalances(held.state)).toEqual({ postedMinor: 500n, pendingMinor: -500n, availableMinor: 0n });
  });

  describe('commands that queue on one stream are appended together', () => {
    const open = async (processor: CommandProcessor, user: string, fundsMinor: bigint) => {
      const id = accountStreamId(user, 'USD');
      await processor.execute(
        id,
        accountDecider,
        command({
          type: 'OpenAccount',
          data: { account_id: `acc-${user}`, user_id: user, currency: 'USD', account_type: 'checking', customer: { exists: true, type: 'individual', userStatus: 'FULL_USER' } },
        }),
        ctx(),
      );
      await processor.execute(id, accountDecider, command({ type: 'PostCredit', data: { movement_id: `fund-${user}`, source: 'ACH_PULL', amount: usd(fundsMinor) } }), ctx());
      return id;
    };
    const countingAppends = () => {
      let appends = 0;
      const counted = Object.create(store) as PostgresEventStore;
      counted.appendToStream = (...args: Parameters<PostgresEventStore['appendToStream']>) => {
        appends++;
        return store.appendToStream(...args);
      };
      return { processor: new CommandProcessor(counted, clock), appends: () => appends };
    };
    const hold = (movement: string, minor: bigint) => command({ type: 'PlaceHold', data: { movement_id: movement, purpose: 'PAYOUT', amount: usd(minor) } });

    it('30 holds at once: far fewer appends than commands, each caller gets its own answer, refusals included', async () => {
      const { processor, appends } = countingAppends();
      const id = await open(processor, 'grouped-user', 2000n);
      const before = appends();
      const outcomes = await Promise.allSettled(Array.from({ length: 30 }, (_, i) => processor.execute(id, accountDecider, hold(`g-${i}`, 100n), ctx())));
      expect(appends() - before).toBeLessThanOrEqual(5);
      const held = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
      const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as DomainError] : []));
      expect(held).toHaveLength(20);
      expect(refused.map((e) => e.reason)).toEqual(Array(10).fill('ErrorInsufficientFunds'));
      // Each accepted caller: its own event, at the revision the stream holds it.
      const history = await store.readStream(id);
      for (const result of held) {
        const [event] = result.events as { type: string; data: { movement_id: string } }[];
        expect(history[Number(result.revision)]).toMatchObject({ type: 'AccountHoldPlaced', data: { movement_id: event.data.movement_id } });
      }
      expect(new Set(held.map((r) => r.revision)).size).toBe(20);
      const { state } = await processor.load(id, accountDecider);
      if (state.status !== 'OPEN') throw new Error('account not open');
      expect(accountBalances(state).availableMinor).toBe(0n);
    });

    it('the same seeded command twice in one group is appended once; the second caller gets the replay', async () => {
      const { processor } = countingAppends();
      const id = await open(processor, 'grouped-seeded', 5000n);
      const [first, second, other] = await Promise.all([
        processor.execute(id, accountDecider, hold('s-1', 100n), ctx('hold:s-1')),
        processor.execute(id, accountDecider, hold('s-1', 100n), ctx('hold:s-1')),
        processor.execute(id, accountDecider, hold('s-2', 100n), ctx('hold:s-2')),
      ]);
      expect([first.replayed, second.replayed, other.replayed]).toEqual([false, true, false]);
      expect(second.events).toEqual(first.events);
      expect((await store.readStream(id)).filter((e) => e.type === 'AccountHoldPlaced')).toHaveLength(2);
    });

    it('a group decided on a stale cache is decided again on the current stream, never wrongly', async () => {
      const [mine, elsewhere] = [new CommandProcessor(store, clock), new CommandProcessor(store, clock)];
      const id = await open(mine, 'grouped-stale', 1000n);
      // Another process holds $9 of the $10: this process's cache still says $10 available.
      await elsewhere.execute(id, accountDecider, hold('other-process', 900n), ctx());
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => mine.execute(id, accountDecider, hold(`stale-${i}`, 100n), ctx())));
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
      const { state } = await mine.load(id, accountDecider);
      if (state.status !== 'OPEN') throw new Error('account not open');
      expect(accountBalances(state).availableMinor).toBe(0n);
    });
  });
});
