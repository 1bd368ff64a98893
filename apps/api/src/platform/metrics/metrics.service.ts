import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type CommandOutcome = 'success' | 'rejected' | 'conflict' | 'error';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics on a registry of our own (not prom-client's global one, so several apps in one
 * process or test do not collide). Exposed at /metrics.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpRequestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly commandDuration = new Histogram({
    name: 'payments_command_duration_seconds',
    help: 'Command handling duration (load, decide, append) by command and outcome',
    labelNames: ['command', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly projectionLag = new Gauge({
    name: 'payments_projection_lag_events',
    help: 'Events in the store not yet applied by a projection',
    labelNames: ['projection'] as const,
    registers: [this.registry],
  });

  readonly consumerLag = new Gauge({
    name: 'payments_consumer_lag',
    help: 'Kafka consumer group lag (messages) by group and topic',
    labelNames: ['group', 'topic'] as const,
    registers: [this.registry],
  });

  readonly publisherLag = new Gauge({
    name: 'payments_event_publisher_lag_events',
    help: 'Events in the store not yet published to Kafka payments.events (counted up to 1000)',
    registers: [this.registry],
  });

  readonly idempotentReplays = new Counter({
    name: 'payments_idempotent_replays_total',
    help: 'Responses replayed from an Idempotency-Key',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  observeHttp(method: string, route: string, statusCode: number, seconds: number): void {
    this.httpRequestDuration.observe({ method, route, status_code: String(statusCode) }, seconds);
  }

  observeCommand(command: string, outcome: CommandOutcome, seconds: number): void {
    this.commandDuration.observe({ command, outcome }, seconds);
  }

  /** Times `fn` as `command`; outcome 'success', or what `classify` says of the error (default 'error'). */
  async timeCommand<T>(command: string, fn: () => Promise<T>, classify: (error: unknown) => CommandOutcome = () => 'error'): Promise<T> {
    const started = process.hrtime.bigint();
    const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
    try {
      const result = await fn();
      this.observeCommand(command, 'success', seconds());
      return result;
    } catch (error) {
      this.observeCommand(command, classify(error), seconds());
      throw error;
    }
  }

  setProjectionLag(projection: string, events: number): void {
    this.projectionLag.set({ projection }, events);
  }

  setConsumerLag(group: string, topic: string, messages: number): void {
    this.consumerLag.set({ group, topic }, messages);
  }

  setPublisherLag(events: number): void {
    this.publisherLag.set(events);
  }

  /** Prometheus text exposition format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
