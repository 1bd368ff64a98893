/**
 * Bank transfers through the Plaid SDK adapter against the provider-sandbox over real HTTP: an Item linked
 * through the Link flow, debits created idempotently, simulated posting / failure / reversal, cancellation,
 * the event feed with after_id paging, request validation, signed BANK_TRANSFERS_EVENTS_UPDATE webhooks
 * verified with real keys, and auto-settlement.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { BankTransferEventType, BankTransferNetwork, BankTransferType, PlaidApi } from 'plaid';
import { systemClock } from '@payments/domain';
import { BankTransfersService, createProviderSandboxApp } from '../../../../apps/provider-sandbox/src';
import { WebhookReceiver } from '../../../../test/support/webhook-receiver';
import { ProviderError } from '../provider-error';
import { PlaidBankTransferAdapter, CreateBankTransferInput, ProviderBankTransferEvent } from './plaid-bank-transfer.adapter';
import { createPlaidApi } from './plaid-client';
import { toProviderError } from './plaid-error.mapper';
import { PlaidLinkAdapter } from './plaid-link.adapter';
import { PlaidWebhookVerifier } from './plaid-webhook-verifier';
import { parsePlaidWebhook } from './plaid-webhook.parser';

const CLIENT_ID = 'bt-client-id';
const SECRET = 'bt-secret-do-not-log';

interface Sandbox {
  app: NestFastifyApplication;
  plaid: PlaidApi;
  adapter: PlaidBankTransferAdapter;
}

async function startSandbox(bankTransfers: { webhookUrl?: string; autoSettleAfterMs?: number; webhookCoalesceMs?: number }): Promise<Sandbox> {
  const app = await createProviderSandboxApp({ clientId: CLIENT_ID, secret: SECRET, webhookRetry: { maxAttempts: 2, baseDelayMs: 50 }, bankTransfers });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const plaid = createPlaidApi({ basePath: baseUrl, clientId: CLIENT_ID, secret: SECRET });
  return { app, plaid, adapter: new PlaidBankTransferAdapter(plaid) };
}

/** Links a bank through the sandbox's Link flow and returns the Item's access token and account id. */
async function linkAccount(plaid: PlaidApi, baseUrl: string): Promise<{ accessToken: string; accountId: string }> {
  const link = new PlaidLinkAdapter(plaid);
  const token = await link.createLinkToken({ userId: 'user-bt', webhookUrl: 'http://127.0.0.1:9/unused', clientName: 'Payments Test' });
  const response = await fetch(`${baseUrl}/sandbox/link/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ link_token: token.linkToken, outcome: 'success', institution_id: 'ins_109509' }),
  });
  const { public_token } = (await response.json()) as { public_token: string };
  const { accessToken } = await link.exchangePublicToken(public_token);
  const account = await link.getLinkedAccount(accessToken);
  return { accessToken, accountId: account.accountId };
}

/** The error a raw SDK call failed with, as a ProviderError. */
async function sdkError(call: () => Promise<unknown>): Promise<ProviderError> {
  try {
    await call();
  } catch (err) {
    return toProviderError(err, 'raw');
  }
  throw new Error('expected the provider to refuse the request');
}

describe('Plaid bank transfers against provider-sandbox', () => {
  let receiver: WebhookReceiver;
  let sandbox: Sandbox;
  let adapter: PlaidBankTransferAdapter;
  let baseUrl: string;
  let accessToken: string;
  let accountId: string;
  let keyCounter = 0;

  const debit = (overrides: Partial<CreateBankTransferInput> = {}): CreateBankTransferInput => ({
    idempotencyKey: `pull-${Date.now()}-${++keyCounter}`,
    accessToken,
    accountId,
    type: 'debit',
    network: 'ach',
    amountMinor: 2500n,
    currency: 'USD',
    description: 'ACH pull',
    achClass: 'web',
    legalName: 'Ada Lovelace',
    ...overrides,
  });

  /** All events after `afterId`, paging 25 at a time; returns them and the final cursor. */
  const syncAll = async (afterId: number): Promise<{ events: ProviderBankTransferEvent[]; cursor: number }> => {
    const events: ProviderBankTransferEvent[] = [];
    let cursor = afterId;
    for (;;) {
      const page = await adapter.syncEvents({ afterId: cursor });
      events.push(...page.events);
      cursor = page.nextAfterId;
      if (!page.mayHaveMore) return { events, cursor };
    }
  };

  const simulate = (bankTransferId: string, eventType: 'posted' | 'failed' | 'reversed', failure?: { ach_return_code?: string; description?: string }) =>
    sandbox.plaid.sandboxBankTransferSimulate({ bank_transfer_id: bankTransferId, event_type: eventType, ...(failure ? { failure_reason: failure } : {}) });

  beforeAll(async () => {
    receiver = new WebhookReceiver();
    await receiver.start();
    sandbox = await startSandbox({ webhookUrl: `${receiver.baseUrl}/bank-transfers` });
    adapter = sandbox.adapter;
    baseUrl = (await sandbox.app.getUrl()).replace('[::1]', '127.0.0.1');
    ({ accessToken, accountId } = await linkAccount(sandbox.plaid, baseUrl));
  });

  afterAll(async () => {
    await sandbox?.app.close();
    await receiver?.stop();
  });

  it('creates a pending debit; a retry with the same key returns the same transfer and records no second event', async () => {
    const { cursor: before } = await syncAll(0);
    const input = debit({ customTag: 'pull 42', metadata: { pull_id: '42' } });
    const created = await adapter.createTransfer(input);
    expect(created).toMatchObject({
      status: 'PENDING',
      cancellable: true,
      type: 'debit',
      network: 'ach',
      amountMinor: 2500n,
      currency: 'USD',
      accountId,
      description: 'ACH pull',
      customTag: 'pull 42',
      metadata: { pull_id: '42' },
      failure: null,
    });
    const raw = await sandbox.plaid.bankTransferGet({ bank_transfer_id: created.id });
    expect(raw.data.bank_transfer).toMatchObject({ amount: '25.00', ach_class: 'web', direction: 'outbound', user: { legal_name: 'Ada Lovelace', routing_number: '021000021' } });

    const retried = await adapter.createTransfer(input);
    expect(retried.id).toBe(created.id);
    const { events } = await syncAll(before);
    expect(events.filter((e) => e.bankTransferId === created.id).map((e) => e.type)).toEqual(['PENDING']);

    const conflict = await adapter.createTransfer({ ...input, amountMinor: 2600n }).catch((e: unknown) => e);
    expect(conflict).toBeInstanceOf(ProviderError);
    expect(conflict).toMatchObject({ code: 'INVALID_FIELD', httpStatus: 400, retryable: false, message: expect.stringContaining('idempotency_key') });
    expect((await adapter.get(created.id)).amountMinor).toBe(2500n);
  });

  it('posts: event/sync returns pending then posted, in order, paging with after_id', async () => {
    const { cursor } = await syncAll(0);
    const transfer = await adapter.createTransfer(debit());
    await simulate(transfer.id, 'posted');
    expect(await adapter.get(transfer.id)).toMatchObject({ status: 'POSTED', cancellable: false, failure: null });

    const first = await adapter.syncEvents({ afterId: cursor, count: 1 });
    expect(first.events).toHaveLength(1);
    expect(first.events[0]).toMatchObject({ type: 'PENDING', bankTransferId: transfer.id, amountMinor: 2500n, transferType: 'debit', failure: null });
    expect(first.events[0]!.eventId).toBeGreaterThan(cursor);
    expect(first.nextAfterId).toBe(first.events[0]!.eventId);
    expect(first.mayHaveMore).toBe(true);

    const second = await adapter.syncEvents({ afterId: first.nextAfterId, count: 1 });
    expect(second.events.map((e) => [e.type, e.bankTransferId])).toEqual([['POSTED', transfer.id]]);
    expect(second.events[0]!.eventId).toBeGreaterThan(first.events[0]!.eventId);

    const third = await adapter.syncEvents({ afterId: second.nextAfterId, count: 1 });
    expect(third).toEqual({ events: [], nextAfterId: second.nextAfterId, mayHaveMore: false });
  });

  it('fails with an ACH return code that reaches the transfer and its event', async () => {
    const { cursor } = await syncAll(0);
    const transfer = await adapter.createTransfer(debit());
    await simulate(transfer.id, 'failed', { ach_return_code: 'R01', description: 'Insufficient funds' });
    expect(await adapter.get(transfer.id)).toMatchObject({ status: 'FAILED', cancellable: false, failure: { achReturnCode: 'R01', description: 'Insufficient funds' } });
    const { events } = await syncAll(cursor);
    expect(events.map((e) => [e.type, e.failure])).toEqual([
      ['PENDING', null],
      ['FAILED', { achReturnCode: 'R01', description: 'Insufficient funds' }],
    ]);
  });

  it('reverses a posted transfer (R01 after posting) and refuses transitions the reference does not allow', async () => {
    const { cursor } = await syncAll(0);
    const transfer = await adapter.createTransfer(debit());
    const early = await sdkError(() => simulate(transfer.id, 'reversed', { ach_return_code: 'R01' }));
    expect(early).toMatchObject({ code: 'SANDBOX_BANK_TRANSFER_EVENT_TRANSITION_INVALID', type: 'SANDBOX_ERROR', httpStatus: 400 });

    await simulate(transfer.id, 'posted');
    await simulate(transfer.id, 'reversed', { ach_return_code: 'R01' });
    expect(await adapter.get(transfer.id)).toMatchObject({ status: 'REVERSED', failure: { achReturnCode: 'R01', description: 'Insufficient funds' } });
    const { events } = await syncAll(cursor);
    expect(events.map((e) => e.type)).toEqual(['PENDING', 'POSTED', 'REVERSED']);
    expect(events[2]!.failure).toEqual({ achReturnCode: 'R01', description: 'Insufficient funds' });

    for (const eventType of ['posted', 'failed', 'reversed'] as const) {
      const refused = await sdkError(() => simulate(transfer.id, eventType));
      expect(refused.code).toBe('SANDBOX_BANK_TRANSFER_EVENT_TRANSITION_INVALID');
    }
    expect((await syncAll(cursor)).events).toHaveLength(3);
  });

  it('cancels while pending; refuses to cancel once posted', async () => {
    const { cursor } = await syncAll(0);
    const pending = await adapter.createTransfer(debit());
    await adapter.cancel(pending.id);
    expect(await adapter.get(pending.id)).toMatchObject({ status: 'CANCELLED', cancellable: false });
    const again = await adapter.cancel(pending.id).catch((e: unknown) => e);
    expect(again).toMatchObject({ code: 'BANK_TRANSFER_NOT_CANCELLABLE', type: 'BANK_TRANSFER_ERROR', httpStatus: 400 });
    expect((await sdkError(() => simulate(pending.id, 'posted'))).code).toBe('SANDBOX_BANK_TRANSFER_EVENT_TRANSITION_INVALID');

    const posted = await adapter.createTransfer(debit());
    await simulate(posted.id, 'posted');
    const refused = await adapter.cancel(posted.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderError);
    expect(refused).toMatchObject({ code: 'BANK_TRANSFER_NOT_CANCELLABLE', retryable: false });
    expect((await adapter.get(posted.id)).status).toBe('POSTED');

    const { events } = await syncAll(cursor);
    expect(events.map((e) => [e.bankTransferId, e.type])).toEqual([
      [pending.id, 'PENDING'],
      [pending.id, 'CANCELLED'],
      [posted.id, 'PENDING'],
      [posted.id, 'POSTED'],
    ]);
  });

  it('refuses invalid requests with Plaid errors and creates nothing', async () => {
    const { cursor } = await syncAll(0);
    const base = {
      idempotency_key: `raw-${Date.now()}`,
      access_token: accessToken,
      account_id: accountId,
      type: BankTransferType.Debit,
      network: BankTransferNetwork.Ach,
      amount: '10.00',
      iso_currency_code: 'USD',
      description: 'ACH pull',
      ach_class: 'web' as never,
      user: { legal_name: 'Ada Lovelace' },
    };
    const create = (overrides: Record<string, unknown>) => sdkError(() => sandbox.plaid.bankTransferCreate({ ...base, ...overrides }));

    for (const amount of ['10.001', '10', '10.0', '-5.00', '0.00', '1e3', 'abc']) {
      expect(await create({ amount })).toMatchObject({ code: 'INVALID_FIELD', type: 'INVALID_REQUEST', httpStatus: 400 });
    }
    expect(await create({ description: 'ACH pull 11' })).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('description') });
    expect(await create({ iso_currency_code: 'EUR' })).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('iso_currency_code') });
    expect(await create({ idempotency_key: 'k'.repeat(51) })).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('idempotency_key') });
    expect(await create({ custom_tag: 't'.repeat(101) })).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('custom_tag') });
    expect(await create({ type: 'refund' })).toMatchObject({ code: 'INVALID_FIELD' });
    expect(await create({ network: 'rtp' })).toMatchObject({ code: 'INVALID_FIELD' });
    expect(await create({ ach_class: undefined })).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('ach_class') });
    expect(await create({ user: {} })).toMatchObject({ code: 'MISSING_FIELDS', message: expect.stringContaining('user.legal_name') });
    expect(await create({ metadata: { nested: { a: 1 } } })).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('metadata') });
    expect(await create({ access_token: 'access-sandbox-00000000-0000-0000-0000-000000000000' })).toMatchObject({ code: 'INVALID_ACCESS_TOKEN' });
    expect(await create({ account_id: 'not-an-account-of-this-item' })).toMatchObject({ code: 'INVALID_ACCOUNT_ID' });
    expect(await create({ routing_number: '021000021' })).toMatchObject({ code: 'UNKNOWN_FIELDS' });

    // The adapter itself refuses what it can check before calling the provider.
    await expect(adapter.createTransfer(debit({ description: 'ACH pull 11' }))).rejects.toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('description') });
    await expect(adapter.createTransfer(debit({ currency: 'EUR' as 'USD' }))).rejects.toMatchObject({ code: 'INVALID_BANK_TRANSFER_REQUEST' });
    await expect(adapter.createTransfer(debit({ amountMinor: 0n }))).rejects.toMatchObject({ code: 'INVALID_BANK_TRANSFER_REQUEST' });

    expect(await sdkError(() => sandbox.plaid.bankTransferEventSync({ after_id: 0, count: 26 }))).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('count') });
    expect(await sdkError(() => sandbox.plaid.bankTransferEventSync({ after_id: -1 }))).toMatchObject({ code: 'INVALID_FIELD' });
    expect(await sdkError(() => sandbox.plaid.bankTransferList({ count: 26 }))).toMatchObject({ code: 'INVALID_FIELD' });
    expect(await sdkError(() => sandbox.plaid.bankTransferEventList({ count: 0 }))).toMatchObject({ code: 'INVALID_FIELD' });
    await expect(adapter.syncEvents({ afterId: 0, count: 26 })).rejects.toThrow(RangeError);

    const wrongKeys = new PlaidBankTransferAdapter(createPlaidApi({ basePath: baseUrl, clientId: CLIENT_ID, secret: 'wrong-secret-value' }));
    const unauthorised = await wrongKeys.createTransfer(debit()).catch((e: unknown) => e);
    expect(unauthorised).toMatchObject({ code: 'INVALID_API_KEYS' });
    expect(JSON.stringify(unauthorised)).not.toContain('wrong-secret-value');

    expect((await syncAll(cursor)).events).toEqual([]);
  });

  it('lists transfers and events with their filters, and reports the balance', async () => {
    const { cursor } = await syncAll(0);
    const before = (await sandbox.plaid.bankTransferBalanceGet({})).data;
    const a = await adapter.createTransfer(debit({ amountMinor: 1234n }));
    const b = await adapter.createTransfer(debit({ amountMinor: 1000n }));
    await simulate(a.id, 'posted');

    const listed = (await sandbox.plaid.bankTransferList({ count: 2 })).data.bank_transfers;
    expect(listed.map((t) => t.id)).toEqual([b.id, a.id]);
    expect((await sandbox.plaid.bankTransferList({ count: 1, offset: 1 })).data.bank_transfers.map((t) => t.id)).toEqual([a.id]);
    expect((await sandbox.plaid.bankTransferList({ start_date: '2999-01-01T00:00:00Z' })).data.bank_transfers).toEqual([]);

    const posted = (await sandbox.plaid.bankTransferEventList({ bank_transfer_id: a.id, event_types: [BankTransferEventType.Posted] })).data.bank_transfer_events;
    expect(posted.map((e) => [e.bank_transfer_id, e.event_type, e.bank_transfer_amount])).toEqual([[a.id, 'posted', '12.34']]);
    const recent = (await sandbox.plaid.bankTransferEventList({ count: 2 })).data.bank_transfer_events;
    expect(recent.map((e) => e.event_id)).toEqual([cursor + 3, cursor + 2]);

    const after = (await sandbox.plaid.bankTransferBalanceGet({})).data;
    expect(after.origination_account_id).toBe(before.origination_account_id);
    // A debit raises the available balance once posted (12.34), not while pending (10.00).
    const cents = (s: string) => BigInt(s.replace('.', ''));
    expect(cents(after.balance.available) - cents(before.balance.available)).toBe(1234n);
    expect(cents(after.balance.available) - cents(after.balance.transactable)).toBe(100_000n);
  });

  it('migrates an account by routing and account number and pulls from it', async () => {
    const migrated = (await sandbox.plaid.bankTransferMigrateAccount({ account_number: '100000000', routing_number: '121122676', account_type: 'checking' })).data;
    expect(migrated.access_token).toMatch(/^access-sandbox-/);
    const transfer = await adapter.createTransfer(debit({ accessToken: migrated.access_token, accountId: migrated.account_id }));
    expect(transfer.status).toBe('PENDING');
    const bad = await sdkError(() => sandbox.plaid.bankTransferMigrateAccount({ account_number: '100000000', routing_number: '121122677', account_type: 'checking' }));
    expect(bad).toMatchObject({ code: 'INVALID_FIELD', message: expect.stringContaining('routing_number') });
  });

  it('sends a signed BANK_TRANSFERS_EVENTS_UPDATE without data for each new event, verifiable with the served keys', async () => {
    const verifier = PlaidWebhookVerifier.forPlaidApi(sandbox.plaid, { clock: systemClock });
    // Webhooks for the earlier tests' events may still be on their way (seen once in a loaded full run: 18, not 17).
    let seen = -1;
    while (seen !== receiver.on('/bank-transfers').length) {
      seen = receiver.on('/bank-transfers').length;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    const transfer = await adapter.createTransfer(debit());
    await simulate(transfer.id, 'posted');
    const all = await receiver.waitFor(() => receiver.on('/bank-transfers').length >= seen + 2);
    expect(all.filter((w) => w.path === '/bank-transfers')).toHaveLength(seen + 2);

    const webhook = receiver.on('/bank-transfers').at(-1)!;
    await expect(verifier.verify(webhook.raw, webhook.headers['plaid-verification'] as string)).resolves.toBeUndefined();
    expect(JSON.parse(webhook.raw.toString())).toEqual({ webhook_type: 'BANK_TRANSFERS', webhook_code: 'BANK_TRANSFERS_EVENTS_UPDATE', environment: 'sandbox' });
    expect(parsePlaidWebhook(webhook.raw).kind).toBe('BANK_TRANSFERS.BANK_TRANSFERS_EVENTS_UPDATE');
    const tampered = Buffer.from(webhook.raw.toString().replace('sandbox', 'production'));
    await expect(verifier.verify(tampered, webhook.headers['plaid-verification'] as string)).rejects.toMatchObject({ reason: 'body_hash_mismatch' });

    // /sandbox/bank_transfer/fire_webhook sends one to the URL given, and the target can be changed at run time.
    await sandbox.plaid.sandboxBankTransferFireWebhook({ webhook: `${receiver.baseUrl}/fired` });
    const [fired] = await receiver.waitFor(() => receiver.on('/fired').length === 1).then(() => receiver.on('/fired'));
    await verifier.verify(fired!.raw, fired!.headers['plaid-verification'] as string);

    sandbox.app.get(BankTransfersService).setWebhookUrl(`${receiver.baseUrl}/moved`);
    try {
      await adapter.createTransfer(debit());
      await receiver.waitFor(() => receiver.on('/moved').length === 1);
    } finally {
      sandbox.app.get(BankTransfersService).setWebhookUrl(`${receiver.baseUrl}/bank-transfers`);
    }
  });

  it('with a coalescing window, sends one webhook for a burst of events and every event is in the feed', async () => {
    const coalescing = await startSandbox({ webhookUrl: `${receiver.baseUrl}/coalesced`, webhookCoalesceMs: 300 });
    try {
      const baseUrl = (await coalescing.app.getUrl()).replace('[::1]', '127.0.0.1');
      const account = await linkAccount(coalescing.plaid, baseUrl);
      // The first event after a quiet window is announced at once.
      await coalescing.adapter.createTransfer(debit({ accessToken: account.accessToken, accountId: account.accountId }));
      await receiver.waitFor(() => receiver.on('/coalesced').length === 1);
      // A burst within the window: one more webhook, at the window's end, standing for all of them.
      for (let i = 0; i < 10; i++) await coalescing.adapter.createTransfer(debit({ accessToken: account.accessToken, accountId: account.accountId }));
      expect(receiver.on('/coalesced')).toHaveLength(1);
      await receiver.waitFor(() => receiver.on('/coalesced').length === 2);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(receiver.on('/coalesced')).toHaveLength(2);
      const { events } = await coalescing.adapter.syncEvents({ afterId: 0 });
      expect(events).toHaveLength(11);
    } finally {
      await coalescing.app.close();
    }
  });

  it('settles by itself when auto-settlement is on', async () => {
    const auto = await startSandbox({ webhookUrl: `${receiver.baseUrl}/auto`, autoSettleAfterMs: 150 });
    try {
      const autoBaseUrl = (await auto.app.getUrl()).replace('[::1]', '127.0.0.1');
      const account = await linkAccount(auto.plaid, autoBaseUrl);
      const transfer = await auto.adapter.createTransfer(debit({ accessToken: account.accessToken, accountId: account.accountId }));
      expect(transfer.status).toBe('PENDING');
      await receiver.waitFor(() => receiver.on('/auto').length >= 2);
      expect((await auto.adapter.get(transfer.id)).status).toBe('POSTED');
      const { events } = await auto.adapter.syncEvents({ afterId: 0 });
      expect(events.map((e) => [e.eventId, e.type])).toEqual([
        [1, 'PENDING'],
        [2, 'POSTED'],
      ]);

      // A transfer cancelled before the delay stays cancelled.
      const cancelled = await auto.adapter.createTransfer(debit({ accessToken: account.accessToken, accountId: account.accountId }));
      await auto.adapter.cancel(cancelled.id);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await auto.adapter.get(cancelled.id)).status).toBe('CANCELLED');
    } finally {
      await auto.app.close();
    }
  });
});
