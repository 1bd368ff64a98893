/** Helpers for this library's integration tests (excluded from the build). */
import type { Kafka } from 'kafkajs';
import { createKafka } from '../kafka';
import type { RunConsumerOptions } from '../consumer';
import { ensureTopics } from '../topics';

/** A client with short retries so a failing test fails fast. */
export function testKafka(brokers: string[], clientId: string): Kafka {
  return createKafka({
    brokers,
    clientId,
    logLevel: 'nothing',
    retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 5 },
  });
}

/** Group timings for tests: quick joins, quick idle fetches. */
export const FAST_GROUP: Pick<RunConsumerOptions, 'sessionTimeoutMs' | 'rebalanceTimeoutMs' | 'heartbeatIntervalMs' | 'maxWaitTimeMs'> = {
  sessionTimeoutMs: 6_000,
  rebalanceTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  maxWaitTimeMs: 100,
};

/** Creates a test topic explicitly (auto-creation is off), through the same code production uses. */
export async function createTopic(kafka: Kafka, topic: string, partitions = 1): Promise<void> {
  await ensureTopics(kafka, { replicationFactor: 1, topics: [{ name: topic, partitions, keyedBy: 'test', config: {} }] });
}

/** Polls `check` until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
