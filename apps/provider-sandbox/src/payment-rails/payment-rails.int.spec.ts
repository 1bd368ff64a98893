/**
 * The provider-sandbox's payment rails over real HTTP, as a client sees them on the wire: payouts on SEPA, FPS and
 * NGN local created idempotently with expected settlement dates from the business-day calendar, fetched, their event
 * feed with after_id paging, simulated outcomes and refused transitions, beneficiary checks, signed
 * PAYOUT_EVENTS_UPDATE webhooks verified with the served keys, and auto-settlement.
 */
import { FixedClock } from '@payments/domain';
import { createPlaidApi } from '@payments/providers/plaid/plaid-client';
import { PlaidWebhookVerifier } from '@payments/providers/plaid/plaid-webhook-verifier';
import { parsePlaidWebhook } from '@payments/providers/plaid/plaid-webhook.parser';
import { WebhookReceiver } from '../../../../test/support/webhook-receiver';
import { createProviderSandboxApp, PaymentRailsService } from '..';

const CLIENT_ID = 'rails-client-id';
const SECRET = 'rails-secret-do-not-log';
// Christmas Eve 2025, 10:00 UTC: before SEPA's 15:00 Brussels cut-off, so SEPA can settle that day or, at the
// latest, on Monday 29 December (25 and 26 December are TARGET2 holidays); FPS and NGN settle that day.
const NOW = new Date('2025-12-24T10:00:00Z');

interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

interface WirePayout {
  id: string;
  status: string;
  expected_settlement_date: string;
  [field: string]: unknown;
}

interface WireEvent {
  event_id: number;
  event_type: string;
  payout_id: string;
  [field: string]: unknown;
}

async function startSandbox(paymentRails: { webhookUrl?: string; autoSettleAfterMs?: number }, clock = new FixedClock(NOW)) {
  const app = await createProviderSandboxApp({ clientId: CLIENT_ID, secret: SECRET, clock, webhookRetry: { maxAttempts: 2, baseDelayMs: 50 }, paymentRails });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const post = async <T = Record<string, unknown>>(path: string, body: Record<string, unknown>, credentials = { client_id: CLIENT_ID, secret: SECRET }): Promise<Answer<T>> => {
    const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...credentials, ...body }) });
    return { status: response.status, body: (await response.json()) as T };
  };
  return { app, baseUrl, post };
}

type Sandbox = Awaited<ReturnType<typeof startSandbox>>;

describe('provider-sandbox payment rails over HTTP', () => {
  let receiver: WebhookReceiver;
  let sandbox: Sandbox;
  let keyCounter = 0;

  const sepa = (overrides: Record<string, unknown> = {}) => ({
    idempotency_key: `payout-${++keyCounter}`,
    rail: 'sepa',
    amount: '25.00',
    iso_currency_code: 'EUR',
    beneficiary: { name: 'Ada Lovelace', iban: 'DE89370400440532013000', bic: 'COBADEFFXXX' },
    reference: 'Invoice 42',
    ...overrides,
  });
  const fps = (overrides: Record<string, unknown> = {}) => ({
    idempotency_key: `payout-${++keyCounter}`,
    rail: 'fps',
    amount: '10.50',
    iso_currency_code: 'GBP',
    beneficiary: { name: 'Alan Turing', sort_code: '200000', account_number: '55779911' },
    ...overrides,
  });
  const ngn = (overrides: Record<string, unknown> = {}) => ({
    idempotency_key: `payout-${++keyCounter}`,
    rail: 'ngn_local',
    amount: '15000.00',
    iso_currency_code: 'NGN',
    // NUBAN 012345678 + check digit for bank 058: weights 3,7,3,3,7,3,3,7,3,3,7,3 over 058012345678 sum to 215 -> 10 - 5 = 5.
    beneficiary: { name: 'Chinua Achebe', bank_code: '058', account_number: '0123456785' },
    ...overrides,
  });

  const create = (body: Record<string, unknown>) => sandbox.post<{ payout: WirePayout; request_id: string }>('/payment_rails/payout/create', body);
  const simulate = (body: Record<string, unknown>) => sandbox.post('/sandbox/payment_rails/payout/simulate', body);
  const sync = (afterId: number, count?: number) =>
    sandbox.post<{ payout_events: WireEvent[] }>('/payment_rails/event/sync', { after_id: afterId, ...(count !== undefined ? { count } : {}) });
  const allEvents = async (): Promise<WireEvent[]> => {
    const events: WireEvent[] = [];
    for (;;) {
      const page = (await sync(events.at(-1)?.event_id ?? 0)).body.payout_events;
      events.push(...page);
      if (page.length < 25) return events;
    }
  };
  const plaidError = (code: string, type = 'INVALID_REQUEST') => ({ status: 400, body: expect.objectContaining({ error_type: type, error_code: code, request_id: expect.any(String) }) });

  beforeAll(async () => {
    receiver = new WebhookReceiver();
    await receiver.start();
    sandbox = await startSandbox({ webhookUrl: `${receiver.baseUrl}/rails` });
  });

  afterAll(async () => {
    await sandbox?.app.close();
    await receiver?.stop();
  });

  it('creates a pending SEPA payout with its settlement window from the TARGET2 calendar, showing the IBAN as its last 4 only', async () => {
    const created = await create(sepa({ metadata: { payout_id: 'p-1' } }));
    expect(created.status).toBe(200);
    expect(created.body).toEqual({
      payout: {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        rail: 'sepa',
        amount: '25.00',
        iso_currency_code: 'EUR',
        beneficiary: { name: 'Ada Lovelace', account_mask: '3000', bic: 'COBADEFFXXX', sort_code: null, bank_code: null },
        reference: 'Invoice 42',
        metadata: { payout_id: 'p-1' },
        status: 'pending',
        created: '2025-12-24T10:00:00Z',
        earliest_settlement_date: '2025-12-24',
        expected_settlement_date: '2025-12-29',
        settled_at: null,
        failure_reason: null,
      },
      request_id: expect.any(String),
    });
    expect(JSON.stringify(created.body)).not.toContain('DE89370400440532013000');
  });

  it('FPS and NGN payouts settle the same day, Christmas Eve or not', async () => {
    const gbp = await create(fps());
    expect(gbp.body.payout).toMatchObject({
      rail: 'fps',
      amount: '10.50',
      iso_currency_code: 'GBP',
      beneficiary: { name: 'Alan Turing', account_mask: '9911', bic: null, sort_code: '200000', bank_code: null },
      earliest_settlement_date: '2025-12-24',
      expected_settlement_date: '2025-12-24',
    });
    const naira = await create(ngn());
    expect(naira.body.payout).toMatchObject({
      rail: 'ngn_local',
      amount: '15000.00',
      iso_currency_code: 'NGN',
      beneficiary: { account_mask: '6785', bank_code: '058', sort_code: null },
      expected_settlement_date: '2025-12-24',
    });
    expect(JSON.stringify([gbp.body, naira.body])).not.toMatch(/55779911|0123456785/);
  });

  it('a retry with the same idempotency_key returns the same payout and records no second event; a different request under that key is refused', async () => {
    const request = fps();
    const first = await create(request);
    const eventsBefore = await allEvents();
    const again = await create(request);
    expect(again.status).toBe(200);
    expect(again.body.payout).toEqual(first.body.payout);
    expect(await allEvents()).toEqual(eventsBefore);
    expect(eventsBefore.filter((e) => e.payout_id === first.body.payout.id).map((e) => e.event_type)).toEqual(['pending']);

    const changed = await create({ ...request, amount: '10.51' });
    expect(changed).toMatchObject(plaidError('INVALID_FIELD'));
    expect((changed.body as unknown as { error_message: string }).error_message).toContain('idempotency_key');
    const stored = await sandbox.post<{ payout: WirePayout }>('/payment_rails/payout/get', { payout_id: first.body.payout.id });
    expect(stored.body.payout.amount).toBe('10.50');
  });

  it('gets a payout by id; an unknown id is PAYOUT_NOT_FOUND', async () => {
    const created = await create(sepa());
    const got = await sandbox.post<{ payout: WirePayout }>('/payment_rails/payout/get', { payout_id: created.body.payout.id });
    expect(got).toMatchObject({ status: 200, body: { payout: created.body.payout, request_id: expect.any(String) } });
    expect(await sandbox.post('/payment_rails/payout/get', { payout_id: 'no-such-payout' })).toMatchObject(plaidError('PAYOUT_NOT_FOUND', 'INVALID_INPUT'));
  });

  it('event/sync returns events after after_id, oldest first, count at a time, with increasing ids of their own', async () => {
    const cursor = (await allEvents()).at(-1)?.event_id ?? 0;
    const payout = (await create(ngn())).body.payout;
    expect((await simulate({ payout_id: payout.id, event_type: 'settled' })).status).toBe(200);

    const first = await sync(cursor, 1);
    expect(first.status).toBe(200);
    expect(first.body.payout_events).toEqual([
      {
        event_id: cursor + 1,
        event_type: 'pending',
        payout_id: payout.id,
        rail: 'ngn_local',
        amount: '15000.00',
        iso_currency_code: 'NGN',
        failure_reason: null,
        timestamp: '2025-12-24T10:00:00Z',
      },
    ]);
    const second = await sync(cursor + 1, 1);
    expect(second.body.payout_events.map((e) => [e.event_id, e.event_type, e.payout_id])).toEqual([[cursor + 2, 'settled', payout.id]]);
    expect((await sync(cursor + 2)).body.payout_events).toEqual([]);
    expect((await sync(cursor)).body.payout_events.map((e) => e.event_type)).toEqual(['pending', 'settled']);

    expect(await sync(0, 26)).toMatchObject(plaidError('INVALID_FIELD'));
    expect(await sync(-1)).toMatchObject(plaidError('INVALID_FIELD'));
    expect(await sandbox.post('/payment_rails/event/sync', {})).toMatchObject(plaidError('MISSING_FIELDS'));
  });

  it('simulates settled, failed and returned outcomes with their reasons', async () => {
    const settled = (await create(sepa())).body.payout;
    await simulate({ payout_id: settled.id, event_type: 'settled' });
    expect((await sandbox.post<{ payout: WirePayout }>('/payment_rails/payout/get', { payout_id: settled.id })).body.payout).toMatchObject({
      status: 'settled',
      settled_at: '2025-12-24T10:00:00Z',
      failure_reason: null,
    });
    await simulate({ payout_id: settled.id, event_type: 'returned', failure_reason: { code: 'AC04' } });
    expect((await sandbox.post<{ payout: WirePayout }>('/payment_rails/payout/get', { payout_id: settled.id })).body.payout).toMatchObject({
      status: 'returned',
      settled_at: '2025-12-24T10:00:00Z',
      failure_reason: { code: 'AC04', description: 'Closed account number' },
    });

    const failed = (await create(fps())).body.payout;
    await simulate({ payout_id: failed.id, event_type: 'failed', failure_reason: { code: 'AC01', description: 'No such account at the receiving bank' } });
    expect((await sandbox.post<{ payout: WirePayout }>('/payment_rails/payout/get', { payout_id: failed.id })).body.payout).toMatchObject({
      status: 'failed',
      settled_at: null,
      failure_reason: { code: 'AC01', description: 'No such account at the receiving bank' },
    });
    const plain = (await create(ngn())).body.payout;
    await simulate({ payout_id: plain.id, event_type: 'failed' });

    const events = (await allEvents()).filter((e) => [settled.id, failed.id, plain.id].includes(e.payout_id));
    expect(events.map((e) => [e.payout_id, e.event_type, e.failure_reason])).toEqual([
      [settled.id, 'pending', null],
      [settled.id, 'settled', null],
      [settled.id, 'returned', { code: 'AC04', description: 'Closed account number' }],
      [failed.id, 'pending', null],
      [failed.id, 'failed', { code: 'AC01', description: 'No such account at the receiving bank' }],
      [plain.id, 'pending', null],
      [plain.id, 'failed', { code: null, description: 'payout failed' }],
    ]);
  });

  it('refuses transitions other than pending -> settled | failed and settled -> returned, recording nothing', async () => {
    const pending = (await create(sepa())).body.payout;
    const settled = (await create(fps())).body.payout;
    await simulate({ payout_id: settled.id, event_type: 'settled' });
    const failed = (await create(ngn())).body.payout;
    await simulate({ payout_id: failed.id, event_type: 'failed' });
    const returned = (await create(sepa())).body.payout;
    await simulate({ payout_id: returned.id, event_type: 'settled' });
    await simulate({ payout_id: returned.id, event_type: 'returned' });
    const before = await allEvents();

    const refused: [string, string][] = [
      [pending.id, 'returned'],
      [settled.id, 'settled'],
      [settled.id, 'failed'],
      [failed.id, 'settled'],
      [failed.id, 'failed'],
      [failed.id, 'returned'],
      [returned.id, 'settled'],
      [returned.id, 'failed'],
      [returned.id, 'returned'],
    ];
    for (const [id, eventType] of refused) {
      expect([eventType, await simulate({ payout_id: id, event_type: eventType })]).toEqual([eventType, plaidError('SANDBOX_PAYOUT_EVENT_TRANSITION_INVALID', 'SANDBOX_ERROR')]);
    }
    expect(await simulate({ payout_id: pending.id, event_type: 'settled', failure_reason: { code: 'AC01' } })).toMatchObject(plaidError('INVALID_FIELD'));
    expect(await simulate({ payout_id: pending.id, event_type: 'reversed' })).toMatchObject(plaidError('INVALID_FIELD'));
    expect(await simulate({ payout_id: pending.id, event_type: 'failed', failure_reason: { code: 'ac01' } })).toMatchObject(plaidError('INVALID_FIELD'));
    expect(await simulate({ payout_id: 'no-such-payout', event_type: 'settled' })).toMatchObject(plaidError('PAYOUT_NOT_FOUND', 'INVALID_INPUT'));
    expect(await allEvents()).toEqual(before);
    expect((await sandbox.post<{ payout: WirePayout }>('/payment_rails/payout/get', { payout_id: pending.id })).body.payout.status).toBe('pending');
  });

  it('refuses bad input with Plaid errors naming the field, and creates nothing', async () => {
    const before = await allEvents();
    const refusal = async (body: Record<string, unknown>) => {
      const answer = await create(body);
      const error = answer.body as unknown as { error_type: string; error_code: string; error_message: string };
      return { status: answer.status, type: error.error_type, code: error.error_code, message: error.error_message };
    };
    const invalid = (field: string) => ({ status: 400, type: 'INVALID_REQUEST', code: 'INVALID_FIELD', message: expect.stringContaining(field) });
    const sepaWith = (beneficiary: Record<string, unknown>) => sepa({ beneficiary: { name: 'Ada Lovelace', ...beneficiary } });
    const fpsWith = (beneficiary: Record<string, unknown>) => fps({ beneficiary: { name: 'Alan Turing', ...beneficiary } });
    const ngnWith = (beneficiary: Record<string, unknown>) => ngn({ beneficiary: { name: 'Chinua Achebe', ...beneficiary } });

    // SEPA: IBAN check digits, SEPA country, length, electronic form, BIC format.
    expect(await refusal(sepaWith({ iban: 'DE89370400440532013001' }))).toEqual(invalid('beneficiary.iban has a wrong check digit'));
    expect(await refusal(sepaWith({ iban: 'DE88370400440532013000' }))).toEqual(invalid('beneficiary.iban has a wrong check digit'));
    expect(await refusal(sepaWith({ iban: 'SA0380000000608010167519' }))).toEqual(invalid('SEPA country'));
    expect(await refusal(sepaWith({ iban: 'DE8937040044053201300' }))).toEqual(invalid('22 characters'));
    expect(await refusal(sepaWith({ iban: 'DE89 3704 0044 0532 0130 00' }))).toEqual(invalid('electronic form'));
    expect(await refusal(sepaWith({ iban: 'de89370400440532013000' }))).toEqual(invalid('electronic form'));
    expect(await refusal(sepaWith({ iban: 'DE89370400440532013000', bic: 'COBADE' }))).toEqual(invalid('beneficiary.bic'));
    expect(await refusal(sepaWith({}))).toEqual({ status: 400, type: 'INVALID_REQUEST', code: 'MISSING_FIELDS', message: expect.stringContaining('beneficiary.iban') });
    // FPS: 6-digit sort code, 8-digit account.
    expect(await refusal(fpsWith({ sort_code: '20000', account_number: '55779911' }))).toEqual(invalid('beneficiary.sort_code must be 6 digits'));
    expect(await refusal(fpsWith({ sort_code: '20-00-00', account_number: '55779911' }))).toEqual(invalid('beneficiary.sort_code must be 6 digits'));
    expect(await refusal(fpsWith({ sort_code: '200000', account_number: '5577991' }))).toEqual(invalid('beneficiary.account_number must be 8 digits'));
    // NGN: NUBAN check digit with the bank code, 3-digit bank code.
    expect(await refusal(ngnWith({ bank_code: '058', account_number: '0123456784' }))).toEqual(invalid('NUBAN check digit'));
    expect(await refusal(ngnWith({ bank_code: '057', account_number: '0123456785' }))).toEqual(invalid('NUBAN check digit'));
    expect(await refusal(ngnWith({ bank_code: '58', account_number: '0123456785' }))).toEqual(invalid('beneficiary.bank_code'));
    expect(await refusal(ngnWith({ bank_code: '058', account_number: '123456785' }))).toEqual(invalid('10-digit NUBAN'));
    // A field of another rail, the wrong currency for the rail, amounts, references, unknown fields, credentials.
    expect(await refusal(fpsWith({ sort_code: '200000', account_number: '55779911', iban: 'DE89370400440532013000' }))).toEqual(invalid('beneficiary.iban is not used by rail fps'));
    expect(await refusal(sepa({ iso_currency_code: 'GBP' }))).toEqual(invalid('iso_currency_code must be EUR for rail sepa'));
    expect(await refusal(ngn({ iso_currency_code: 'USD' }))).toEqual(invalid('iso_currency_code'));
    for (const amount of ['10.001', '10', '10.0', '-5.00', '0.00', '1e3', 'abc']) expect(await refusal(sepa({ amount }))).toEqual(invalid('amount'));
    expect(await refusal(fps({ reference: 'r'.repeat(19) }))).toEqual(invalid('reference must be at most 18 characters for rail fps'));
    expect(await refusal(sepa({ reference: 'r'.repeat(141) }))).toEqual(invalid('reference'));
    expect(await refusal(sepa({ idempotency_key: 'k'.repeat(51) }))).toEqual(invalid('idempotency_key'));
    expect(await refusal(sepa({ rail: 'swift' }))).toEqual(invalid('rail'));
    expect(await refusal(sepa({ metadata: { nested: { a: 1 } } }))).toEqual(invalid('metadata'));
    expect(await refusal(sepaWith({ iban: 'DE89370400440532013000', routing_number: '021000021' }))).toEqual({
      status: 400,
      type: 'INVALID_REQUEST',
      code: 'UNKNOWN_FIELDS',
      message: expect.stringContaining('beneficiary.routing_number'),
    });
    expect(await refusal(sepa({ beneficiary: undefined }))).toMatchObject({ code: 'MISSING_FIELDS', message: expect.stringContaining('beneficiary') });
    const wrongSecret = await sandbox.post('/payment_rails/payout/create', sepa(), { client_id: CLIENT_ID, secret: 'not-the-secret' });
    expect(wrongSecret).toMatchObject(plaidError('INVALID_API_KEYS', 'INVALID_INPUT'));

    expect(await allEvents()).toEqual(before);
  });

  it('sends a signed PAYMENT_RAILS / PAYOUT_EVENTS_UPDATE without data for every new event, verifiable with the served keys', async () => {
    const clock = new FixedClock(NOW);
    const verifier = PlaidWebhookVerifier.forPlaidApi(createPlaidApi({ basePath: sandbox.baseUrl, clientId: CLIENT_ID, secret: SECRET }), { clock });
    const payout = (await create(sepa())).body.payout;
    await simulate({ payout_id: payout.id, event_type: 'settled' });
    // Exactly one webhook per event (the receiver answers 200, so none is retried).
    const eventCount = (await allEvents()).length;
    await receiver.waitFor(() => receiver.on('/rails').length >= eventCount);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(receiver.on('/rails')).toHaveLength(eventCount);

    const webhook = receiver.on('/rails').at(-1)!;
    await expect(verifier.verify(webhook.raw, webhook.headers['plaid-verification'] as string)).resolves.toBeUndefined();
    expect(JSON.parse(webhook.raw.toString())).toEqual({ webhook_type: 'PAYMENT_RAILS', webhook_code: 'PAYOUT_EVENTS_UPDATE', environment: 'sandbox' });
    expect(parsePlaidWebhook(webhook.raw).kind).toBe('PAYMENT_RAILS.PAYOUT_EVENTS_UPDATE');
    const tampered = Buffer.from(webhook.raw.toString().replace('sandbox', 'production'));
    await expect(verifier.verify(tampered, webhook.headers['plaid-verification'] as string)).rejects.toMatchObject({ reason: 'body_hash_mismatch' });

    // A refused request sends nothing; the target can be changed at run time.
    await create(sepa({ amount: '1.001' }));
    sandbox.app.get(PaymentRailsService).setWebhookUrl(`${receiver.baseUrl}/moved`);
    try {
      await create(fps());
      await receiver.waitFor(() => receiver.on('/moved').length === 1);
      expect(receiver.on('/rails')).toHaveLength(eventCount);
    } finally {
      sandbox.app.get(PaymentRailsService).setWebhookUrl(`${receiver.baseUrl}/rails`);
    }
  });

  it('settles pending payouts by itself when auto-settlement is on; a payout that failed first stays failed', async () => {
    const auto = await startSandbox({ webhookUrl: `${receiver.baseUrl}/auto`, autoSettleAfterMs: 400 });
    try {
      const create = (body: Record<string, unknown>) => auto.post<{ payout: WirePayout }>('/payment_rails/payout/create', body);
      const payout = (await create(fps())).body.payout;
      const failed = (await create(sepa())).body.payout;
      await auto.post('/sandbox/payment_rails/payout/simulate', { payout_id: failed.id, event_type: 'failed' });
      expect(payout.status).toBe('pending');
      await receiver.waitFor(() => receiver.on('/auto').length >= 4);
      await new Promise((resolve) => setTimeout(resolve, 100));

      expect((await auto.post<{ payout: WirePayout }>('/payment_rails/payout/get', { payout_id: payout.id })).body.payout).toMatchObject({
        status: 'settled',
        settled_at: '2025-12-24T10:00:00Z',
      });
      expect((await auto.post<{ payout: WirePayout }>('/payment_rails/payout/get', { payout_id: failed.id })).body.payout.status).toBe('failed');
      const events = (await auto.post<{ payout_events: WireEvent[] }>('/payment_rails/event/sync', { after_id: 0 })).body.payout_events;
      expect(events.map((e) => [e.event_id, e.payout_id, e.event_type])).toEqual([
        [1, payout.id, 'pending'],
        [2, failed.id, 'pending'],
        [3, failed.id, 'failed'],
        [4, payout.id, 'settled'],
      ]);
      expect(receiver.on('/auto')).toHaveLength(4);
    } finally {
      await auto.app.close();
    }
  });
});
