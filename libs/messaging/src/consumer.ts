import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Batch, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import { decodeHeaders } from './headers';
import { KafkaMessagePublisher, type MessagePublisher } from './kafka-message-publisher';
import { type MessagingLogger, errorMessage, silentLogger } from './messaging-logger';

/** One message as a handler sees it. */
export interface ConsumedMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
  /** The message's Kafka timestamp (producer create time). */
  timestamp: Date;
  /** 1 on the first try in this consumer instance, then 2, 3, … on retries. */
  attempt: number;
  /**
   * When Kafka handed the message's batch to this process, on its monotonic clock (`performance.now()`): the message
   * was produced before this instant. Comparable only within this process.
   */
  deliveredAt: number;
}

/** Throw this (or subclass it) from a handler when retrying cannot help: the message goes to the DLQ at once. */
export class NonRetryableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NonRetryableError';
  }
}

/** Headers added to a dead-lettered message (its own key, value and headers are kept as they were). */
export const DLQ_HEADERS = {
  originalTopic: 'dlq_original_topic',
  originalPartition: 'dlq_original_partition',
  originalOffset: 'dlq_original_offset',
  consumerGroup: 'dlq_consumer_group',
  attempts: 'dlq_attempts',
  lastError: 'dlq_last_error',
  firstFailedAt: 'dlq_first_failed_at',
  deadLetteredAt: 'dlq_dead_lettered_at',
} as const;

export interface PartitionLag {
  topic: string;
  partition: number;
  /** Messages not yet committed by the group: high watermark minus committed offset. */
  lag: number;
  highWatermark: string;
  /** The group's committed offset (next message to process); null when the group has none yet. */
  committedOffset: string | null;
}

export interface DeadLetterInfo {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  attempts: number;
  lastError: string;
  dlqTopic: string;
}

export interface RunConsumerOptions {
  kafka: Kafka;
  groupId: string;
  topic: string;
  /** The effect. Resolve only once it is durable: the offset is committed right after. */
  handle: (message: ConsumedMessage) => Promise<void>;
  /** Tries per message (first delivery included) before it is dead-lettered. */
  maxAttempts: number;
  /** Wait before retry n is min(max, initial * 2^(n-1)). */
  backoffMs: { initial: number; max: number };
  dlqTopic: string;
  logger?: MessagingLogger;
  /** Where a new group starts: earliest (default, no message is skipped) or latest. */
  fromBeginning?: boolean;
  /** Defaults to: every error except {@link NonRetryableError} is retried. */
  isRetryable?: (error: unknown) => boolean;
  /** Partitions handled in parallel (order is kept per partition, hence per key). Default 1. */
  partitionsConsumedConcurrently?: number;
  /** Publishes dead letters; defaults to an idempotent {@link KafkaMessagePublisher} owned by this consumer. */
  dlqPublisher?: MessagePublisher;
  /** Called after every commit with that partition's remaining lag, as seen in the last fetch. */
  onLag?: (lag: PartitionLag) => void;
  onDeadLetter?: (info: DeadLetterInfo) => void;
  /** Group timings; kafkajs defaults are 30 s / 60 s / 3 s. Tests shorten them. */
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** Longest a fetch waits for data on an idle topic (kafkajs default 5 s). */
  maxWaitTimeMs?: number;
}

export interface ConsumerHandle {
  /** Resolves once the consumer joined its group and got partitions; rejects if it could not start. */
  readonly ready: Promise<void>;
  /** Stops fetching, waits for the message in flight (abandoning a retry wait), leaves the group. */
  stop(): Promise<void>;
  /** The group's lag per partition from the broker: committed offsets against high watermarks. */
  lag(): Promise<PartitionLag[]>;
}

/** The wait before retry number `failedAttempts` (1 after the first failure). */
export function backoffDelay(failedAttempts: number, backoff: { initial: number; max: number }): number {
  const exponent = Math.max(0, failedAttempts - 1);
  return Math.min(backoff.max, backoff.initial * 2 ** Math.min(exponent, 30));
}

const GROUP_MEMBERSHIP_ERRORS = new Set(['REBALANCE_IN_PROGRESS', 'NOT_COORDINATOR_FOR_GROUP', 'ILLEGAL_GENERATION', 'UNKNOWN_MEMBER_ID']);
const isMembershipError = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && GROUP_MEMBERSHIP_ERRORS.has(String((error as { type?: unknown }).type));

/** Failure bookkeeping kept across redeliveries to this instance (e.g. after a rebalance interrupted retries). */
interface FailureState {
  attempts: number;
  firstFailedAt: Date;
  lastError: string;
}
const MAX_TRACKED_FAILURES = 10_000;
/** Longest a handled message's offset waits for its commit while its batch is still being processed. */
const COMMIT_INTERVAL_MS = 100;

type Outcome = 'handled' | 'dead-lettered' | 'abandoned';

/**
 * Consumes `topic` as group `groupId` with commit-after-effect semantics:
 * - auto-commit is off; a message's offset + 1 is committed only after `handle` resolved, or after the
 *   message was written to `dlqTopic` once `maxAttempts` were used up, so a poison message never blocks
 *   its partition and nothing is committed that was not handled;
 * - failures are retried in place (the partition waits, so per-key order holds) with exponential backoff,
 *   heartbeating meanwhile so the group does not evict the member;
 * - a rebalance or `stop()` during retries abandons the message uncommitted: it is redelivered.
 * Delivery is at least once; handlers de-duplicate (by event id).
 */
export function runConsumer(options: RunConsumerOptions): ConsumerHandle {
  validate(options);
  const logger = options.logger ?? silentLogger;
  const isRetryable = options.isRetryable ?? ((error: unknown) => !(error instanceof NonRetryableError));
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
  const ownsDlqPublisher = options.dlqPublisher === undefined;
  const dlqPublisher = options.dlqPublisher ?? new KafkaMessagePublisher(options.kafka, { logger });
  const failures = new Map<string, FailureState>();
  const stopController = new AbortController();
  let admin: Promise<Admin> | null = null;

  const consumer: Consumer = options.kafka.consumer({
    groupId: options.groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs,
    rebalanceTimeout: options.rebalanceTimeoutMs,
    heartbeatInterval: heartbeatIntervalMs,
    maxWaitTimeInMs: options.maxWaitTimeMs,
  });

  let markReady: () => void = () => undefined;
  let failReady: (error: unknown) => void = () => undefined;
  let isReady = false;
  const ready = new Promise<void>((resolve, reject) => {
    markReady = () => {
      isReady = true;
      resolve();
    };
    failReady = reject;
  });
  ready.catch(() => undefined); // a caller that never awaits `ready` must not get an unhandled rejection

  consumer.on(consumer.events.GROUP_JOIN, (event) => {
    logger.info(
      { groupId: options.groupId, topic: options.topic, memberId: event.payload.memberId, assignment: event.payload.memberAssignment },
      'kafka consumer joined group',
    );
    markReady();
  });
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload;
    logger.error({ groupId: options.groupId, topic: options.topic, error: errorMessage(error), restart }, 'kafka consumer crashed');
    if (!restart && !isReady) failReady(error);
  });

  const processMessage = async (
    batch: Batch,
    message: KafkaMessage,
    deliveredAt: number,
    interrupt: AbortSignal,
    heartbeat: () => Promise<void>,
  ): Promise<Outcome> => {
    const { topic, partition } = batch;
    const failureKey = `${partition}:${message.offset}`;
    const base = {
      topic,
      partition,
      offset: message.offset,
      key: message.key ? message.key.toString('utf8') : null,
      value: message.value,
      headers: decodeHeaders(message.headers),
      timestamp: new Date(Number(message.timestamp)),
      deliveredAt,
    };
    const logFields = { groupId: options.groupId, topic, partition, offset: message.offset };

    for (;;) {
      const previous = failures.get(failureKey);
      const attempt = (previous?.attempts ?? 0) + 1;
      try {
        await options.handle({ ...base, attempt });
        failures.delete(failureKey);
        return 'handled';
      } catch (error) {
        const state: FailureState = {
          attempts: attempt,
          firstFailedAt: previous?.firstFailedAt ?? new Date(),
          lastError: errorMessage(error),
        };
        failures.delete(failureKey);
        failures.set(failureKey, state);
        if (failures.size > MAX_TRACKED_FAILURES) failures.delete(failures.keys().next().value as string);

        const retryable = isRetryable(error);
        if (!retryable || attempt >= options.maxAttempts) {
          logger.error({ ...logFields, attempts: attempt, error: state.lastError, retryable }, 'message failed for good; dead-lettering');
          const written = await deadLetter(base, state, interrupt, heartbeat);
          if (!written) return 'abandoned';
          failures.delete(failureKey);
          return 'dead-lettered';
        }
        if (interrupt.aborted) return 'abandoned';
        const delay = backoffDelay(attempt, options.backoffMs);
        logger.warn({ ...logFields, attempt, retryInMs: delay, error: state.lastError }, 'message handler failed; will retry');
        if (!(await wait(delay, interrupt))) return 'abandoned';
      }
    }
  };

  /** Writes the message to the DLQ, retrying until it is written or the consumer is interrupted. */
  const deadLetter = async (
    message: Omit<ConsumedMessage, 'attempt'>,
    state: FailureState,
    interrupt: AbortSignal,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> => {
    const headers: Record<string, string> = {
      ...message.headers,
      [DLQ_HEADERS.originalTopic]: message.topic,
      [DLQ_HEADERS.originalPartition]: String(message.partition),
      [DLQ_HEADERS.originalOffset]: message.offset,
      [DLQ_HEADERS.consumerGroup]: options.groupId,
      [DLQ_HEADERS.attempts]: String(state.attempts),
      [DLQ_HEADERS.lastError]: state.lastError,
      [DLQ_HEADERS.firstFailedAt]: state.firstFailedAt.toISOString(),
      [DLQ_HEADERS.deadLetteredAt]: new Date().toISOString(),
    };
    for (let tries = 1; ; tries++) {
      try {
        await dlqPublisher.publish(options.dlqTopic, [
          {
            // Our topics are always keyed; a keyless message keeps its partition's grouping instead.
            key: message.key ?? `${message.topic}:${message.partition}`,
            value: message.value ?? Buffer.alloc(0),
            headers,
          },
        ]);
        options.onDeadLetter?.({
          topic: message.topic,
          partition: message.partition,
          offset: message.offset,
          key: message.key,
          attempts: state.attempts,
          lastError: state.lastError,
          dlqTopic: options.dlqTopic,
        });
        return true;
      } catch (error) {
        logger.error(
          { groupId: options.groupId, topic: message.topic, partition: message.partition, offset: message.offset, tries, error: errorMessage(error) },
          'could not write to the DLQ; partition held until it succeeds',
        );
        await heartbeat().catch(() => undefined);
        if (!(await wait(backoffDelay(tries, options.backoffMs), interrupt))) return false;
      }
    }
  };

  const eachBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary }: EachBatchPayload) => {
    const { topic, partition } = batch;
    const batchController = new AbortController();
    const onStop = () => batchController.abort();
    stopController.signal.addEventListener('abort', onStop);
    let membershipError: unknown = null;
    // kafkajs only heartbeats when asked to; keep the membership alive while a handler or a backoff runs.
    const beat = setInterval(() => {
      heartbeat().catch((error: unknown) => {
        if (isMembershipError(error)) {
          membershipError ??= error;
          batchController.abort();
        } else {
          logger.debug({ groupId: options.groupId, error: errorMessage(error) }, 'heartbeat failed');
        }
      });
    }, Math.max(100, Math.floor(heartbeatIntervalMs / 2)));
    const deliveredAt = performance.now();
    // Handled offsets are committed together (at most every COMMIT_INTERVAL_MS, and when the batch ends), not one
    // commit round trip per message: still only after their effects, so a crash redelivers, never skips.
    let handledUpTo: string | null = null;
    let lastCommitAt = performance.now();
    const commitHandled = async (): Promise<void> => {
      if (handledUpTo === null) return;
      const next = handledUpTo;
      try {
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
      } catch (error) {
        logger.warn(
          { groupId: options.groupId, topic, partition, offset: next, error: errorMessage(error) },
          'offset commit failed after the effect; the messages since the last commit will be redelivered',
        );
        throw error;
      }
      if (handledUpTo === next) handledUpTo = null;
      lastCommitAt = performance.now();
      options.onLag?.({
        topic,
        partition,
        lag: Math.max(0, Number(BigInt(batch.highWatermark) - BigInt(next))),
        highWatermark: batch.highWatermark,
        committedOffset: next,
      });
    };
    try {
      for (const message of batch.messages) {
        if (!isRunning() || isStale() || batchController.signal.aborted) break;
        const outcome = await processMessage(batch, message, deliveredAt, batchController.signal, heartbeat);
        if (outcome === 'abandoned') break;
        handledUpTo = (BigInt(message.offset) + 1n).toString();
        resolveOffset(message.offset);
        if (performance.now() - lastCommitAt >= COMMIT_INTERVAL_MS) await commitHandled();
      }
      if (!membershipError) await commitHandled();
    } finally {
      clearInterval(beat);
      stopController.signal.removeEventListener('abort', onStop);
    }
    // Hand the membership problem to kafkajs so it rejoins; uncommitted messages are redelivered.
    if (membershipError) throw membershipError;
  };

  const started = (async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [options.topic], fromBeginning: options.fromBeginning ?? true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch,
    });
  })();
  started.catch((error: unknown) => {
    logger.error({ groupId: options.groupId, topic: options.topic, error: errorMessage(error) }, 'kafka consumer failed to start');
    failReady(error);
  });

  let stopping: Promise<void> | null = null;
  // Lag reads in flight; stop() lets them finish before it closes their admin client.
  const lagReads = new Set<Promise<unknown>>();
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      stopController.abort();
      await started.catch(() => undefined);
      // Waits for the batch in flight (its handler call finishes and commits), then leaves the group.
      await consumer.disconnect();
      await Promise.allSettled([...lagReads]);
      const openAdmin = admin;
      admin = null;
      if (openAdmin) await (await openAdmin.catch(() => null))?.disconnect();
      if (ownsDlqPublisher) await (dlqPublisher as KafkaMessagePublisher).close();
      failReady(new Error('consumer stopped before it was ready'));
    })();
    return stopping;
  };

  const lag = async (): Promise<PartitionLag[]> => {
    // A stopped consumer reports nothing rather than opening a new broker connection nobody closes.
    if (stopping) return [];
    const read = readLag();
    lagReads.add(read);
    try {
      return await read;
    } finally {
      lagReads.delete(read);
    }
  };

  const readLag = async (): Promise<PartitionLag[]> => {
    if (!admin) {
      const created = options.kafka.admin();
      admin = created.connect().then(
        () => created,
        (error: unknown) => {
          admin = null;
          throw error;
        },
      );
    }
    const client = await admin;
    const [topicOffsets, groupOffsets] = await Promise.all([
      client.fetchTopicOffsets(options.topic),
      client.fetchOffsets({ groupId: options.groupId, topics: [options.topic] }),
    ]);
    const committed = new Map(
      (groupOffsets.find((t) => t.topic === options.topic)?.partitions ?? []).map((p) => [p.partition, p.offset]),
    );
    return topicOffsets
      .map(({ partition, high, low }) => {
        const offset = committed.get(partition);
        const hasCommit = offset !== undefined && BigInt(offset) >= 0n;
        const from = hasCommit ? BigInt(offset) : BigInt(low);
        return {
          topic: options.topic,
          partition,
          lag: Math.max(0, Number(BigInt(high) - from)),
          highWatermark: high,
          committedOffset: hasCommit ? offset : null,
        };
      })
      .sort((a, b) => a.partition - b.partition);
  };

  return { ready, stop, lag };
}

/** Sleeps `ms`; false if interrupted first. */
async function wait(ms: number, interrupt: AbortSignal): Promise<boolean> {
  if (interrupt.aborted) return false;
  try {
    await sleep(ms, undefined, { signal: interrupt });
    return true;
  } catch {
    return false;
  }
}

function validate(options: RunConsumerOptions): void {
  const { maxAttempts, backoffMs } = options;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw new Error(`maxAttempts must be a positive integer, got ${maxAttempts}`);
  if (!(backoffMs.initial >= 0) || !(backoffMs.max >= backoffMs.initial)) {
    throw new Error(`backoffMs must satisfy 0 <= initial <= max, got ${JSON.stringify(backoffMs)}`);
  }
  if (options.dlqTopic === options.topic) throw new Error('dlqTopic must differ from topic');
  if (!options.groupId) throw new Error('groupId is required');
}
