import { backoffDelay } from './consumer';
import { TOPICS, TOPOLOGY, minInsyncReplicasFor, topicConfigEntries } from './topics';

describe('topology', () => {
  it('declares the three topics of ARCHITECTURE.md §7', () => {
    expect(TOPOLOGY.map((t) => t.name)).toEqual([TOPICS.providerWebhooks, TOPICS.providerWebhooksDlq, TOPICS.paymentsEvents]);
    expect(TOPICS).toEqual({
      providerWebhooks: 'provider.webhooks',
      providerWebhooksDlq: 'provider.webhooks.dlq',
      paymentsEvents: 'payments.events',
    });
  });

  it('derives min.insync.replicas from the replication factor: 2 of 3 in production, 1 on one broker', () => {
    expect([1, 2, 3, 5].map(minInsyncReplicasFor)).toEqual([1, 1, 2, 2]);
    const entries = Object.fromEntries(topicConfigEntries(TOPOLOGY[0], 3).map((e) => [e.name, e.value]));
    expect(entries).toMatchObject({ 'min.insync.replicas': '2', 'unclean.leader.election.enable': 'false' });
  });
});

describe('backoffDelay', () => {
  it('doubles from initial and stops at max', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, { initial: 100, max: 1_000 }))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    expect(backoffDelay(10_000, { initial: 100, max: 30_000 })).toBe(30_000);
  });
});
