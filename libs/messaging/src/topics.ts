import type { Admin, IResourceConfigEntry, Kafka } from 'kafkajs';
import { type MessagingLogger, errorMessage, silentLogger } from './messaging-logger';

/** The project's topic names (ARCHITECTURE.md §7). */
export const TOPICS = {
  /** Raw provider webhooks, keyed by the provider resource id (e.g. `bank_transfer_id`). */
  providerWebhooks: 'provider.webhooks',
  /** Webhooks the translator gave up on after N attempts; same key as the original. */
  providerWebhooksDlq: 'provider.webhooks.dlq',
  /** Every domain event, keyed by its aggregate/stream id (per-stream ordering). */
  paymentsEvents: 'payments.events',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

/**
 * One topic as data. `config` holds the topic-level settings that do not depend on the cluster size;
 * `min.insync.replicas` is derived from the replication factor when the topic is created.
 */
export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
  /** What the message key is (documentation; the producer sets it). */
  readonly keyedBy: string;
  readonly config: Readonly<Record<string, string>>;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const COMMON_CONFIG = {
  'cleanup.policy': 'delete',
  // Never elect an out-of-sync replica: losing acknowledged payment events is worse than unavailability.
  'unclean.leader.election.enable': 'false',
  'message.timestamp.type': 'CreateTime',
} as const;

/** The topology. Partition counts bound consumer parallelism; they can be raised later, never lowered. */
export const TOPOLOGY: readonly TopicSpec[] = [
  {
    name: TOPICS.providerWebhooks,
    partitions: 12,
    keyedBy: 'provider resource id',
    config: { ...COMMON_CONFIG, 'retention.ms': String(7 * DAY_MS) },
  },
  {
    name: TOPICS.providerWebhooksDlq,
    partitions: 3,
    keyedBy: 'provider resource id (as the original message)',
    // Operators need time to look at and replay dead letters.
    config: { ...COMMON_CONFIG, 'retention.ms': String(30 * DAY_MS) },
  },
  {
    name: TOPICS.paymentsEvents,
    partitions: 12,
    keyedBy: 'aggregate/stream id',
    config: { ...COMMON_CONFIG, 'retention.ms': String(30 * DAY_MS) },
  },
];

/** `min.insync.replicas` for a replication factor: 2 of 3 in production, 1 on a single broker. */
export function minInsyncReplicasFor(replicationFactor: number): number {
  return Math.max(1, Math.min(2, replicationFactor - 1));
}

/** The full topic-level config a topic is created with, for a given replication factor. */
export function topicConfigEntries(spec: TopicSpec, replicationFactor: number): IResourceConfigEntry[] {
  const config: Record<string, string> = {
    ...spec.config,
    'min.insync.replicas': String(minInsyncReplicasFor(replicationFactor)),
  };
  return Object.entries(config).map(([name, value]) => ({ name, value }));
}

export interface EnsureTopicsOptions {
  /** 1 on a single local broker, 3 in production. */
  replicationFactor: number;
  /** Defaults to {@link TOPOLOGY}. */
  topics?: readonly TopicSpec[];
  /** Broker-side timeout for each create request. */
  timeoutMs?: number;
  logger?: MessagingLogger;
}

export interface EnsureTopicsResult {
  created: string[];
  partitionsRaised: { topic: string; from: number; to: number }[];
  /** Existed with at least the configured partition count; left as they are. */
  unchanged: string[];
}

/**
 * Creates the topics that are missing and raises partition counts that are below the spec. Safe to run
 * at every start and from several processes at once. The project never relies on broker auto-creation.
 *
 * Raising partitions changes which partition a key maps to for new messages, so per-key ordering is only
 * guaranteed again once the old partitions are drained; do it deliberately.
 * Config of existing topics is not altered.
 */
export async function ensureTopics(kafka: Kafka, options: EnsureTopicsOptions): Promise<EnsureTopicsResult> {
  const { replicationFactor, topics = TOPOLOGY, timeoutMs = 30_000, logger = silentLogger } = options;
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    throw new Error(`replicationFactor must be a positive integer, got ${replicationFactor}`);
  }
  for (const spec of topics) {
    if (!Number.isInteger(spec.partitions) || spec.partitions < 1) {
      throw new Error(`topic ${spec.name}: partitions must be a positive integer, got ${spec.partitions}`);
    }
  }

  const result: EnsureTopicsResult = { created: [], partitionsRaised: [], unchanged: [] };
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const spec of topics) {
      if (!existing.has(spec.name)) {
        // One topic per request: kafkajs reports "already exists" (a concurrent creator won) as `false`
        // only when every topic in the request already exists.
        const created = await admin
          .createTopics({
            // kafkajs' own leader wait can fail on a KRaft broker whose metadata lags the create; waited for below.
            waitForLeaders: false,
            timeout: timeoutMs,
            topics: [
              {
                topic: spec.name,
                numPartitions: spec.partitions,
                replicationFactor,
                configEntries: topicConfigEntries(spec, replicationFactor),
              },
            ],
          })
          .catch((error: unknown) => {
            throw new Error(`creating topic ${spec.name} failed: ${kafkaErrorText(error)}`, { cause: error });
          });
        // A concurrent creator may have won with another partition count: then only wait for the topic to show.
        await waitForLeaders(admin, spec.name, created ? spec.partitions : 1, timeoutMs);
        if (created) {
          logger.info({ topic: spec.name, partitions: spec.partitions, replicationFactor }, 'kafka topic created');
          result.created.push(spec.name);
          continue;
        }
      }
      const current = await partitionCount(admin, spec.name);
      if (current < spec.partitions) {
        await admin.createPartitions({ timeout: timeoutMs, topicPartitions: [{ topic: spec.name, count: spec.partitions }] });
        await waitForLeaders(admin, spec.name, spec.partitions, timeoutMs);
        logger.warn(
          { topic: spec.name, from: current, to: spec.partitions },
          'kafka topic partitions raised; key-to-partition mapping changed for new messages',
        );
        result.partitionsRaised.push({ topic: spec.name, from: current, to: spec.partitions });
      } else {
        result.unchanged.push(spec.name);
      }
    }
  } finally {
    await admin.disconnect();
  }
  return result;
}

const NOT_YET_VISIBLE = new Set(['UNKNOWN_TOPIC_OR_PARTITION', 'LEADER_NOT_AVAILABLE']);

/** Waits until the topic shows in metadata with at least `partitions` partitions, each with a leader. */
async function waitForLeaders(admin: Admin, topic: string, partitions: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const found = topics.find((t) => t.name === topic);
      if (found && found.partitions.length >= partitions && found.partitions.every((p) => p.leader >= 0)) return;
    } catch (error) {
      if (!NOT_YET_VISIBLE.has(String((error as { type?: unknown }).type))) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topic ${topic}: no leader for every partition after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** kafkajs reports per-topic failures inside an aggregate error whose own message says little. */
function kafkaErrorText(error: unknown): string {
  const nested = (error as { errors?: unknown }).errors;
  if (Array.isArray(nested) && nested.length > 0) return nested.map((e) => errorMessage(e)).join('; ');
  return errorMessage(error);
}

async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const found = metadata.topics.find((t) => t.name === topic);
  if (!found) throw new Error(`topic ${topic} not found in metadata`);
  return found.partitions.length;
}
