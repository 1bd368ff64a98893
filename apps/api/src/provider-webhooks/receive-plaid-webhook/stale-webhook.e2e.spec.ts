import { createKafka } from '@payments/messaging';
import { WebhookKeyRing } from '../../../../provider-sandbox/src';
import { ServiceHarness, startService } from '../../../../../test/support/service-harness';
import { testKafkaBrokers } from '../../../../../test/support/kafka';

/** A genuine provider signature whose `iat` is more than 5 minutes old for the receiver is refused. */
describe('provider webhook with a stale iat', () => {
  let service: ServiceHarness;
  // The service believes it is 6 minutes later than the provider-sandbox that signs.
  const aheadClock = { now: () => new Date(Date.now() + 6 * 60 * 1000) };

  beforeAll(async () => {
    service = await startService('stale-webhook', { kafka: true, clock: aheadClock });
  });
  afterAll(async () => {
    await service?.close();
  });

  it('answers 401 (stale_token) and puts nothing on Kafka', async () => {
    const admin = createKafka({ brokers: testKafkaBrokers(), clientId: 'stale-offsets' }).admin();
    await admin.connect();
    const topic = `${service.topicPrefix}provider.webhooks`;
    const endOffsets = async () => (await admin.fetchTopicOffsets(topic)).map((p) => `${p.partition}:${p.high}`).join(',');
    try {
      const before = await endOffsets();
      const body = JSON.stringify({ webhook_type: 'BANK_TRANSFERS', webhook_code: 'BANK_TRANSFERS_EVENTS_UPDATE', environment: 'sandbox' }, null, 2);
      const signature = await service.sandbox!.get(WebhookKeyRing).sign(Buffer.from(body));
      const response = await fetch(`${service.url}/webhooks/plaid`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'plaid-verification': signature },
        body,
      });
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ error_reason: 'ErrorUnauthorized', error_details: [{ key: 'issue', details: 'stale_token' }] });
      expect(await endOffsets()).toBe(before);
    } finally {
      await admin.disconnect();
    }
  });
});
