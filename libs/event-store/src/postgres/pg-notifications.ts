import { Client, type ClientConfig } from 'pg';

const RECONNECT_DELAY_MS = 1000;

/**
 * One dedicated LISTEN connection per store, shared by all its subscriptions. Opened when the first
 * subscription registers, closed when the last one leaves. If the connection drops it reconnects after
 * a delay; subscriptions keep polling in the meantime, so nothing is lost, only latency.
 */
export class NotificationListener {
  private readonly callbacks = new Set<() => void>();
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly clientConfig: ClientConfig,
    private readonly channel: string,
  ) {}

  /** Registers a callback woken on every notification; returns the unregister function. */
  add(callback: () => void): () => void {
    this.callbacks.add(callback);
    this.ensureConnected();
    return () => {
      this.callbacks.delete(callback);
      if (this.callbacks.size === 0) void this.disconnect();
    };
  }

  /** Wakes every registered callback (also used for appends made through this very store). */
  wakeAll(): void {
    for (const callback of this.callbacks) callback();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.callbacks.clear();
    await this.disconnect();
  }

  private ensureConnected(): void {
    if (this.closed || this.client || this.connecting || this.reconnectTimer) return;
    this.connecting = this.connect().finally(() => {
      this.connecting = undefined;
    });
  }

  private async connect(): Promise<void> {
    const client = new Client(this.clientConfig);
    const lost = (): void => {
      if (this.client !== client) return;
      this.client = undefined;
      client.removeAllListeners('notification');
      void client.end().catch(() => undefined);
      this.scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.wakeAll();
    });
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel.replace(/"/g, '""')}"`);
    } catch {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      this.scheduleReconnect();
      return;
    }
    if (this.closed || this.callbacks.size === 0) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    // Events committed while we were not listening are found by the next poll; wake now to look.
    this.wakeAll();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.callbacks.size === 0 || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.ensureConnected();
    }, RECONNECT_DELAY_MS);
    this.reconnectTimer.unref();
  }

  private async disconnect(): Promise<void> {
    if (this.reconnectTimer) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = undefined;
    }
    await this.connecting;
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}

/**
 * Sends `pg_notify(channel)` after appends commit, coalesced: at most one NOTIFY in flight, and at most
 * one per `minIntervalMs`; appends that commit meanwhile cause exactly one more. The first append after
 * a quiet spell notifies at once; under load, other processes' subscribers learn of new events at most
 * `minIntervalMs` late (this process's own subscriptions are woken directly). It runs on its own
 * connection with `synchronous_commit = off` (a NOTIFY transaction carries no data worth an fsync) and
 * outside the append transactions, so the global lock NOTIFY takes at commit never serialises appends.
 * A failed NOTIFY is dropped: subscribers poll.
 */
export class CoalescingNotifier {
  private client: Client | undefined;
  private busy = false;
  /** An append committed after the in-flight NOTIFY was sent: send one more. */
  private dirty = false;
  private closed = false;
  private running: Promise<void> | undefined;

  private lastSentAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clientConfig: ClientConfig,
    private readonly channel: string,
    private readonly minIntervalMs: number,
  ) {}

  notify(): void {
    if (this.closed) return;
    if (this.busy) {
      this.dirty = true;
      return;
    }
    this.busy = true;
    this.running = this.loop();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.running;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async loop(): Promise<void> {
    try {
      do {
        const wait = this.lastSentAt + this.minIntervalMs - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        if (this.closed) return;
        this.dirty = false;
        this.lastSentAt = performance.now();
        const client = await this.connected();
        await client.query({ text: 'SELECT pg_notify($1, \'\')', values: [this.channel] });
      } while (this.dirty && !this.closed);
    } catch {
      const client = this.client;
      this.client = undefined;
      await client?.end().catch(() => undefined);
    } finally {
      this.busy = false;
      this.dirty = false;
    }
  }

  private async connected(): Promise<Client> {
    if (this.client) return this.client;
    const client = new Client(this.clientConfig);
    client.on('error', () => {
      if (this.client === client) this.client = undefined;
    });
    await client.connect();
    await client.query('SET synchronous_commit = off');
    this.client = client;
    return client;
  }
}
