/**
 * Balances and the transaction history end to end: ACH pulls over HTTP, the provider-sandbox over HTTP moving them
 * (posted, failed, reversed), signed webhooks through real Kafka, the process manager crediting the user's USD
 * account, the ledger and balance projections, and GET /user/accounts and /user/ledger/transactions over HTTP.
 */
import { Client } from 'pg';
import { verifyLedger } from '@payments/read-models';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';

interface AccountWithBalances {
  account_uuid: string;
  currency: string;
  account_type: string;
  balances: { posted: string; pending: string; available: string; overdrawn: boolean };
}
interface LedgerTransaction {
  transaction_id: string;
  account_uuid: string;
  type: 'CREDIT' | 'DEBIT';
  amount: string;
  currency: string;
  timestamp: string;
  status: string;
  description: string;
}

describe('balances and ledger transactions from ACH pulls (HTTP, provider-sandbox, Kafka)', () => {
  let service: ServiceHarness;
  let db: Client;
  let pulls: AchPullDriver;
  const userId = 'ledger-user';
  const otherUser = 'ledger-other-user';

  const accounts = async (user = userId) => (await service.request<AccountWithBalances[]>('GET', '/user/accounts', { userId: user })).body;
  const history = async (user = userId, query = '') => {
    const response = await service.request<LedgerTransaction[]>('GET', `/user/ledger/transactions${query}`, { userId: user });
    expect(response.status).toBe(200);
    return response.body;
  };
  /** Waits until the user's USD account shows these balances. */
  const balancesBecome = (balances: Partial<AccountWithBalances['balances']>) =>
    service.eventually(async () => {
      const usd = (await accounts()).find((a) => a.currency === 'USD');
      return usd !== undefined && Object.entries(balances).every(([key, value]) => usd.balances[key as keyof typeof balances] === value) && usd;
    }, 20_000);
  const historyLength = (n: number) => service.eventually(async () => ((await history()).length === n ? history() : undefined), 20_000);

  beforeAll(async () => {
    service = await startService('ledger', { kafka: true });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    await pulls.linkBankAccount(userId);
    await service.request('POST', '/user/linked-bank-account/profile', { userId: otherUser, body: { type: 'individual', first_name: 'Oth', last_name: 'Er' } });
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  it('a $100 pull: pending 100.00 while in flight, then available 100.00 and the deposit in the history once it settles', async () => {
    expect(await accounts()).toEqual([]);
    const pull = await pulls.pendingPull(userId, '100.00');

    // The user had no USD account: the first pull opened one (checking) and shows the money on its way.
    const inFlight = await balancesBecome({ pending: '100.00' });
    expect(inFlight).toMatchObject({ currency: 'USD', account_type: 'checking', balances: { posted: '0.00', pending: '100.00', available: '0.00', overdrawn: false } });

    await pulls.simulate(pull.transferId, 'posted');
    await pulls.waitForStatus(userId, pull.uuid, 'SETTLED');
    const settled = await balancesBecome({ available: '100.00' });
    expect(settled.balances).toEqual({ posted: '100.00', pending: '0.00', available: '100.00', overdrawn: false });

    const transactions = await historyLength(2);
    expect(transactions).toEqual([
      {
        transaction_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        account_uuid: settled.account_uuid,
        type: 'CREDIT',
        amount: '100.00',
        currency: 'USD',
        timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        status: 'COMPLETED',
        description: 'ACH deposit from linked bank account',
      },
      expect.objectContaining({ type: 'CREDIT', amount: '100.00', status: 'PENDING', account_uuid: settled.account_uuid }),
    ]);

    const one = await service.request<LedgerTransaction>('GET', `/user/ledger/transactions/${transactions[0].transaction_id}`, { userId });
    expect(one.status).toBe(200);
    expect(one.body).toEqual(transactions[0]);

    // Another user sees none of it.
    const foreign = await service.request('GET', `/user/ledger/transactions/${transactions[0].transaction_id}`, { userId: otherUser });
    expect(foreign.status).toBe(404);
    expect(foreign.body).toMatchObject({ error_reason: 'ErrorNotFound', error_category: { category: 'CategoryNotFound', http_status_code: 404 } });
    expect(await history(otherUser)).toEqual([]);
    expect(await accounts(otherUser)).toEqual([]);
  });

  it('a pull that fails: its pending credit is reversed, available is untouched, the failure is in the history', async () => {
    const pull = await pulls.pendingPull(userId, '25.00');
    await balancesBecome({ pending: '25.00' });
    await pulls.simulate(pull.transferId, 'failed', 'R01');
    await pulls.waitForStatus(userId, pull.uuid, 'FAILED');
    const after = await balancesBecome({ pending: '0.00' });
    expect(after.balances).toEqual({ posted: '100.00', pending: '0.00', available: '100.00', overdrawn: false });

    const [latest, pending] = await historyLength(4);
    expect(latest).toMatchObject({ type: 'DEBIT', amount: '25.00', currency: 'USD', status: 'FAILED', description: expect.stringContaining('R01') });
    expect(pending).toMatchObject({ type: 'CREDIT', amount: '25.00', status: 'PENDING' });
  });

  it('a pull returned after settlement: its amount leaves the posted and available balances again', async () => {
    const pull = await pulls.pendingPull(userId, '30.00');
    await pulls.simulate(pull.transferId, 'posted');
    await pulls.waitForStatus(userId, pull.uuid, 'SETTLED');
    await balancesBecome({ available: '130.00' });
    await pulls.simulate(pull.transferId, 'reversed', 'R01');
    await pulls.waitForStatus(userId, pull.uuid, 'RETURNED');
    const after = await balancesBecome({ available: '100.00' });
    expect(after.balances).toEqual({ posted: '100.00', pending: '0.00', available: '100.00', overdrawn: false });

    const transactions = await historyLength(7);
    expect(transactions.slice(0, 3).map((t) => [t.type, t.amount, t.status])).toEqual([
      ['DEBIT', '30.00', 'RETURNED'],
      ['CREDIT', '30.00', 'COMPLETED'],
      ['CREDIT', '30.00', 'PENDING'],
    ]);
    expect(transactions[0].description).toContain('R01');
    expect((await history(userId, '?limit=2&offset=1')).map((t) => t.transaction_id)).toEqual(transactions.slice(1, 3).map((t) => t.transaction_id));
    const bad = await service.request('GET', '/user/ledger/transactions?limit=0', { userId });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ error_reason: 'ErrorInvalidField' });
  });

  it('leaves a ledger that verifies: every transaction balanced, every balance equal to its entries', async () => {
    const client = new Client({ connectionString: service.databaseUrl });
    await client.connect();
    try {
      const report = await verifyLedger(client);
      expect(report).toMatchObject({ ok: true, transactions: 7, accounts: 1, unbalanced: [], mismatched: [] });
    } finally {
      await client.end();
    }
  });
});
