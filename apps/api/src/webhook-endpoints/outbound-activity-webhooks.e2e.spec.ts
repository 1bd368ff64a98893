/**
 * Outbound activity webhooks: an ACH bank transfer (issue 5) executed over HTTP and posted by the provider-sandbox
 * reaches the product app's endpoint as `transfer.*` webhooks whose `data` is the seed's activity shape, the same as
 * GET /api/v1/bank/transfer/{id}, with the account number masked.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { customerDecider, customerStreamId } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { verifySignature } from '@payments/messaging';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';
import { abaRoutingNumber, usAccountNumber } from '../../../../test/support/recipient-numbers';
import { WebhookReceiver } from '../../../../test/support/webhook-receiver';
import { achAccountIdFor } from '../transfers/transfer-support';

const WUSD = '0x0774164DC20524Bb239b39D1DC42573C3E4C6976';

describe('outbound activity webhooks for ACH bank transfers', () => {
  let service: ServiceHarness;
  let db: Client;
  let pulls: AchPullDriver;
  const receiver = new WebhookReceiver();
  const userId = 'activity-webhook-user';

  beforeAll(async () => {
    service = await startService('outbound-activity-webhooks', { kafka: false, env: { OUTBOUND_WEBHOOK_RETRY_BASE_MS: '200' } });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    await receiver.start();
    await service.request('POST', '/user/linked-bank-account/profile', { userId, body: { type: 'individual', first_name: 'Alex', last_name: 'Grey' } });
    await service.request('PUT', `/ops/users/${userId}/kyc`, { key: service.opsKey, body: { kyc_status: 'approved' } });
    const commands = service.app.get(CommandProcessor);
    await commands.execute(customerStreamId(userId), customerDecider, { type: 'GrantCapability', data: { customer_id: userId, capability: 'AchOut3rdParty' }, now: commands.now() }, { correlationId: 'test', actor: 'test:ops' });
  }, 120_000);
  afterAll(async () => {
    await receiver.stop();
    await db?.end();
    await service?.close();
  });

  it('sends transfer.initiated and transfer.completed with the seed activity body, signed', async () => {
    const created = await service.request<{ id: string; secret: string }>('POST', '/webhook-endpoints', {
      body: { url: `${receiver.baseUrl}/v2/webhooks/activities`, event_types: ['transfer.initiated', 'transfer.completed'] },
    });
    expect(created.status).toBe(201);
    const credit = await service.request('POST', `/ops/users/${userId}/asset-balances/credit`, { key: service.opsKey, body: { credit_id: randomUUID(), token_address: WUSD, amount: '100' } });
    expect(credit.status).toBe(200);
    const accountNumber = usAccountNumber();
    const executed = await service.request<{ id: string }>('POST', '/api/v1/bank/transfer', {
      userId,
      body: {
        account_id: achAccountIdFor(userId),
        recipient: { first_name: 'Sam', last_name: 'Payee' },
        recipient_account: {
          account_number: accountNumber,
          routing_number: abaRoutingNumber(),
          legal_address: { line1: '1 Main Street', city: 'New York', state: 'NY', zip_code: '10001', country: 'US' },
        },
        token_address: WUSD,
        amount: 34.64,
      },
    });
    expect(executed.status).toBe(201);
    const id = executed.body.id;
    const bankTransferId = await service.eventually(async () => {
      const { rows } = await db.query<{ provider_transfer_id: string }>("SELECT provider_transfer_id FROM provider_transfers WHERE kind = 'transfer' AND aggregate_id = $1", [id]);
      return rows[0]?.provider_transfer_id;
    }, 30_000);
    await pulls.simulate(bankTransferId, 'posted');
    await receiver.waitFor((all) => all.some((w) => w.headers['payments-event-type'] === 'transfer.completed'), 30_000);

    const current = (await service.request<Record<string, unknown>>('GET', `/api/v1/bank/transfer/${id}`, { userId })).body;
    expect(current.status).toBe('Completed');
    const bodies = receiver.on('/v2/webhooks/activities').map((w) => {
      const raw = w.raw.toString('utf8');
      expect(verifySignature(w.headers['payments-signature'] as string, raw, created.body.secret)).toBe(true);
      expect(raw).not.toContain(accountNumber);
      return JSON.parse(raw) as { type: string; subject: string; data: Record<string, unknown> };
    });
    expect(bodies.map((b) => b.type).sort()).toEqual(['transfer.completed', 'transfer.initiated']);
    const completed = bodies.find((b) => b.type === 'transfer.completed')!;
    expect(completed.subject).toBe(`transfer-${id}`);
    expect(completed.data).toEqual(current);
    expect(completed.data).toMatchObject({
      id,
      type: 'AchPush',
      status: 'Completed',
      direction: 'Outbound',
      destination: { type: 'AchBankAccount', bank_account: { account_number: `****${accountNumber.slice(-4)}`, owner_name: 'Sam Payee' } },
      destination_amount: { amount: 34.64, currency: 'USD' },
    });
    // The initiated webhook shows the activity as it was then: pending, the Initiated step done.
    const initiated = bodies.find((b) => b.type === 'transfer.initiated')!;
    expect(initiated.data).toMatchObject({ id, status: 'Pending' });
    expect((initiated.data.activity_steps as { type: string; status: string }[])[0]).toMatchObject({ type: 'Initiated', status: 'Completed' });
  });
});
