/**
 * Cross-border remittance end to end: with REMITTANCE_ENABLED off every route answers 403 ErrorNotEnabled and nothing
 * is recorded; with it on, an NGN→PKR quote priced by the sandbox FX table (its whole FxQuote on the event), a start
 * that holds the NGN on the user's account at once, the worker submitting it to the provider-sandbox, and the outcome
 * capturing (settled) or releasing (failed) the hold; then the refusals (nothing appended, nothing held).
 */
import { Client, Pool } from 'pg';
import { accountDecider, AccountCurrency, accountStreamId, remittanceStreamId } from '@payments/domain';
import { CommandProcessor, EVENT_STORE, EventStore, newUuid } from '@payments/event-store';
import { PG_POOL, rebuildProjection, remittancesProjection, verifyLedger } from '@payments/read-models';
import { SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { RemittanceSubmissionProcessManager } from '../../../worker/src/submitting-remittances/remittance-submission.process-manager';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { remittanceAccountNumber } from '../../../../test/support/recipient-numbers';

interface ErrorBody {
  error_reason: string;
  error_description: string;
  error_category: { category: string; http_status_code: number };
  error_details: { key: string; details: string }[];
}
interface Remittance {
  uuid: string;
  quote_id: string;
  status: string;
  source_currency: string;
  target_currency: string;
  source_amount: string;
  target_amount: string;
  fixed_side: string;
  rate: string;
  rate_source: string;
  expires_at: string;
  created_at: string;
  beneficiary?: { first_name: string; last_name: string; country: string; account_number: string };
  recipient_uuid?: string;
  failure_reason?: { code: string; description: string } | null;
}
interface Balances {
  posted: string;
  pending: string;
  available: string;
}

async function eventCountOf(db: Client): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;
}

describe('remittance: off by default (REMITTANCE_ENABLED unset)', () => {
  let service: ServiceHarness;
  let db: Client;

  beforeAll(async () => {
    service = await startService('remittance-off', { kafka: false });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    await service.request('POST', '/user/linked-bank-account/profile', { userId: 'off-user', body: { type: 'individual', first_name: 'Off', last_name: 'User' } });
    await service.request('POST', '/user/accounts', { userId: 'off-user', body: { currency: 'NGN', account_type: 'checking' } });
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  it('answers 403 ErrorNotEnabled on quote, start and read, whatever the body, and records nothing', async () => {
    const before = await eventCountOf(db);
    const calls: [string, string, unknown][] = [
      ['POST', '/user/remittance/quote', { source_currency: 'NGN', target_currency: 'PKR', source_amount: '10000.00' }],
      ['POST', '/user/remittance/quote', { source_currency: 'XXX', nonsense: true }],
      ['POST', '/user/remittance/start', { quote_id: newUuid(), beneficiary: { first_name: 'A', last_name: 'K', country: 'PK', account_number: 'ABCDEFGH1234' } }],
      ['GET', `/user/remittance/${newUuid()}`, undefined],
    ];
    for (const [method, path, body] of calls) {
      const response = await service.request<ErrorBody>(method, path, { userId: 'off-user', body, headers: { 'idempotency-key': newUuid() } });
      expect(response.status).toBe(403);
      expect(response.body).toEqual({
        error_reason: 'ErrorNotEnabled',
        error_description: expect.stringContaining('not enabled'),
        error_category: { category: 'CategoryForbidden', http_status_code: 403 },
        error_details: [
          { key: 'feature', details: 'remittance' },
          { key: 'issue', details: 'not_enabled' },
        ],
      });
    }
    expect(await eventCountOf(db)).toBe(before);
    expect((await db.query("SELECT 1 FROM events WHERE stream_id LIKE 'remittance-%' OR type LIKE 'Remittance%'")).rowCount).toBe(0);
    expect((await db.query("SELECT 1 FROM events WHERE type = 'AccountHoldPlaced'")).rowCount).toBe(0);
    // Authentication still comes first.
    expect((await service.request('POST', '/user/remittance/quote', { key: null, userId: 'off-user', body: {} })).status).toBe(401);
  });
});

describe('remittance: on (REMITTANCE_ENABLED=true), NGN→PKR', () => {
  let service: ServiceHarness;
  let db: Client;
  let commands: CommandProcessor;
  const user = 'remit-user';

  const quote = (body: Record<string, unknown>, userId = user) => service.request<Remittance & ErrorBody>('POST', '/user/remittance/quote', { userId, body });
  const start = (body: Record<string, unknown>, userId = user) => service.request<Remittance & ErrorBody>('POST', '/user/remittance/start', { userId, body });
  const eventCount = () => eventCountOf(db);
  const streamTypes = async (streamId: string) =>
    (await db.query<{ type: string }>('SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_revision', [streamId])).rows.map((r) => r.type);
  const balancesOf = async (userId: string, currency: string): Promise<Balances | undefined> =>
    (await service.request<{ currency: string; balances: Balances }[]>('GET', '/user/accounts', { userId })).body.find((a) => a.currency === currency)?.balances;
  const balancesBecome = (userId: string, currency: string, expected: Partial<Balances>) =>
    service.eventually(async () => {
      const b = await balancesOf(userId, currency);
      return b !== undefined && Object.entries(expected).every(([k, v]) => b[k as keyof Balances] === v) && b;
    }, 20_000);
  const beneficiary = () => ({ first_name: 'Ayesha', last_name: 'Khan', country: 'PK', account_number: remittanceAccountNumber() });
  /** TEST-ONLY funding, as in the payouts e2e: a credit posted straight through the Account aggregate (NGN has no inbound rail). */
  const fundDirectly = async (userId: string, currency: AccountCurrency, amountMinor: bigint) => {
    await service.request('POST', '/user/accounts', { userId, body: { currency, account_type: 'checking' } });
    await commands.execute(
      accountStreamId(userId, currency),
      accountDecider,
      { type: 'PostCredit', data: { movement_id: newUuid(), source: 'ACH_PULL', amount: { amountMinor, currency } }, now: commands.now() },
      { correlationId: 'test-funding', actor: 'test:funding' },
    );
  };

  beforeAll(async () => {
    service = await startService('remittance-on', { kafka: false, env: { REMITTANCE_ENABLED: 'true' } });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    commands = service.app.get(CommandProcessor);
    await service.request('POST', '/user/linked-bank-account/profile', { userId: user, body: { type: 'individual', first_name: 'Remit', last_name: 'Sender' } });
    await fundDirectly(user, 'NGN', 2_000_000n); // NGN 20,000.00
    await balancesBecome(user, 'NGN', { available: '20000.00' });
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  let quoteId: string;

  it('quotes NGN 10,000.00 → PKR at the sandbox cross rate, exact, and records the whole FX quote', async () => {
    const response = await quote({ source_currency: 'NGN', target_currency: 'PKR', source_amount: '10000.00' });
    expect(response.status).toBe(201);
    // Sandbox table: 1550 NGN and 278.5 PKR per USD → 278.5 / 1550 = 0.1796774193548… → 0.1796774194 (10 decimals, half-even).
    expect(response.body).toMatchObject({
      status: 'QUOTED',
      source_currency: 'NGN',
      target_currency: 'PKR',
      source_amount: '10000.00',
      target_amount: '1796.77', // 1,796.774194 rounded down
      fixed_side: 'source',
      rate: '0.1796774194',
      rate_source: 'sandbox',
    });
    quoteId = response.body.quote_id;
    expect(response.body.uuid).toBe(quoteId);
    const ttl = Date.parse(response.body.expires_at) - Date.parse(response.body.created_at);
    expect(ttl).toBe(5 * 60_000);
    const { rows } = await db.query<{ type: string; data: { fx: unknown; target_amount_minor: string } }>('SELECT type, data FROM events WHERE stream_id = $1', [remittanceStreamId(quoteId)]);
    expect(rows).toEqual([
      { type: 'RemittanceQuoted', data: expect.objectContaining({ target_amount_minor: '179677', fx: { base: 'NGN', quote: 'PKR', rate: '0.1796774194', as_of: expect.any(String), source: 'sandbox' } }) },
    ]);
    // A quote holds nothing.
    expect(await balancesOf(user, 'NGN')).toMatchObject({ available: '20000.00' });
  });

  it('quotes a fixed target amount by rounding the source amount up', async () => {
    const response = await quote({ source_currency: 'NGN', target_currency: 'PKR', target_amount: 1000 });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ fixed_side: 'target', target_amount: '1000.00', source_amount: '5565.53' }); // 5,565.5296… up
  });

  it('a later rate change (ops FX table) prices new quotes only: the stored quote keeps its amounts', async () => {
    const changed = await service.request('PUT', '/ops/sandbox/fx-rates/PKR', { key: service.opsKey, body: { rate_per_usd: '310' } });
    expect(changed.status).toBe(200);
    const fresh = await quote({ source_currency: 'NGN', target_currency: 'PKR', source_amount: '10000.00' });
    expect(fresh.body).toMatchObject({ rate: '0.2', target_amount: '2000.00' }); // 310 / 1550
    await service.request('PUT', '/ops/sandbox/fx-rates/PKR', { key: service.opsKey, body: { rate_per_usd: '278.5' } });
    const stored = await service.eventually(async () => {
      const r = await service.request<Remittance>('GET', `/user/remittance/${quoteId}`, { userId: user });
      return r.status === 200 && r.body;
    });
    expect(stored).toMatchObject({ status: 'QUOTED', rate: '0.1796774194', target_amount: '1796.77' });
  });

  it('starts the quote: holds NGN 10,000.00 at once, records the start with the beneficiary sealed (last four shown); a repeat changes nothing', async () => {
    const to = beneficiary();
    const response = await start({ quote_id: quoteId, beneficiary: to });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      uuid: quoteId,
      status: 'PENDING',
      source_amount: '10000.00',
      target_amount: '1796.77',
      beneficiary: { first_name: 'Ayesha', last_name: 'Khan', country: 'PK', account_number: `****${to.account_number.slice(-4)}` },
    });
    expect(JSON.stringify(response.body)).not.toContain(to.account_number);
    expect(await streamTypes(remittanceStreamId(quoteId))).toEqual(expect.arrayContaining(['RemittanceQuoted', 'RemittanceStarted']));
    const { rows } = await db.query<{ data: { movement_id: string; purpose: string; amount_minor: string } }>(
      "SELECT data FROM events WHERE stream_id = $1 AND type = 'AccountHoldPlaced'",
      [accountStreamId(user, 'NGN')],
    );
    expect(rows.map((r) => r.data)).toEqual([expect.objectContaining({ movement_id: quoteId, purpose: 'REMITTANCE', amount_minor: '1000000' })]);
    await balancesBecome(user, 'NGN', { posted: '20000.00', available: '10000.00' });

    // The worker's submission appends RemittanceSubmitted on its own time: let it land so the count below measures the repeat alone.
    await service.eventually(async () => (await streamTypes(remittanceStreamId(quoteId))).includes('RemittanceSubmitted'), 20_000);
    const before = await eventCount();
    const again = await start({ quote_id: quoteId, beneficiary: to });
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ uuid: quoteId, beneficiary: { account_number: `****${to.account_number.slice(-4)}` } });
    expect(await eventCount()).toBe(before);
  });

  const remittanceBecomes = (uuid: string, status: string) =>
    service.eventually(async () => {
      const r = (await service.request<Remittance>('GET', `/user/remittance/${uuid}`, { userId: user })).body;
      return r.status === status && r;
    }, 20_000);
  const providerIdOf = (uuid: string) =>
    service.eventually(async () => {
      const { rows } = await db.query<{ provider_remittance_id: string | null }>('SELECT provider_remittance_id FROM remittances WHERE remittance_id = $1', [uuid]);
      return rows[0]?.provider_remittance_id ?? undefined;
    }, 20_000);
  const simulate = async (remittanceId: string, body: Record<string, unknown>) => {
    const response = await fetch(`${service.sandboxUrl}/sandbox/payment_rails/remittance/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: SANDBOX_PLAID_CREDENTIALS.clientId, secret: SANDBOX_PLAID_CREDENTIALS.secret, remittance_id: remittanceId, ...body }),
    });
    expect(response.status).toBe(200);
  };
  const poll = () => service.app.get(RemittanceSubmissionProcessManager).pollOutcomes();

  it('the worker submits it to the provider-sandbox; settled there, it settles here and the hold is captured', async () => {
    const submitted = await remittanceBecomes(quoteId, 'SUBMITTED');
    expect(submitted).toMatchObject({ source_amount: '10000.00', target_amount: '1796.77', rate: '0.1796774194' });
    const providerId = await providerIdOf(quoteId);
    const atProvider = await fetch(`${service.sandboxUrl}/payment_rails/remittance/get`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: SANDBOX_PLAID_CREDENTIALS.clientId, secret: SANDBOX_PLAID_CREDENTIALS.secret, remittance_id: providerId }),
    }).then((r) => r.json() as Promise<{ remittance: Record<string, unknown> }>);
    expect(atProvider.remittance).toMatchObject({ status: 'pending', source_currency: 'NGN', source_amount: '10000.00', target_currency: 'PKR', target_amount: '1796.77', rate: '0.1796774194' });

    expect((await poll()).settled).toEqual([]); // still pending at the provider
    await simulate(providerId, { event_type: 'settled' });
    await poll(); // (the worker's own 5 s timer may get there first: the status is what counts)
    const settled = await remittanceBecomes(quoteId, 'SETTLED');
    expect(settled.failure_reason).toBeNull();
    await balancesBecome(user, 'NGN', { posted: '10000.00', available: '10000.00', pending: '0.00' });
    expect(await streamTypes(remittanceStreamId(quoteId))).toEqual(['RemittanceQuoted', 'RemittanceStarted', 'RemittanceSubmitted', 'RemittanceSettled']);
    const before = await eventCount();
    await poll(); // nothing left to poll; a settled remittance is not polled again
    expect(await eventCount()).toBe(before);
  });

  it('a remittance the provider fails is FAILED here with its reason, and the hold is released', async () => {
    const quoted = await quote({ source_currency: 'NGN', target_currency: 'PKR', target_amount: '500.00' });
    expect(quoted.status).toBe(201);
    const id = quoted.body.quote_id;
    const started = await start({ quote_id: id, beneficiary: beneficiary() });
    expect(started.status).toBe(201);
    expect(quoted.body.source_amount).toBe('2782.77'); // 500 / 0.1796774194 = 2,782.7648… rounded up
    await balancesBecome(user, 'NGN', { posted: '10000.00', available: '7217.23' });
    await remittanceBecomes(id, 'SUBMITTED');
    await simulate(await providerIdOf(id), { event_type: 'failed', failure_reason: { code: 'AC01' } });
    await poll();
    const failed = await remittanceBecomes(id, 'FAILED');
    expect(failed.failure_reason).toEqual({ code: 'AC01', description: 'Incorrect account number' });
    await balancesBecome(user, 'NGN', { posted: '10000.00', available: '10000.00' });
  });

  describe('refusals record nothing and hold nothing', () => {
    let before: number;
    let holds: number;
    const holdCount = async () => (await db.query("SELECT 1 FROM events WHERE type = 'AccountHoldPlaced'")).rowCount ?? 0;
    beforeEach(async () => {
      before = await eventCount();
      holds = await holdCount();
    });
    afterEach(async () => {
      expect(await holdCount()).toBe(holds);
      expect(await eventCount()).toBe(before);
    });
    const expectError = (response: { status: number; body: ErrorBody }, status: number, reason: string, details: { key: string; details: string }[]) => {
      expect(response.status).toBe(status);
      expect(response.body).toMatchObject({ error_reason: reason, error_category: { http_status_code: status }, error_details: details });
    };
    const field = (name: string, issue: string) => [
      { key: 'field', details: name },
      { key: 'issue', details: issue },
    ];

    it('bad quotes: same currency, unknown currency, no amount, both amounts, too many decimals, an amount that converts to nothing', async () => {
      expectError(await quote({ source_currency: 'NGN', target_currency: 'NGN', source_amount: '1.00' }), 400, 'ErrorInvalidField', field('target_currency', 'same_currency'));
      expectError(await quote({ source_currency: 'NGN', target_currency: 'XAU', source_amount: '1.00' }), 400, 'ErrorInvalidField', field('target_currency', 'unsupported_currency'));
      expectError(await quote({ source_currency: 'NGN', target_currency: 'PKR' }), 400, 'ErrorMissingField', field('source_amount', 'source_amount_or_target_amount_required'));
      expectError(await quote({ source_currency: 'NGN', target_currency: 'PKR', source_amount: '1', target_amount: '1' }), 400, 'ErrorInvalidField', field('target_amount', 'conflicts_with_source_amount'));
      expectError(await quote({ source_currency: 'USD', target_currency: 'JPY', target_amount: '10.5' }), 400, 'ErrorInvalidField', field('target_amount', 'too_many_decimals'));
      expectError(await quote({ source_currency: 'NGN', target_currency: 'PKR', source_amount: '0.01' }), 400, 'ErrorInvalidField', field('source_amount', 'too_small'));
      expectError(await quote({ source_currency: 'NGN', target_currency: 'PKR', source_amount: '10', extra: 1 }), 400, 'ErrorUnknownField', field('extra', 'not_allowed'));
    });

    it('bad starts: unknown or foreign quote, insufficient funds, a source currency without an account, the wrong kind of destination', async () => {
      expectError(await start({ quote_id: newUuid(), beneficiary: beneficiary() }), 404, 'ErrorNotFound', [{ key: 'field', details: 'quote_id' }]);
      expectError(await start({ quote_id: quoteId, beneficiary: beneficiary() }, 'intruder'), 404, 'ErrorNotFound', [{ key: 'field', details: 'quote_id' }]);

      const big = (await quote({ source_currency: 'NGN', target_currency: 'PKR', source_amount: '15000.00' })).body.quote_id;
      const noAccount = (await quote({ source_currency: 'GBP', target_currency: 'PKR', source_amount: '10.00' })).body.quote_id;
      const exotic = (await quote({ source_currency: 'INR', target_currency: 'PKR', source_amount: '10.00' })).body.quote_id;
      const toNgn = (await quote({ source_currency: 'GBP', target_currency: 'NGN', source_amount: '10.00' })).body.quote_id;
      before = await eventCount(); // the quotes above are recorded; the starts below must not add anything

      expectError(await start({ quote_id: big, beneficiary: beneficiary() }), 422, 'ErrorInsufficientFunds', [
        { key: 'issue', details: 'insufficient_funds' },
        { key: 'available', details: '10000.00' },
      ]);
      expectError(await start({ quote_id: noAccount, beneficiary: beneficiary() }), 422, 'ErrorNotEligible', [{ key: 'issue', details: 'no_account_in_currency' }]);
      expectError(await start({ quote_id: exotic, beneficiary: beneficiary() }), 422, 'ErrorNotEligible', [{ key: 'issue', details: 'no_account_in_currency' }]);
      expectError(await start({ quote_id: big, recipient_uuid: newUuid() }), 400, 'ErrorInvalidField', field('recipient_uuid', 'no_recipient_rail'));
      expectError(await start({ quote_id: big }), 400, 'ErrorMissingField', field('beneficiary', 'required_for_pkr'));
      expectError(await start({ quote_id: toNgn, beneficiary: beneficiary() }), 400, 'ErrorInvalidField', field('beneficiary', 'use_recipient_uuid'));
      expectError(await start({ quote_id: toNgn, recipient_uuid: newUuid() }), 404, 'ErrorNotFound', [{ key: 'field', details: 'recipient_uuid' }]);
      expectError(await start({ quote_id: big, beneficiary: { ...beneficiary(), account_number: '12-34' } }), 400, 'ErrorInvalidField', field('beneficiary.account_number', 'format'));
      expectError(await start({ quote_id: 'not-a-uuid', beneficiary: beneficiary() }), 400, 'ErrorInvalidField', field('quote_id', 'is_uuid'));
    });
  });

  it('rebuilt from position 0 the remittances read model equals the live one', async () => {
    const rows = async () => (await db.query('SELECT * FROM remittances ORDER BY remittance_id')).rows;
    await remittanceBecomes(quoteId, 'SETTLED');
    const live = await rows();
    expect(live.length).toBeGreaterThan(3);
    await rebuildProjection(service.app.get<EventStore>(EVENT_STORE), service.app.get<Pool>(PG_POOL), remittancesProjection);
    expect(await rows()).toEqual(live);
  });

  it('the ledger still balances', async () => {
    await service.eventually(async () => {
      const report = await verifyLedger(db);
      return report.ok && report;
    }, 20_000);
  });
});
