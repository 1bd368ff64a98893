/**
 * The ledger and account-balances projections over real Postgres, fed by the Account aggregate through
 * CommandProcessor: every money event becomes one balanced ledger transaction, balances equal the entries, applying
 * an event again changes nothing, and a rebuild from position 0 equals the live tables.
 */
import { Pool } from 'pg';
import { AccountCommand, accountDecider, accountStreamId, FixedClock } from '@payments/domain';
import { CommandProcessor, PostgresEventStore, RecordedEvent } from '@payments/event-store';
import { createIsolatedDatabase } from '../../../../test/support/database';
import { accountsProjection, listAccounts } from '../accounts/accounts.projection';
import { accountBalancesProjection } from '../account-balances/account-balances.projection';
import { applyEvent, ProjectionRunner, rebuildProjection } from '../projections/projection-runner';
import { findLedgerTransaction, ledgerProjection, listLedgerTransactions } from './ledger.projection';
import { verifyLedger } from './verify-ledger';

describe('ledger and account-balances projections', () => {
  let pool: Pool;
  let store: PostgresEventStore;
  let runner: ProjectionRunner;
  let commands: CommandProcessor;
  const clock = new FixedClock(new Date('2026-03-02T09:00:00Z'));
  const projections = [accountsProjection, accountBalancesProjection, ledgerProjection];
  const usd = (amountMinor: bigint) => ({ amountMinor, currency: 'USD' as const });
  const reason = { code: 'R01', description: 'Insufficient funds' };

  async function run(userId: string, ...steps: Omit<AccountCommand, 'now'>[]): Promise<void> {
    for (const step of steps) {
      await commands.execute(accountStreamId(userId, 'USD'), accountDecider, { ...step, now: clock.now() } as AccountCommand, { correlationId: 'c', actor: 'test' });
      clock.advance(1000);
    }
  }
  const openAccount = (userId: string): Omit<AccountCommand, 'now'> => ({
    type: 'OpenAccount',
    data: { account_id: accountUuid(userId), user_id: userId, currency: 'USD', account_type: 'checking', customer: { exists: true, type: 'individual', userStatus: 'FULL_USER' } },
  });
  const accountUuid = (userId: string) => (userId === 'alice' ? '00000000-0000-4000-8000-00000000a11c' : '00000000-0000-4000-8000-000000000b0b');

  const snapshot = async () => ({
    transactions: (await pool.query('SELECT * FROM ledger_transactions ORDER BY transaction_id')).rows,
    entries: (await pool.query('SELECT * FROM ledger_entries ORDER BY transaction_id, entry_no')).rows,
    ledgerAccounts: (await pool.query('SELECT * FROM ledger_accounts ORDER BY code')).rows,
    balances: (await pool.query('SELECT * FROM account_balances ORDER BY account_uuid')).rows,
  });
  async function eventually(check: () => Promise<boolean>): Promise<void> {
    for (let tries = 0; !(await check()); tries++) {
      if (tries > 200) throw new Error('condition not met');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const accountEvents = async (): Promise<RecordedEvent[]> => (await store.readAll({ fromPosition: { commit: -1n, prepare: -1n }, limit: 10_000 })).filter((e) => e.streamId.startsWith('account-'));

  beforeAll(async () => {
    pool = new Pool({ connectionString: await createIsolatedDatabase('ledger-projection'), max: 10 });
    store = new PostgresEventStore({ pool, pollIntervalMs: 100 });
    await store.ensureSchema();
    commands = new CommandProcessor(store, clock);
    runner = new ProjectionRunner(store, pool, projections, { retryDelayMs: 100 });
    await runner.start();

    // Alice: $100 pulled and settled, a $25 pull that fails, a $40 payout settled, a $10 payout that fails,
    // the $40 payout returned, then the $100 pull returned after $30 more was paid out: posted goes to −30.00.
    await run(
      'alice',
      openAccount('alice'),
      { type: 'RecordPendingCredit', data: { movement_id: 'pull-1', source: 'ACH_PULL', amount: usd(10000n) } },
      { type: 'PostCredit', data: { movement_id: 'pull-1', source: 'ACH_PULL', amount: usd(10000n) } },
      { type: 'RecordPendingCredit', data: { movement_id: 'pull-2', source: 'ACH_PULL', amount: usd(2500n) } },
      { type: 'ReversePendingCredit', data: { movement_id: 'pull-2', outcome: 'FAILED', reason } },
      { type: 'PlaceHold', data: { movement_id: 'payout-1', purpose: 'PAYOUT', amount: usd(4000n) } },
      { type: 'CaptureHold', data: { movement_id: 'payout-1' } },
      { type: 'PlaceHold', data: { movement_id: 'payout-2', purpose: 'PAYOUT', amount: usd(1000n) } },
      { type: 'ReleaseHold', data: { movement_id: 'payout-2', outcome: 'FAILED', reason: { code: 'RAIL_REJECTED', description: 'rejected' } } },
      { type: 'ReverseDebit', data: { movement_id: 'payout-1', reason: { code: 'R03', description: 'No account' } } },
      { type: 'PlaceHold', data: { movement_id: 'payout-3', purpose: 'PAYOUT', amount: usd(3000n) } },
      { type: 'CaptureHold', data: { movement_id: 'payout-3' } },
      { type: 'ReverseCredit', data: { movement_id: 'pull-1', source: 'ACH_PULL', amount: usd(10000n), reason } },
    );
    // Bob: a pull still pending and a hold of part of a settled one.
    await run(
      'bob',
      openAccount('bob'),
      { type: 'PostCredit', data: { movement_id: 'pull-b1', source: 'ACH_PULL', amount: usd(5000n) } },
      { type: 'RecordPendingCredit', data: { movement_id: 'pull-b2', source: 'ACH_PULL', amount: usd(1500n) } },
      { type: 'PlaceHold', data: { movement_id: 'payout-b1', purpose: 'PAYOUT', amount: usd(2000n) } },
    );
    // The streams' own last events (readAll only returns what is below the safe high-water mark, which may lag).
    for (const userId of ['alice', 'bob']) {
      const last = (await store.readStream(accountStreamId(userId, 'USD'))).at(-1);
      if (last) await runner.waitFor(last.position);
    }
    await eventually(async () => (await accountEvents()).length === 18);
  });
  afterAll(async () => {
    await runner.stop();
    await store.close();
    await pool.end();
  });

  it('writes one ledger transaction per money event, each balanced per currency', async () => {
    const moneyEvents = (await accountEvents()).filter((e) => e.type !== 'AccountOpened');
    const { rows } = await pool.query<{ transaction_id: string; sum: string; n: string }>(
      `SELECT t.transaction_id, sum(CASE e.direction WHEN 'CREDIT' THEN e.amount_minor ELSE -e.amount_minor END) AS sum, count(*) AS n
         FROM ledger_transactions t JOIN ledger_entries e USING (transaction_id) GROUP BY t.transaction_id, e.currency`,
    );
    expect(rows.map((r) => r.transaction_id).sort()).toEqual(moneyEvents.map((e) => e.id).sort());
    for (const row of rows) {
      expect(row.sum).toBe('0');
      expect(Number(row.n)).toBeGreaterThanOrEqual(2);
    }
    const client = await pool.connect();
    const report = await verifyLedger(client).finally(() => client.release());
    expect(report).toMatchObject({ ok: true, transactions: moneyEvents.length, accounts: 2, unbalanced: [], mismatched: [] });
  });

  it('projects balances that equal the entries, flagging the overdrawn account', async () => {
    expect((await listAccounts(pool, 'alice'))[0].balances).toEqual({ posted: '-30.00', pending: '0.00', available: '-30.00', overdrawn: true });
    expect((await listAccounts(pool, 'bob'))[0].balances).toEqual({ posted: '50.00', pending: '-5.00', available: '30.00', overdrawn: false });
    const { rows } = await pool.query<{ code: string; balance: string }>(
      `SELECT ledger_account AS code, sum(CASE direction WHEN 'CREDIT' THEN amount_minor ELSE -amount_minor END) AS balance
         FROM ledger_entries GROUP BY ledger_account ORDER BY 1`,
    );
    const balance = Object.fromEntries(rows.map((r) => [r.code, r.balance]));
    expect(balance[`user:${accountUuid('bob')}:posted`]).toBe('5000');
    expect(balance[`user:${accountUuid('bob')}:pending`]).toBe('1500');
    expect(balance[`user:${accountUuid('bob')}:holds`]).toBe('-2000');
    // Platform side for both users: what settled at the provider, what is still on its way, what the rails are owed.
    expect(balance['platform:provider_clearing:USD']).toBe('-15000');
    expect(balance['platform:pending_inbound:USD']).toBe('-1500');
    expect(balance['platform:payout_clearing:USD']).toBe('5000');
    expect(balance['platform:returns_receivable:USD']).toBe('10000');
  });

  it('shows each user only their own transactions, newest first, in the seed\'s shape', async () => {
    const alice = await listLedgerTransactions(pool, 'alice', 50, 0);
    expect(alice).toHaveLength(12);
    expect(alice[0]).toEqual({
      transaction_id: expect.any(String),
      account_uuid: accountUuid('alice'),
      type: 'DEBIT',
      amount: '100.00',
      currency: 'USD',
      timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status: 'RETURNED',
      description: expect.stringContaining('(overdrawn)'),
    });
    expect(alice[alice.length - 1]).toMatchObject({ type: 'CREDIT', amount: '100.00', status: 'PENDING' });
    expect(alice.every((t) => t.account_uuid === accountUuid('alice'))).toBe(true);
    expect((await listLedgerTransactions(pool, 'alice', 2, 1)).map((t) => t.transaction_id)).toEqual(alice.slice(1, 3).map((t) => t.transaction_id));
    expect(await findLedgerTransaction(pool, 'alice', alice[0].transaction_id)).toEqual(alice[0]);
    expect(await findLedgerTransaction(pool, 'bob', alice[0].transaction_id)).toBeUndefined();
  });

  it('changes nothing when an event is applied again, through the runner or straight into the projection', async () => {
    const before = await snapshot();
    const events = await accountEvents();
    for (const event of events) {
      for (const projection of projections) expect(await applyEvent(pool, projection, event)).toBe(false);
    }
    const client = await pool.connect();
    try {
      for (const event of events) {
        if (event.type !== 'AccountOpened') await ledgerProjection.apply(client, event);
        await accountBalancesProjection.apply(client, event);
      }
    } finally {
      client.release();
    }
    expect(await snapshot()).toEqual(before);
  });

  it('rebuilds from position 0 to exactly the live tables', async () => {
    const live = await snapshot();
    await pool.query('DELETE FROM ledger_entries WHERE entry_no = 1');
    await pool.query('UPDATE account_balances SET posted_minor = 0');
    const ledger = await rebuildProjection(store, pool, ledgerProjection);
    const balances = await rebuildProjection(store, pool, accountBalancesProjection);
    expect(ledger.eventsApplied).toBe(live.transactions.length);
    expect(balances.eventsApplied).toBe(live.transactions.length + 2);
    expect(await snapshot()).toEqual(live);
  });
});
