import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { CommandProcessor, EVENT_STORE, EventStore } from '@payments/event-store';
import { CONSUMER_LAG_SOURCE, ConsumerLagSource, KAFKA, PROJECTION_LAG_SOURCE, ProjectionLagSource } from '@payments/infrastructure';
import { ModuleRef } from '@nestjs/core';
import { HealthRegistry, MetricsService } from '../platform';

/**
 * Connects the write side and infrastructure to the platform's probes and metrics: command latency
 * (`payments_command_duration_seconds`), projection and consumer lag (when the worker runs in this process), and readiness of the event store and (when configured) Kafka.
 */
@Injectable()
export class ObservabilityWiring implements OnModuleInit, OnApplicationShutdown {
  private admin?: Admin;
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;

  constructor(
    private readonly commands: CommandProcessor,
    private readonly metrics: MetricsService,
    private readonly health: HealthRegistry,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KAFKA) private readonly kafka: Kafka | null,
    private readonly moduleRef: ModuleRef,
  ) {}

  private optional<T>(token: symbol): T | undefined {
    try {
      return this.moduleRef.get<T>(token, { strict: false });
    } catch {
      return undefined;
    }
  }

  /** Refreshes the lag gauges from the worker pieces running in this process (embedded mode). */
  async refreshLag(): Promise<void> {
    const projections = this.optional<ProjectionLagSource>(PROJECTION_LAG_SOURCE);
    const consumer = this.optional<ConsumerLagSource>(CONSUMER_LAG_SOURCE);
    for (const { projection, events } of (await projections?.projectionLag()) ?? []) this.metrics.setProjectionLag(projection, events);
    for (const { group, topic, messages } of (await consumer?.consumerLag()) ?? []) this.metrics.setConsumerLag(group, topic, messages);
  }

  onModuleInit(): void {
    this.timer = setInterval(() => {
      // One refresh at a time; shutdown waits for the one in flight so no broker call outlives the app.
      this.refreshing ??= this.refreshLag()
        .catch(() => undefined)
        .finally(() => (this.refreshing = undefined));
    }, 5000);
    this.timer.unref();
    this.commands.setObserver({ observe: (command, outcome, seconds) => this.metrics.observeCommand(command, outcome, seconds) });
    this.health.register({ name: 'event-store', check: () => this.store.readStream('$readiness-probe', { maxCount: 1 }) });
    const kafka = this.kafka;
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

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.refreshing;
    await this.admin?.disconnect().catch(() => undefined);
  }
}
