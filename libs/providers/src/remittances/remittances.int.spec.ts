/**
 * The remittances adapter against the provider-sandbox over real HTTP: created idempotently with each currency's own
 * decimals on the wire, read back with our status names, settled and failed outcomes distinct, and refusals as
 * non-retryable ProviderErrors without the secret in them.
 */
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createProviderSandboxApp } from '../../../../apps/provider-sandbox/src';
import { recordRecipientNumber } from '../../../../test/support/recipient-numbers';
import { ProviderError } from '../provider-error';
import { CreateProviderRemittanceInput, RemittancesHttpAdapter } from './remittances.adapter';

const CLIENT_ID = 'remittance-adapter-client';
const SECRET = 'remittance-adapter-secret-do-not-log';

describe('RemittancesHttpAdapter against provider-sandbox', () => {
  let sandbox: NestFastifyApplication;
  let baseUrl: string;
  let adapter: RemittancesHttpAdapter;
  let keyCounter = 0;
  const accountNumber = recordRecipientNumber('account_number', '1234567890123456');

  const input = (overrides: Partial<CreateProviderRemittanceInput> = {}): CreateProviderRemittanceInput => ({
    idempotencyKey: `remittance-${++keyCounter}`,
    sourceCurrency: 'USD',
    sourceAmountMinor: 10_000n,
    targetCurrency: 'JPY',
    targetAmountMinor: 15_020n,
    rate: '150.2',
    beneficiary: { name: 'Hana Sato', country: 'JP', accountNumber },
    ...overrides,
  });
  const call = async (path: string, body: Record<string, unknown>) =>
    fetch(`${baseUrl}/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'plaid-client-id': CLIENT_ID, 'plaid-secret': SECRET },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    sandbox = await createProviderSandboxApp({ clientId: CLIENT_ID, secret: SECRET, logger: false });
    await sandbox.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
    adapter = new RemittancesHttpAdapter({ basePath: baseUrl, clientId: CLIENT_ID, secret: SECRET });
  });
  afterAll(async () => {
    await sandbox?.close();
  });

  it('creates a remittance once per idempotency key (JPY with 0 decimals, OMR with 3 on the wire) and reads it back', async () => {
    const request = input();
    const created = await adapter.createRemittance(request);
    expect(created).toEqual({ id: expect.any(String), status: 'PENDING', failure: null });
    expect((await adapter.createRemittance(request)).id).toBe(created.id);
    const wire = (await (await call('payment_rails/remittance/get', { remittance_id: created.id })).json()) as { remittance: Record<string, unknown> };
    expect(wire.remittance).toMatchObject({ source_amount: '100.00', target_amount: '15020', beneficiary: { name: 'Hana Sato', country: 'JP', account_mask: '3456' } });
    expect(JSON.stringify(wire)).not.toContain(accountNumber);

    const omr = await adapter.createRemittance(input({ targetCurrency: 'OMR', targetAmountMinor: 38_500n, rate: '0.385' }));
    const omrWire = (await (await call('payment_rails/remittance/get', { remittance_id: omr.id })).json()) as { remittance: Record<string, unknown> };
    expect(omrWire.remittance.target_amount).toBe('38.500');
  });

  it('keeps settled and failed apart, with the failure reason', async () => {
    const settled = await adapter.createRemittance(input());
    const failed = await adapter.createRemittance(input());
    expect((await call('sandbox/payment_rails/remittance/simulate', { remittance_id: settled.id, event_type: 'settled' })).status).toBe(200);
    expect((await call('sandbox/payment_rails/remittance/simulate', { remittance_id: failed.id, event_type: 'failed', failure_reason: { code: 'AC04' } })).status).toBe(200);
    expect(await adapter.getRemittance(settled.id)).toEqual({ id: settled.id, status: 'SETTLED', failure: null });
    expect(await adapter.getRemittance(failed.id)).toEqual({ id: failed.id, status: 'FAILED', failure: { code: 'AC04', description: 'Closed account number' } });
    // Only pending remittances move.
    expect((await call('sandbox/payment_rails/remittance/simulate', { remittance_id: settled.id, event_type: 'failed' })).status).toBe(400);
  });

  it('turns refusals into non-retryable ProviderErrors that never carry the secret', async () => {
    const request = input();
    await adapter.createRemittance(request);
    for (const attempt of [
      () => adapter.createRemittance({ ...request, sourceAmountMinor: 10_001n }), // key reused for another request
      () => adapter.createRemittance(input({ targetCurrency: 'USD' })), // same currency both sides
      () => adapter.getRemittance('nope'),
      () => new RemittancesHttpAdapter({ basePath: baseUrl, clientId: CLIENT_ID, secret: 'wrong-secret-value' }).getRemittance('nope'),
    ]) {
      const error = await attempt().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).retryable).toBe(false);
      expect(JSON.stringify(error) + String((error as Error).message)).not.toContain(SECRET);
    }
  });
});
