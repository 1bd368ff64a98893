import { AsyncLocalStorage } from 'node:async_hooks';
import { comparePositions, type EventHandler, type Position, type RecordedEvent, type Subscription } from '../event-store.port';

/** One page of a subscription's feed. */
export interface FeedPage {
  /** Matching events strictly after the cursor, in global order. */
  events: RecordedEvent[];
  /**
   * True when every event between the cursor and the safe high-water mark has been looked at (the page
   * was not full). The next fetch can then wait for new commits.
   */
  caughtUp: boolean;
  /** Where to continue from: never before the last delivered event; may skip past non-matching events. */
  next: Position;
  /**
   * True when committed events exist that are not deliverable yet (an older transaction is still open
   * and holds the high-water mark back). The subscription then re-polls quickly with backoff instead of
   * waiting a whole poll interval, because the transaction holding it back may never notify.
   */
  pending: boolean;
}

export interface FeedSource {
  fetch(after: Position, limit: number): Promise<FeedPage>;
}

export interface PollingSubscriptionOptions {
  fromPosition: Position;
  pageSize: number;
  pollIntervalMs: number;
  /** Consecutive fetch failures tolerated (with backoff) before `done` rejects with the last error. */
  maxFetchFailures: number;
  /** Registers a wake-up callback (NOTIFY received, or a local append); returns the unregister function. */
  onWake(wake: () => void): () => void;
  /** Called once the subscription has ended (stopped, handler failed, or fetch gave up). */
  onEnd(): void;
}

const FIRST_PENDING_DELAY_MS = 5;
const inHandler = new AsyncLocalStorage<PollingSubscription>();

/**
 * Catch-up then live delivery: read pages from the cursor until caught up, then sleep until woken by a
 * notification or the poll interval elapses (so a lost or never-sent NOTIFY only costs latency).
 * The handler is awaited for each event in order. A handler that throws ends the subscription and
 * rejects `done`. `stop()` resolves once the in-flight handler (if any) has returned; calling it from
 * inside the handler does not deadlock (it returns at once, and no further event is delivered).
 */
export class PollingSubscription implements Subscription {
  readonly done: Promise<void>;
  private stopped = false;
  private woken = false;
  private sleeper: (() => void) | undefined;

  constructor(
    private readonly source: FeedSource,
    private readonly handler: EventHandler,
    private readonly options: PollingSubscriptionOptions,
  ) {
    this.done = this.run();
    // `done` is part of the API; callers should watch it. This only keeps an unobserved failure from
    // crashing the process as an unhandled rejection.
    this.done.catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake();
    if (inHandler.getStore() === this) return;
    await this.done.catch(() => undefined);
  }

  private wake(): void {
    this.woken = true;
    const sleeper = this.sleeper;
    this.sleeper = undefined;
    sleeper?.();
  }

  private async run(): Promise<void> {
    const unregister = this.options.onWake(() => this.wake());
    try {
      let cursor = this.options.fromPosition;
      let failures = 0;
      let pendingDelay = 0;
      while (!this.stopped) {
        this.woken = false;
        let page: FeedPage;
        try {
          page = await this.source.fetch(cursor, this.options.pageSize);
          failures = 0;
        } catch (error) {
          failures += 1;
          if (failures > this.options.maxFetchFailures) throw error;
          await this.sleep(Math.min(this.options.pollIntervalMs, 50 * 2 ** failures));
          continue;
        }
        for (const event of page.events) {
          if (this.stopped) return;
          await inHandler.run(this, () => this.handler(event));
          cursor = event.position;
        }
        if (comparePositions(page.next, cursor) > 0) cursor = page.next;
        if (!page.caughtUp) continue;
        if (page.pending) {
          pendingDelay = pendingDelay === 0 ? FIRST_PENDING_DELAY_MS : Math.min(pendingDelay * 2, this.options.pollIntervalMs);
          await this.sleep(pendingDelay);
        } else {
          pendingDelay = 0;
          await this.sleep(this.options.pollIntervalMs);
        }
      }
    } finally {
      unregister();
      this.options.onEnd();
    }
  }

  private sleep(ms: number): Promise<void> {
    if (this.woken || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.sleeper = undefined;
        resolve();
      }, ms);
      this.sleeper = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
