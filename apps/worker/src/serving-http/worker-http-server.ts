import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import type { Admin, Kafka } from 'kafkajs';
import type { Pool } from 'pg';
import { EVENT_STORE, EventStore } from '@payments/event-store';
import { CONSUMER_LAG_SOURCE, ConsumerLagSource, KAFKA, PROJECTION_LAG_SOURCE, ProjectionLagSource } from '@payments/infrastructure';
import { PG_POOL } from '@payments/read-models';
import { EventPublisherService } from '../publishing-events/event-publisher.service';
import { HealthRegistry } from '../../../api/src/platform/health/health.registry';
import { MetricsService } from '../../../api/src/platform/metrics/metrics.service';

export interface WorkerHttpServerOptions {
  port: number;
  host?: string;
  /** Bound on each readiness check and on the lag refresh of a scrape (default 2000 ms). */
  timeoutMs?: number;
}

const withTimeout = <T>(promise: Promise<T>, ms: number): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);

/**
 * The standalone worker's HTTP face (no Nest HTTP stack: it serves three routes): `/health/live`, `/health/ready`
 * (Postgres, event store, Kafka) and `/metrics` in Prometheus text, with the API's metric names
 * (`payments_projection_lag_events{projection}`, `payments_consumer_lag{group,topic}`) refreshed at every scrape from
 * the worker's projections and its webhook consumer group, plus the process's default metrics.
 */
export class WorkerHttpServer {
  readonly metrics = new MetricsService();
  private readonly health = new HealthRegistry();
  private server?: Server;
  private admin?: Admin;
  private readonly timeoutMs: number;

  constructor(
    private readonly app: INestApplicationContext,
    private readonly options: WorkerHttpServerOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 2000;
    const pool = app.get<Pool>(PG_POOL, { strict: false });
    const store = app.get<EventStore>(EVENT_STORE, { strict: false });
    const kafka = app.get<Kafka | null>(KAFKA, { strict: false });
    this.health.register({ name: 'postgres', check: () => pool.query('SELECT 1') });
    this.health.register({ name: 'event-store', check: () => store.readStream('$readiness-probe', { maxCount: 1 }) });
    if (kafka) {
      this.health.register({
        name: 'kafka',
        check: async () => {
          this.admin ??= kafka.admin();
          await this.admin.connect();
          return this.admin.describeCluster();
        },
      });
    }
  }

  private optional<T>(token: symbol): T | undefined {
    try {
      return this.app.get<T>(token, { strict: false });
    } catch {
      return undefined;
    }
  }

  private optionalClass<T>(type: new (...args: never[]) => T): T | undefined {
    try {
      return this.app.get(type, { strict: false });
    } catch {
      return undefined;
    }
  }

  /** Projection lag (events behind the log head), consumer lag (messages) and publisher lag into the gauges. */
  async refreshLag(): Promise<void> {
    const projections = this.optional<ProjectionLagSource>(PROJECTION_LAG_SOURCE);
    const consumer = this.optional<ConsumerLagSource>(CONSUMER_LAG_SOURCE);
    const publisher = this.optionalClass(EventPublisherService)?.publisher;
    const [projected, consumed, unpublished] = await Promise.all([
      withTimeout(projections?.projectionLag() ?? Promise.resolve([]), this.timeoutMs).catch(() => []),
      withTimeout(consumer?.consumerLag() ?? Promise.resolve([]), this.timeoutMs).catch(() => []),
      publisher ? withTimeout(publisher.lag(), this.timeoutMs).catch(() => undefined) : Promise.resolve(undefined),
    ]);
    for (const { projection, events } of projected) this.metrics.setProjectionLag(projection, events);
    for (const { group, topic, messages } of consumed) this.metrics.setConsumerLag(group, topic, messages);
    if (unpublished !== undefined) this.metrics.setPublisherLag(unpublished);
  }

  /** Starts listening; resolves with the bound port. */
  async listen(): Promise<number> {
    const server = createServer((request, response) => void this.route(request, response));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => resolve());
    });
    this.server = server;
    const address = server.address();
    return typeof address === 'object' && address ? address.port : this.options.port;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.admin?.disconnect().catch(() => undefined);
  }

  private async route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    const send = (status: number, contentType: string, body: string) => {
      response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
    };
    try {
      if (request.method !== 'GET') return send(405, 'application/json', JSON.stringify({ status: 'method_not_allowed' }));
      if (path === '/health/live') return send(200, 'application/json', JSON.stringify({ status: 'ok' }));
      if (path === '/health/ready') {
        const result = await this.health.run(this.timeoutMs);
        const body = { status: result.ok ? 'ok' : 'unavailable', checks: result.checks, failed: result.checks.filter((c) => !c.ok).map((c) => c.name) };
        return send(result.ok ? 200 : 503, 'application/json', JSON.stringify(body));
      }
      if (path === '/metrics') {
        await this.refreshLag();
        return send(200, this.metrics.contentType, await this.metrics.metrics());
      }
      return send(404, 'application/json', JSON.stringify({ status: 'not_found' }));
    } catch {
      if (!response.headersSent) send(500, 'application/json', JSON.stringify({ status: 'error' }));
    }
  }
}
