import type { ConsumedMessage } from './consumer';
import { InProcessWebhookSink, type ReceivedWebhook, webhookFromMessage } from './webhook-sink';

const webhook: ReceivedWebhook = {
  key: 'bt_1',
  body: Buffer.from('{"webhook_code":"BANK_TRANSFERS_EVENTS_UPDATE"}'),
  headers: { 'plaid-verification': 'jwt' },
  receivedAt: new Date('2026-11-21T10:00:00Z'),
};

describe('InProcessWebhookSink', () => {
  it('resolves only after the handler has finished with the webhook', async () => {
    const handled: ReceivedWebhook[] = [];
    const sink = new InProcessWebhookSink(async (w) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      handled.push(w);
    });
    await sink.publish(webhook);
    expect(handled).toEqual([webhook]);
  });

  it('rejects when the handler fails, so the receiver does not answer 200', async () => {
    const sink = new InProcessWebhookSink(async () => {
      throw new Error('translator failed');
    });
    await expect(sink.publish(webhook)).rejects.toThrow('translator failed');
  });
});

describe('webhookFromMessage', () => {
  const message: ConsumedMessage = {
    topic: 'provider.webhooks',
    partition: 0,
    offset: '7',
    key: 'bt_1',
    value: webhook.body,
    headers: { 'plaid-verification': 'jwt' },
    timestamp: new Date('2026-11-21T10:00:05Z'),
    attempt: 1,
    deliveredAt: 1234.5,
  };

  it('carries when Kafka delivered the message to this process, for the translator to coalesce runs', () => {
    expect(webhookFromMessage(message).arrivedAt).toBe(1234.5);
  });

  it('falls back to the Kafka timestamp when received_at is missing or unreadable', () => {
    expect(webhookFromMessage(message).receivedAt.toISOString()).toBe('2026-11-21T10:00:05.000Z');
    expect(webhookFromMessage({ ...message, headers: { received_at: 'nonsense' } }).receivedAt.toISOString()).toBe(
      '2026-11-21T10:00:05.000Z',
    );
  });

  it('refuses a message without a key', () => {
    expect(() => webhookFromMessage({ ...message, key: null })).toThrow(/without a key/);
  });
});
