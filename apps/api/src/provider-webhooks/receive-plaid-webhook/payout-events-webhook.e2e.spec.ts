/**
 * The provider's PAYMENT_RAILS / PAYOUT_EVENTS_UPDATE webhook end to end: a payout created at the provider-sandbox
 * makes it sign and send the webhook to our receiver, which verifies it and publishes it to Kafka keyed by the payout
 * feed; the worker's translator consumes it, reads the payout event feed, finds a provider payout that is not one of
 * ours (no payout id of ours in its metadata: skipped), commits it having changed nothing, and nothing reaches the
 * dead-letter topic. (Payouts of ours through the feed: apps/api/src/payouts/payouts.e2e.spec.ts.) (Forged and stale signatures are refused alike for every webhook type:
 * ach-pull-lifecycle.e2e.spec.ts and stale-webhook.e2e.spec.ts.)
 */
import type { Admin, KafkaMessage } from 'kafkajs';
import { Client } from 'pg';
import { SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { FAST_GROUP, testKafka, waitFor } from '@payments/messaging/testing/messaging-test-kit';
import { PaymentRailsService } from '../../../../provider-sandbox/src';
import { sortCode, ukAccountNumber } from '../../../../../test/support/recipient-numbers';
import { ServiceHarness, startService } from '../../../../../test/support/service-harness';
import { testKafkaBrokers, uniqueName } from '../../../../../test/support/kafka';

const WEBHOOK = { webhook_type: 'PAYMENT_RAILS', webhook_code: 'PAYOUT_EVENTS_UPDATE', environment: 'sandbox' };

describe('PAYMENT_RAILS / PAYOUT_EVENTS_UPDATE through the receiver, Kafka and the translator', () => {
  let service: ServiceHarness;
  let admin: Admin;
  let db: Client;
  let topic: string;

  const endOffset = async (name: string): Promise<number> => (await admin.fetchTopicOffsets(name)).reduce((sum, p) => sum + Number(p.high), 0);
  const committedByTranslator = async (): Promise<number> => {
    const [committed] = await admin.fetchOffsets({ groupId: `${service.topicPrefix}webhook-translator`, topics: [topic] });
    return (committed?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
  };

  /** Every message on provider.webhooks, read from the start by a group of this test's own. */
  const readAll = async (expected: number): Promise<KafkaMessage[]> => {
    const consumer = testKafka(testKafkaBrokers(), uniqueName('payout-webhook-reader')).consumer({ groupId: uniqueName('payout-webhook-reader'), ...FAST_GROUP });
    const messages: KafkaMessage[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          messages.push(message);
        },
      });
      await waitFor(`${expected} messages on ${topic}`, () => messages.length >= expected);
      return messages;
    } finally {
      await consumer.disconnect();
    }
  };

  beforeAll(async () => {
    service = await startService('payout-events-webhook', { kafka: true });
    if (!service.sandbox) throw new Error('the harness did not expose the provider-sandbox app');
    service.sandbox.get(PaymentRailsService).setWebhookUrl(`${service.url}/webhooks/plaid`);
    topic = `${service.topicPrefix}provider.webhooks`;
    admin = testKafka(testKafkaBrokers(), uniqueName('payout-webhook-admin')).admin();
    await admin.connect();
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
  });

  afterAll(async () => {
    await db?.end();
    await admin?.disconnect();
    await service?.close();
  });

  it('is verified, published with the payout feed as key, and acknowledged by the translator without effect', async () => {
    const eventsBefore = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]!.n);
    const response = await fetch(`${service.sandboxUrl}/payment_rails/payout/create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'plaid-client-id': SANDBOX_PLAID_CREDENTIALS.clientId, 'plaid-secret': SANDBOX_PLAID_CREDENTIALS.secret },
      body: JSON.stringify({
        idempotency_key: 'payout-webhook-e2e',
        rail: 'fps',
        amount: '12.00',
        iso_currency_code: 'GBP',
        // from the run's recorded numbers: the leak check proves the service neither stores nor logs them
        beneficiary: { name: 'Alan Turing', sort_code: sortCode(), account_number: ukAccountNumber() },
      }),
    });
    expect(response.status).toBe(200);

    const [message] = await readAll(1);
    expect(message!.key?.toString()).toBe('plaid:payment_rails');
    expect(JSON.parse(message!.value!.toString())).toEqual(WEBHOOK);
    expect(message!.headers?.['webhook_type']?.toString()).toBe('PAYMENT_RAILS');
    expect(message!.headers?.['webhook_code']?.toString()).toBe('PAYOUT_EVENTS_UPDATE');

    // The translator commits the message only after handling it; a failure would retry it and then dead-letter it.
    await waitFor('the translator to commit the webhook', async () => (await committedByTranslator()) === (await endOffset(topic)), 30_000);
    expect(await endOffset(topic)).toBe(1);
    expect(await endOffset(`${service.topicPrefix}provider.webhooks.dlq`)).toBe(0);
    expect(Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM events')).rows[0]!.n)).toBe(eventsBefore);
  });
});
