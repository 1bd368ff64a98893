/**
 * ACH bank transfers funded from funding assets, end to end (issue 5): ops credits WUSD/WEUR, estimate over HTTP with
 * exact precise amounts, execute with the estimate, the worker's steps (asset captured = CryptoOut, Plaid ACH credit
 * through provider-sandbox = BankOut), the provider's signed webhook through real Kafka completing or failing it, asset
 * balances and the asset ledger exact to the smallest unit, `ledger verify` passing; a replay after the rate table
 * changed; every refusal appending nothing; every row of the seed's Validation Errors table with its exact JSON.
 */
import { Client } from 'pg';
import { Clock, customerDecider, customerStreamId, fold, transferDecider, TransferEvent, transferStreamId } from '@payments/domain';
import { CommandProcessor, EVENT_STORE, EventStore, newUuid } from '@payments/event-store';
import { verifyLedger } from '@payments/read-models';
import { FX_RATES } from '@payments/providers/nest/provider-tokens';
import { SandboxFxRates } from '@payments/providers';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';
import { abaRoutingNumber, usAccountNumber } from '../../../../test/support/recipient-numbers';
import { achAccountIdFor } from './transfer-support';

const WUSD = '0x0774164DC20524Bb239b39D1DC42573C3E4C6976';
const WEUR = '0x5c55F314624718019A326F16a62A05D6C6d8C8A2';
const VALIDATION = { category: 'CategoryValidationFailure', http_status_code: 400 };

interface Balance {
  token_symbol: string;
  balance: string;
  available: string;
  precise_balance: string;
  precise_held: string;
  precise_available: string;
}

/** A clock that follows real time, shifted on demand (to reach an estimate's expiry without waiting). */
class ShiftedClock implements Clock {
  offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
}

describe('ACH bank transfers: estimate → execute → CryptoOut → BankOut (HTTP, provider-sandbox, Kafka)', () => {
  let service: ServiceHarness;
  let db: Client;
  let pulls: AchPullDriver;
  let commands: CommandProcessor;
  const clock = new ShiftedClock();
  const userId = 'transfer-user';
  const noCapabilityUser = 'transfer-no-capability';
  const account = { number: '', routing: '' };

  const details = (over: Record<string, unknown> = {}) => ({
    account_id: achAccountIdFor(userId),
    recipient: { first_name: 'Alex', last_name: 'Grey' },
    recipient_account: {
      account_number: account.number,
      routing_number: account.routing,
      bank_name: 'Bank of America',
      legal_address: { line1: '123 Main Street', city: 'New York', state: 'NY', zip_code: '10001', country: 'US' },
    },
    reference: 'Invoice #12345',
    ...over,
  });
  const estimate = (body: Record<string, unknown>, user = userId) => service.request<Record<string, unknown>>('POST', '/api/v2/bank/transfer/estimate', { userId: user, body });
  const execute = (body: Record<string, unknown>, user = userId) => service.request<Record<string, unknown>>('POST', '/api/v1/bank/transfer', { userId: user, body });
  const activity = (id: string) => service.request<Record<string, unknown>>('GET', `/api/v1/bank/transfer/${id}`, { userId });
  const balances = async (user = userId) => (await service.request<{ ach_account_id: string; balances: Balance[] }>('GET', '/api/v2/balances', { userId: user })).body;
  const balanceOf = async (symbol: string) => (await balances()).balances.find((b) => b.token_symbol === symbol)!;
  const credit = (user: string, token: string, amount: string) =>
    service.request<Record<string, unknown>>('POST', `/ops/users/${user}/asset-balances/credit`, { key: service.opsKey, body: { credit_id: newUuid(), token_address: token, amount } });
  const eventCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;
  const activityBecomes = (id: string, status: string) =>
    service.eventually(async () => {
      const a = (await activity(id)).body;
      return a.status === status && a;
    }, 30_000);
  const providerTransferOf = (id: string) =>
    service.eventually(async () => {
      const { rows } = await db.query<{ provider_transfer_id: string }>("SELECT provider_transfer_id FROM provider_transfers WHERE kind = 'transfer' AND aggregate_id = $1", [id]);
      return rows[0]?.provider_transfer_id;
    }, 30_000);
  const ledgerVerifies = () =>
    service.eventually(async () => {
      const report = await verifyLedger(db);
      return report.ok && report;
    }, 20_000);
  const assetLedgerBalance = async (code: string) =>
    (await db.query<{ s: string }>("SELECT COALESCE(sum(CASE direction WHEN 'CREDIT' THEN amount ELSE -amount END), 0)::text AS s FROM asset_ledger_entries WHERE ledger_account = $1", [code])).rows[0].s;
  const register = async (user: string, first: string, last: string) => {
    expect((await service.request('POST', '/user/linked-bank-account/profile', { userId: user, body: { type: 'individual', first_name: first, last_name: last } })).status).toBe(201);
    expect((await service.request('PUT', `/ops/users/${user}/kyc`, { key: service.opsKey, body: { kyc_status: 'approved' } })).status).toBe(200);
  };

  beforeAll(async () => {
    service = await startService('transfers', { kafka: true, clock });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    commands = service.app.get(CommandProcessor);
    account.number = usAccountNumber();
    account.routing = abaRoutingNumber();
    await register(userId, 'Tess', 'Transfer');
    await register(noCapabilityUser, 'Nora', 'Nocap');
    // The ops endpoint for capabilities is another slice's: grant through the Customer aggregate.
    await commands.execute(customerStreamId(userId), customerDecider, { type: 'GrantCapability', data: { customer_id: userId, capability: 'AchOut3rdParty' }, now: commands.now() }, { correlationId: 'test', actor: 'test:ops' });
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    await service?.close();
  }, 180_000);

  it('credit 1,000 WUSD and 1,000 WEUR → estimate $500 → execute with WEUR → completed; balances and ledger exact; a replay after a rate change gives the same amounts', async () => {
    expect((await credit(userId, WUSD, '1000')).body).toMatchObject({ token_symbol: 'WUSD', precise_balance: '1000000000', precise_available: '1000000000' });
    expect((await credit(userId, WEUR, '1000')).body).toMatchObject({ token_symbol: 'WEUR', precise_balance: '1000000000000000000000' });
    expect((await balances()).ach_account_id).toMatch(/^[0-9a-f]{32}:[0-9a-f]{32}$/);

    const before = Math.floor(Date.now() / 1000);
    const est = await estimate({ ...details(), amount: 500.0 });
    expect(est.status).toBe(200);
    expect(est.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      expires_at: expect.any(Number),
      amount: 500,
      currency: 'USD',
      estimated_amounts: [
        { amount: 500, precise_amount: '500000000', token_address: WUSD, token_symbol: 'WUSD', rate: 1 },
        { amount: 460.85, precise_amount: '460850000000000000000', token_address: WEUR, token_symbol: 'WEUR', rate: 0.9217 },
      ],
    });
    expect(est.body.expires_at as number).toBeGreaterThanOrEqual(before + 299);
    expect(est.body.expires_at as number).toBeLessThanOrEqual(before + 301);
    // The numbers are sealed in the event: only their last 4 are readable.
    const stored = JSON.stringify((await db.query('SELECT data FROM events WHERE stream_id = $1', [transferStreamId(est.body.id as string)])).rows);
    expect(stored).not.toContain(account.number);
    expect(stored).toContain(account.number.slice(-4));

    const executed = await execute({ ...details(), token_address: WEUR, estimation_id: est.body.id });
    expect(executed.status).toBe(201);
    expect(executed.body).toEqual({ id: est.body.id });
    const id = executed.body.id as string;
    // Held at once (the worker may already have captured it: CryptoOut), so available is down either way.
    expect((await balanceOf('WEUR')).precise_available).toBe('539150000000000000000');

    const bankTransferId = await providerTransferOf(id);
    const sent = (await pulls.sandboxCall('/bank_transfer/get', { bank_transfer_id: bankTransferId })).bank_transfer as Record<string, unknown>;
    expect(sent).toMatchObject({ type: 'credit', amount: '500.00', iso_currency_code: 'USD', custom_tag: id });
    const pending = await activityBecomes(id, 'Pending');
    expect((pending.activity_steps as { type: string }[]).map((s) => s.type)).toEqual(expect.arrayContaining(['Initiated', 'CryptoOut']));

    await pulls.simulate(bankTransferId, 'posted');
    const done = await activityBecomes(id, 'Completed');
    expect(done).toEqual({
      id,
      type: 'AchPush',
      status: 'Completed',
      direction: 'Outbound',
      source: { type: 'Wallet', wallet: { account_id: achAccountIdFor(userId) } },
      destination: {
        type: 'AchBankAccount',
        bank_account: { account_number: `****${account.number.slice(-4)}`, routing_number: `****${account.routing.slice(-4)}`, owner_name: 'Alex Grey', is_business: false, bank_name: 'Bank of America' },
      },
      source_amount: { amount: 460.85, precise_amount: '460850000000000000000', token_symbol: 'WEUR', token_address: WEUR },
      destination_amount: { amount: 500, currency: 'USD' },
      operations: [
        { hash: null, operation_amount: { amount: -460.85, precise_amount: '-460850000000000000000', token_symbol: 'WEUR', token_address: WEUR }, rate: { ticker: 'USD/WEUR', rate: 0.9217 } },
      ],
      estimation_id: id,
      reference: 'Invoice #12345',
      created_at: expect.any(String),
      activity_steps: [
        { type: 'Initiated', status: 'Completed', created_at: expect.any(String), completed_at: expect.any(String) },
        { type: 'CryptoOut', status: 'Completed', created_at: expect.any(String), completed_at: expect.any(String) },
        { type: 'BankOut', status: 'Completed', created_at: expect.any(String), completed_at: expect.any(String) },
      ],
    });
    expect(JSON.stringify(done)).not.toContain(account.number);

    // Balances exact to the smallest unit: 1000 − 460.85 WEUR; WUSD untouched.
    expect(await balanceOf('WEUR')).toMatchObject({ balance: '539.15', precise_balance: '539150000000000000000', precise_held: '0', precise_available: '539150000000000000000' });
    expect(await balanceOf('WUSD')).toMatchObject({ precise_balance: '1000000000', precise_held: '0' });
    await ledgerVerifies();
    await service.eventually(async () => (await assetLedgerBalance(`asset:${userId}:WEUR:balance`)) === '539150000000000000000');
    expect(await assetLedgerBalance(`platform:asset_transfer_clearing:WEUR`)).toBe('460850000000000000000');

    // Replay: the rate table changes; folding the stream from the store gives the same amounts and rate.
    service.app.get<SandboxFxRates>(FX_RATES).setRatePerUsd('EUR', '0.5');
    try {
      const events = (await service.app.get<EventStore>(EVENT_STORE).readStream(transferStreamId(id))).map((e) => ({ type: e.type, data: e.data }) as unknown as TransferEvent);
      const replayed = fold(transferDecider, events);
      expect(replayed.status).toBe('COMPLETED');
      if (replayed.status === 'NONE') throw new Error('no transfer');
      expect(replayed.initiated?.quote).toMatchObject({ precise_amount: '460850000000000000000', rate: '0.9217', fx_quote: { base: 'USD', quote: 'EUR', rate: '0.9217' } });
      expect((await activity(id)).body.source_amount).toMatchObject({ precise_amount: '460850000000000000000' });
      // A new estimate uses the new rate: $500 at 0.5 = 250 WEUR.
      const fresh = await estimate({ ...details(), amount: 500, tokens: [WEUR] });
      expect(fresh.body.estimated_amounts).toEqual([{ amount: 250, precise_amount: '250000000000000000000', token_address: WEUR, token_symbol: 'WEUR', rate: 0.5 }]);
    } finally {
      service.app.get<SandboxFxRates>(FX_RATES).setRatePerUsd('EUR', '0.9217');
    }
  });

  it('a transfer the provider fails returns the asset: balance restored exactly', async () => {
    const before = await balanceOf('WUSD');
    const executed = await execute({ ...details(), token_address: WUSD, amount: '12.34' });
    expect(executed.status).toBe(201);
    const id = executed.body.id as string;
    await pulls.simulate(await providerTransferOf(id), 'failed', 'R03');
    const failed = await activityBecomes(id, 'Failed');
    expect(failed.failure_reason).toEqual({ code: 'R03', description: 'simulated R03' });
    expect((failed.activity_steps as { type: string; status: string }[]).at(-1)).toMatchObject({ type: 'BankOut', status: 'Failed' });
    const after = await service.eventually(async () => {
      const b = await balanceOf('WUSD');
      return b.precise_held === '0' && b;
    });
    expect(after.precise_balance).toBe(before.precise_balance);
    await ledgerVerifies();
  });

  describe('refusals append nothing', () => {
    let count: number;
    beforeEach(async () => {
      count = await eventCount();
    });
    afterEach(async () => {
      expect(await eventCount()).toBe(count);
    });

    it('both estimation_id and amount', async () => {
      const r = await execute({ ...details(), token_address: WUSD, amount: 10, estimation_id: newUuid() });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        error_reason: 'ErrorInvalidField',
        error_description: 'provide either amount or estimation_id, not both',
        error_category: VALIDATION,
        error_details: [
          { key: 'field', details: 'amount' },
          { key: 'issue', details: 'amount_and_estimation_id' },
        ],
      });
    });

    it('an expired estimate', async () => {
      const est = await estimate({ ...details(), amount: 10 });
      count = await eventCount();
      clock.offsetMs = 301_000;
      try {
        const r = await execute({ ...details(), token_address: WUSD, estimation_id: est.body.id });
        expect(r.status).toBe(400);
        expect(r.body).toMatchObject({ error_reason: 'ErrorInvalidField', error_category: VALIDATION, error_details: [{ key: 'field', details: 'estimation_id' }, { key: 'issue', details: 'estimate_expired' }] });
      } finally {
        clock.offsetMs = 0;
      }
    });

    it('a used estimate', async () => {
      const est = await estimate({ ...details(), amount: 10 });
      expect((await execute({ ...details(), token_address: WUSD, estimation_id: est.body.id })).status).toBe(201);
      count = await eventCount();
      const r = await execute({ ...details(), token_address: WUSD, estimation_id: est.body.id });
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        error_reason: 'ErrorInvalidField',
        error_description: 'this estimate was already used for a transfer; request a new estimate',
        error_category: VALIDATION,
        error_details: [
          { key: 'field', details: 'estimation_id' },
          { key: 'issue', details: 'estimate_already_used' },
        ],
      });
      // Settle it so the run's balances are final.
      await pulls.simulate(await providerTransferOf(est.body.id as string), 'posted');
      await activityBecomes(est.body.id as string, 'Completed');
      count = await eventCount();
    });

    it('insufficient asset balance: 422, nothing held', async () => {
      const r = await execute({ ...details(), token_address: WUSD, amount: 5000 });
      expect(r.status).toBe(422);
      expect(r.body).toMatchObject({ error_reason: 'ErrorInsufficientFunds', error_category: { category: 'CategoryUnprocessable', http_status_code: 422 } });
      expect((r.body.error_details as unknown[]).slice(0, 2)).toEqual([
        { key: 'field', details: 'token_address' },
        { key: 'issue', details: 'insufficient_balance' },
      ]);
    });

    it('a third-party recipient without AchOut3rdParty', async () => {
      const r = await execute({ ...details({ account_id: achAccountIdFor(noCapabilityUser) }), token_address: WUSD, amount: 10 }, noCapabilityUser);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({
        error_reason: 'ErrorNotSupported',
        error_description: 'capability AchOut3rdParty is not active for this transfer type',
        error_category: VALIDATION,
        error_details: [
          { key: 'field', details: 'recipient' },
          { key: 'issue', details: 'capability_not_active' },
          { key: 'capability', details: 'AchOut3rdParty' },
        ],
      });
    });
  });

  describe("the seed's Validation Errors table: exact JSON, nothing appended", () => {
    const error = (reason: string, description: string, field: string, issue: string) => ({
      error_reason: reason,
      error_description: description,
      error_category: VALIDATION,
      error_details: [
        { key: 'field', details: field },
        { key: 'issue', details: issue },
      ],
    });
    const withAccount = (change: Record<string, unknown>) => ({ recipient_account: { ...details().recipient_account, ...change } });
    const withAddress = (change: Record<string, unknown>) => withAccount({ legal_address: { ...details().recipient_account.legal_address, ...change } });
    const rows: [string, () => Record<string, unknown>, ReturnType<typeof error>][] = [
      ['ErrorMissingField account_id', () => ({ account_id: undefined }), error('ErrorMissingField', 'account id is required', 'account_id', 'required')],
      ['ErrorInvalidField account_id', () => ({ account_id: 'acct-1' }), error('ErrorInvalidField', 'account id must be {account_id}:{details_id}', 'account_id', 'invalid_format')],
      ['ErrorNotFound account_id', () => ({ account_id: achAccountIdFor('someone-else') }), error('ErrorNotFound', 'account not found', 'account_id', 'not_found')],
      ['ErrorMissingField recipient', () => ({ recipient: undefined }), error('ErrorMissingField', 'recipient details are required', 'recipient', 'required')],
      ['ErrorMissingField recipient_account.account_number', () => withAccount({ account_number: undefined }), error('ErrorMissingField', 'account number is required', 'recipient_account.account_number', 'required')],
      ['ErrorMissingField recipient_account.routing_number', () => withAccount({ routing_number: undefined }), error('ErrorMissingField', 'routing number is required', 'recipient_account.routing_number', 'required')],
      [
        'ErrorMissingField recipient_account.legal_address',
        () => withAccount({ legal_address: undefined }),
        error('ErrorMissingField', 'recipient account.legal address is required for ACH', 'recipient_account.legal_address', 'required_for_ach'),
      ],
      ['ErrorMissingField legal_address.state', () => withAddress({ state: undefined }), error('ErrorMissingField', 'state is required for US addresses', 'legal_address.state', 'required_for_us')],
      ['ErrorInvalidField recipient_account.account_number', () => withAccount({ account_number: '12ab' }), error('ErrorInvalidField', 'account number must be 4 to 17 digits', 'recipient_account.account_number', 'format')],
      ['ErrorInvalidField recipient_account.routing_number', () => withAccount({ routing_number: '02607' }), error('ErrorInvalidField', 'routing number must be exactly 9 digits', 'recipient_account.routing_number', 'format')],
    ];
    let count: number;
    beforeEach(async () => {
      count = await eventCount();
    });
    afterEach(async () => {
      expect(await eventCount()).toBe(count);
    });

    it.each(rows)('estimate: %s', async (_name, change, expected) => {
      const r = await estimate({ ...details(), amount: 10, ...change() });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(expected);
    });

    it.each(rows)('execute: %s', async (_name, change, expected) => {
      const r = await execute({ ...details(), token_address: WUSD, amount: 10, ...change() });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(expected);
    });

    it('execute: ErrorMissingField amount (neither amount nor estimation_id)', async () => {
      const r = await execute({ ...details(), token_address: WUSD });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(error('ErrorMissingField', 'amount or estimation_id is required', 'amount', 'amount_or_estimation_id_required'));
    });

    it('execute: ErrorInvalidField token_address', async () => {
      const r = await execute({ ...details(), token_address: '0x123', amount: 10 });
      expect(r.status).toBe(400);
      expect(r.body).toEqual(error('ErrorInvalidField', 'token address is invalid', 'token_address', 'invalid_format'));
    });

    it('estimate and execute: ErrorNotSupported recipient (capability not active)', async () => {
      const body = { ...details({ account_id: achAccountIdFor(noCapabilityUser) }), amount: 10 };
      for (const r of [await estimate(body, noCapabilityUser), await execute({ ...body, token_address: WUSD }, noCapabilityUser)]) {
        expect(r.status).toBe(400);
        expect(r.body).toMatchObject({ error_reason: 'ErrorNotSupported', error_category: VALIDATION, error_details: expect.arrayContaining([{ key: 'field', details: 'recipient' }]) });
      }
    });
  });
});
