import { type Kafka, Partitioners, type Producer } from 'kafkajs';
import { type MessagingLogger, errorMessage, silentLogger } from './messaging-logger';

export interface OutboundMessage {
  /** Partition key: messages with the same key keep their order. */
  key: string;
  value: Buffer | string;
  headers?: Record<string, string>;
}

/** The port the rest of the code publishes through. */
export interface MessagePublisher {
  /** Resolves only once the broker acknowledged every message (all in-sync replicas). */
  publish(topic: string, messages: readonly OutboundMessage[]): Promise<void>;
}

export interface KafkaMessagePublisherOptions {
  logger?: MessagingLogger;
  /** Broker-side wait for the in-sync replicas' acknowledgement, per request. Default 30 s. */
  ackTimeoutMs?: number;
  /** Client-side deadline for one `publish` call, retries included. Default 30 s. */
  deadlineMs?: number;
  /**
   * How long a `publish` waits for others to share its produce request when none is in flight. Default 2 ms.
   * While a request is in flight, calls made meanwhile go together in the next one anyway.
   */
  lingerMs?: number;
  /** Most messages in one produce request (calls are never split). Default 500. */
  maxBatchMessages?: number;
}

interface QueuedPublish {
  producer: Producer;
  topic: string;
  messages: readonly OutboundMessage[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** `publish` did not get an acknowledgement in time. The messages may or may not have been written. */
export class PublishTimeoutError extends Error {
  constructor(topic: string, deadlineMs: number) {
    super(`publish to ${topic} not acknowledged within ${deadlineMs} ms; outcome unknown`);
    this.name = 'PublishTimeoutError';
  }
}

/** The topic does not exist. Topics are created by `ensureTopics`, never by the broker on first use. */
export class UnknownTopicError extends Error {
  constructor(topic: string) {
    super(`topic ${topic} does not exist (create it with ensureTopics; broker auto-creation is not used)`);
    this.name = 'UnknownTopicError';
  }
}

export class PublisherClosedError extends Error {
  constructor() {
    super('publisher is closed');
    this.name = 'PublisherClosedError';
  }
}

/**
 * Idempotent Kafka producer: the broker de-duplicates the producer's own retries, so a retried request
 * never writes a message twice and never reorders a partition. `acks: -1` (all in-sync replicas).
 *
 * kafkajs' idempotent producer retries a send indefinitely (limiting retries could let the broker drop a
 * later batch as a "duplicate"), so `publish` has a client-side deadline instead: on
 * {@link PublishTimeoutError} the outcome is unknown and the caller retries with the same event ids
 * (consumers de-duplicate by event id).
 *
 * Concurrent `publish` calls share produce requests (one request in flight at a time; calls made meanwhile, or
 * within `lingerMs` of an idle publisher, go together in the next): each call resolves once the request carrying
 * its messages was acknowledged, and fails with it. Order per partition is the order of the calls.
 *
 * Connects on first use; `close()` waits (bounded) for publishes in flight, then disconnects.
 * Topics must exist: broker auto-creation is never asked for, and the first publish to a topic checks that it
 * exists ({@link UnknownTopicError}), since kafkajs would otherwise retry a send to a missing topic forever.
 */
export class KafkaMessagePublisher implements MessagePublisher {
  private readonly logger: MessagingLogger;
  private readonly ackTimeoutMs: number;
  private readonly deadlineMs: number;
  private producer: Promise<Producer> | null = null;
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly knownTopics = new Map<string, Promise<void>>();
  private closing: Promise<void> | null = null;
  private connected = false;
  private readonly lingerMs: number;
  private readonly maxBatchMessages: number;
  private queue: QueuedPublish[] = [];
  private flushing = false;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly kafka: Kafka,
    options: KafkaMessagePublisherOptions = {},
  ) {
    this.logger = options.logger ?? silentLogger;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 30_000;
    this.deadlineMs = options.deadlineMs ?? 30_000;
    this.lingerMs = options.lingerMs ?? 2;
    this.maxBatchMessages = options.maxBatchMessages ?? 500;
  }

  /** Connects now (optional: `publish` connects on first use). */
  async connect(): Promise<void> {
    await this.ready();
  }

  /** True while the producer is connected (for readiness probes). */
  isConnected(): boolean {
    return this.connected && this.closing === null;
  }

  async publish(topic: string, messages: readonly OutboundMessage[]): Promise<void> {
    if (this.closing) throw new PublisherClosedError();
    if (messages.length === 0) return;
    for (const message of messages) {
      if (typeof message.key !== 'string' || message.key.length === 0) {
        throw new Error(`publish to ${topic}: every message needs a non-empty key`);
      }
    }
    const send = Promise.all([this.ready(), this.assertTopicExists(topic)]).then(
      ([producer]) =>
        new Promise<void>((resolve, reject) => {
          this.queue.push({ producer, topic, messages, resolve, reject });
          this.schedule();
        }),
    );
    this.track(send);
    await withDeadline(send, this.deadlineMs, () => new PublishTimeoutError(topic, this.deadlineMs));
  }

  private schedule(): void {
    if (this.flushing || this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.lingerTimer = undefined;
      void this.flush();
    }, this.lingerMs);
  }

  /** Sends the queue, one produce request at a time, until it is empty. */
  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        const topicMessages = new Map<string, { key: string; value: Buffer | string; headers?: Record<string, string> }[]>();
        for (const { topic, messages } of batch) {
          const list = topicMessages.get(topic) ?? [];
          for (const m of messages) list.push({ key: m.key, value: m.value, headers: m.headers });
          topicMessages.set(topic, list);
        }
        try {
          await batch[0].producer.sendBatch({
            acks: -1,
            timeout: this.ackTimeoutMs,
            topicMessages: [...topicMessages].map(([topic, messages]) => ({ topic, messages })),
          });
          for (const queued of batch) queued.resolve();
        } catch (error) {
          for (const queued of batch) queued.reject(error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** The oldest queued calls that fit one request (at least one call; all through the same producer). */
  private takeBatch(): QueuedPublish[] {
    const first = this.queue[0];
    let count = 0;
    let taken = 0;
    while (taken < this.queue.length) {
      const next = this.queue[taken];
      if (next.producer !== first.producer) break;
      if (taken > 0 && count + next.messages.length > this.maxBatchMessages) break;
      count += next.messages.length;
      taken++;
    }
    return this.queue.splice(0, taken);
  }

  async close(): Promise<void> {
    if (!this.closing) this.closing = this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const pending = [...this.inFlight];
    if (pending.length > 0) {
      await withDeadline(Promise.allSettled(pending), this.deadlineMs, () => new Error('close: publishes still in flight')).catch(
        (error: unknown) => this.logger.warn({ error: errorMessage(error), inFlight: pending.length }, 'closing publisher with publishes in flight'),
      );
    }
    const producer = this.producer;
    this.producer = null;
    if (producer) {
      const connected = await producer.catch(() => null);
      await connected?.disconnect();
    }
    this.connected = false;
  }

  private ready(): Promise<Producer> {
    if (this.closing) return Promise.reject(new PublisherClosedError());
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        // Java-compatible murmur2 partitioning: the same key lands on the same partition as with Java clients.
        createPartitioner: Partitioners.DefaultPartitioner,
        // Unbounded retries are what the idempotent producer needs (see the class comment).
        retry: { retries: Number.MAX_SAFE_INTEGER },
      });
      producer.on(producer.events.DISCONNECT, () => {
        this.connected = false;
      });
      producer.on(producer.events.CONNECT, () => {
        this.connected = true;
      });
      const connecting = producer.connect().then(
        () => producer,
        (error: unknown) => {
          // Let the next publish try again from scratch.
          if (this.producer === connecting) this.producer = null;
          throw error;
        },
      );
      this.producer = connecting;
    }
    return this.producer;
  }

  private assertTopicExists(topic: string): Promise<void> {
    let check = this.knownTopics.get(topic);
    if (!check) {
      check = (async () => {
        const admin = this.kafka.admin();
        await admin.connect();
        try {
          if (!(await admin.listTopics()).includes(topic)) throw new UnknownTopicError(topic);
        } finally {
          await admin.disconnect();
        }
      })();
      this.knownTopics.set(topic, check);
      // Forget failures so the topic is checked again next time (it may have been created since).
      check.catch(() => this.knownTopics.delete(topic));
    }
    return check;
  }

  private track(promise: Promise<unknown>): void {
    const settled = promise.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
  }
}

/** Rejects with `onTimeout()` if `promise` has not settled within `ms`. The timer never keeps the process alive. */
export function withDeadline<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
