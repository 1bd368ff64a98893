/**
 * The payment rails adapter against the provider-sandbox over real HTTP: payouts on SEPA, FPS and NGN created
 * idempotently and read back as our types (bigint amounts, our rail and status names, the settlement window), the
 * event feed paged with after_id where settled, failed and returned stay distinct, and every failure as a
 * ProviderError (provider refusals, bad credentials, an unreachable provider) without the secret in it.
 */
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FixedClock } from '@payments/domain';
import { createProviderSandboxApp } from '../../../../apps/provider-sandbox/src';
import { ProviderError } from '../provider-error';
import { CreateRailsPayoutInput, PaymentRailsHttpAdapter, ProviderPayoutEvent } from './payment-rails.adapter';

const CLIENT_ID = 'rails-adapter-client';
const SECRET = 'rails-adapter-secret-do-not-log';
// Friday 3 July 2026, 12:00 UTC: US Independence Day falls on the Saturday (the Fed stays open on the Friday), and
// the time is before SEPA's 15:00 Brussels cut-off.
const NOW = new Date('2026-07-03T12:00:00Z');

describe('PaymentRailsHttpAdapter against provider-sandbox', () => {
  let sandbox: NestFastifyApplication;
  let baseUrl: string;
  let adapter: PaymentRailsHttpAdapter;
  let keyCounter = 0;

  const sepa = (overrides: Partial<CreateRailsPayoutInput> = {}): CreateRailsPayoutInput => ({
    idempotencyKey: `payout-${++keyCounter}`,
    amountMinor: 2500n,
    currency: 'EUR',
    beneficiary: { rail: 'SEPA', name: 'Ada Lovelace', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPXXX' },
    reference: 'Invoice 7',
    ...overrides,
  });
  const fps = (overrides: Partial<CreateRailsPayoutInput> = {}): CreateRailsPayoutInput => ({
    idempotencyKey: `payout-${++keyCounter}`,
    amountMinor: 1050n,
    currency: 'GBP',
    beneficiary: { rail: 'FPS', name: 'Alan Turing', sortCode: '200000', accountNumber: '55779911' },
    ...overrides,
  });
  const ngn = (overrides: Partial<CreateRailsPayoutInput> = {}): CreateRailsPayoutInput => ({
    idempotencyKey: `payout-${++keyCounter}`,
    amountMinor: 1_500_000n,
    currency: 'NGN',
    // Bank 011, serial 000001457: weights 3,7,3,3,7,3,3,7,3,3,7,3 over 011000001457 sum to 81 -> check digit 10 - 1 = 9.
    beneficiary: { rail: 'NGN_LOCAL', name: 'Chinua Achebe', bankCode: '011', accountNumber: '0000014579' },
    ...overrides,
  });

  const simulate = async (payoutId: string, eventType: string, failureReason?: { code?: string; description?: string }) => {
    const response = await fetch(`${baseUrl}/sandbox/payment_rails/payout/simulate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'plaid-client-id': CLIENT_ID, 'plaid-secret': SECRET },
      body: JSON.stringify({ payout_id: payoutId, event_type: eventType, ...(failureReason ? { failure_reason: failureReason } : {}) }),
    });
    expect(response.status).toBe(200);
  };

  /** Every event after `afterId`, paging as a consumer would; returns them and the final cursor. */
  const syncAll = async (afterId: number): Promise<{ events: ProviderPayoutEvent[]; cursor: number }> => {
    const events: ProviderPayoutEvent[] = [];
    let cursor = afterId;
    for (;;) {
      const page = await adapter.syncEvents({ afterId: cursor, count: 2 });
      events.push(...page.events);
      cursor = page.nextAfterId;
      if (!page.mayHaveMore) return { events, cursor };
    }
  };

  const refusal = async (call: () => Promise<unknown>): Promise<ProviderError> => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    return error as ProviderError;
  };

  beforeAll(async () => {
    sandbox = await createProviderSandboxApp({ clientId: CLIENT_ID, secret: SECRET, clock: new FixedClock(NOW) });
    await sandbox.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
    adapter = new PaymentRailsHttpAdapter({ basePath: `${baseUrl}/`, clientId: CLIENT_ID, secret: SECRET });
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it('creates payouts on each rail and reads them back in our terms, with the window from the business-day calendar', async () => {
    const euro = await adapter.createPayout(sepa({ metadata: { payout_id: 'p-7' } }));
    expect(euro).toEqual({
      id: expect.any(String),
      rail: 'SEPA',
      status: 'PENDING',
      amountMinor: 2500n,
      currency: 'EUR',
      beneficiaryName: 'Ada Lovelace',
      accountMask: '2606',
      reference: 'Invoice 7',
      metadata: { payout_id: 'p-7' },
      createdAt: '2026-07-03T12:00:00.000Z',
      earliestSettlementDate: '2026-07-03',
      expectedSettlementDate: '2026-07-06',
      settledAt: null,
      failure: null,
    });
    expect(await adapter.createPayout(fps())).toMatchObject({
      rail: 'FPS',
      status: 'PENDING',
      amountMinor: 1050n,
      currency: 'GBP',
      accountMask: '9911',
      reference: null,
      metadata: null,
      earliestSettlementDate: '2026-07-03',
      expectedSettlementDate: '2026-07-03',
    });
    expect(await adapter.createPayout(ngn())).toMatchObject({ rail: 'NGN_LOCAL', amountMinor: 1_500_000n, currency: 'NGN', accountMask: '4579', expectedSettlementDate: '2026-07-03' });
    expect(await adapter.getPayout(euro.id)).toEqual(euro);
  });

  it('a retry with the same idempotency key returns the same payout; a changed request under it is refused', async () => {
    const input = fps();
    const first = await adapter.createPayout(input);
    const { cursor } = await syncAll(0);
    expect(await adapter.createPayout(input)).toEqual(first);
    expect((await syncAll(cursor)).events).toEqual([]);

    const changed = await refusal(() => adapter.createPayout({ ...input, amountMinor: 1051n }));
    expect(changed).toMatchObject({ code: 'INVALID_FIELD', type: 'INVALID_REQUEST', httpStatus: 400, retryable: false, message: expect.stringContaining('idempotency_key') });
    expect((await adapter.getPayout(first.id)).amountMinor).toBe(1050n);
  });

  it('syncs the event feed in order with after_id paging; settled, failed and returned stay distinct', async () => {
    const { cursor } = await syncAll(0);
    const returned = await adapter.createPayout(sepa());
    const failed = await adapter.createPayout(ngn());
    await simulate(returned.id, 'settled');
    await simulate(failed.id, 'failed', { code: 'AC01' });
    await simulate(returned.id, 'returned', { code: 'AC04', description: 'Account closed' });

    const first = await adapter.syncEvents({ afterId: cursor, count: 2 });
    expect(first.events.map((e) => e.eventId)).toEqual([cursor + 1, cursor + 2]);
    expect(first).toMatchObject({ nextAfterId: cursor + 2, mayHaveMore: true });

    const { events, cursor: end } = await syncAll(cursor);
    expect(end).toBe(cursor + 5);
    expect(events.map((e) => [e.payoutId, e.type, e.failure])).toEqual([
      [returned.id, 'PENDING', null],
      [failed.id, 'PENDING', null],
      [returned.id, 'SETTLED', null],
      [failed.id, 'FAILED', { code: 'AC01', description: 'Incorrect account number' }],
      [returned.id, 'RETURNED', { code: 'AC04', description: 'Account closed' }],
    ]);
    expect(events[0]).toEqual({
      eventId: cursor + 1,
      type: 'PENDING',
      payoutId: returned.id,
      rail: 'SEPA',
      amountMinor: 2500n,
      currency: 'EUR',
      occurredAt: '2026-07-03T12:00:00.000Z',
      failure: null,
    });
    expect(await adapter.getPayout(returned.id)).toMatchObject({ status: 'RETURNED', settledAt: '2026-07-03T12:00:00.000Z', failure: { code: 'AC04', description: 'Account closed' } });
    expect(await adapter.getPayout(failed.id)).toMatchObject({ status: 'FAILED', settledAt: null });
    expect(await adapter.syncEvents({ afterId: end })).toEqual({ events: [], nextAfterId: end, mayHaveMore: false });
  });

  it('refuses bad input before calling the provider, and surfaces provider refusals as ProviderErrors', async () => {
    const { cursor } = await syncAll(0);
    expect(await refusal(() => adapter.createPayout(sepa({ currency: 'GBP' })))).toMatchObject({ code: 'INVALID_PAYOUT_REQUEST', retryable: false });
    expect(await refusal(() => adapter.createPayout(sepa({ amountMinor: 0n })))).toMatchObject({ code: 'INVALID_PAYOUT_REQUEST' });
    expect(await refusal(() => adapter.createPayout(sepa({ idempotencyKey: 'k'.repeat(51) })))).toMatchObject({ code: 'INVALID_PAYOUT_REQUEST' });
    await expect(adapter.syncEvents({ afterId: -1 })).rejects.toThrow(RangeError);
    await expect(adapter.syncEvents({ afterId: 0, count: 26 })).rejects.toThrow(RangeError);

    const badIban = await refusal(() => adapter.createPayout(sepa({ beneficiary: { rail: 'SEPA', name: 'Ada Lovelace', iban: 'FR1420041010050500013M02607' } })));
    expect(badIban).toMatchObject({ code: 'INVALID_FIELD', httpStatus: 400, retryable: false, requestId: expect.any(String), message: expect.stringContaining('beneficiary.iban') });
    const badNuban = await refusal(() => adapter.createPayout(ngn({ beneficiary: { rail: 'NGN_LOCAL', name: 'Chinua Achebe', bankCode: '011', accountNumber: '0000014578' } })));
    expect(badNuban).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('NUBAN') });
    const longReference = await refusal(() => adapter.createPayout(fps({ reference: 'a reference too long' })));
    expect(longReference).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('reference') });
    expect(await refusal(() => adapter.getPayout('no-such-payout'))).toMatchObject({ code: 'PAYOUT_NOT_FOUND', type: 'INVALID_INPUT', httpStatus: 400 });

    expect((await syncAll(cursor)).events).toEqual([]);
  });

  it('wrong credentials and an unreachable provider are ProviderErrors that never carry the secret', async () => {
    const wrong = new PaymentRailsHttpAdapter({ basePath: baseUrl, clientId: CLIENT_ID, secret: 'not-the-secret-value' });
    const refused = await refusal(() => wrong.createPayout(fps()));
    expect(refused).toMatchObject({ code: 'INVALID_API_KEYS', httpStatus: 400, retryable: false });

    // A port that was just free: nothing listens there.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const nowhere = new PaymentRailsHttpAdapter({ basePath: `http://127.0.0.1:${port}`, clientId: CLIENT_ID, secret: SECRET });
    const unreachable = await refusal(() => nowhere.getPayout('any'));
    expect(unreachable).toMatchObject({ code: 'PROVIDER_UNREACHABLE', httpStatus: 503, retryable: true });
    for (const error of [refused, unreachable]) {
      expect(`${error.message} ${JSON.stringify(error)} ${error.stack}`).not.toContain(SECRET);
      expect(JSON.stringify(error)).not.toContain('not-the-secret-value');
    }
  });

  it('a provider answer that is not the documented shape is PROVIDER_BAD_RESPONSE, not a guess', async () => {
    const answers: unknown[] = [
      { payout_events: [{ event_id: 1, event_type: 'posted', payout_id: 'p', rail: 'sepa', amount: '1.00', iso_currency_code: 'EUR', failure_reason: null, timestamp: '2026-07-03T12:00:00Z' }] },
      { payout_events: 'none' },
      { bank_transfer_events: [] },
    ];
    const server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answers.shift()));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const odd = new PaymentRailsHttpAdapter({ basePath: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, clientId: CLIENT_ID, secret: SECRET });
      for (const expected of ['unknown payout status "posted"', 'payout_events must be an array', 'payout_events must be an array']) {
        expect(await refusal(() => odd.syncEvents({ afterId: 0 }))).toMatchObject({ code: 'PROVIDER_BAD_RESPONSE', httpStatus: 502, retryable: false, message: expect.stringContaining(expected) });
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
