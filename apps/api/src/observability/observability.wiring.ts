import { Inject, Injectable, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Admin, Kafka } from 'kafkajs';
import { CommandProcessor, EVENT_STORE, EventStore } from '@payments/event-store';
import { KAFKA } from '@payments/infrastructure';
import { HealthRegistry, MetricsService } from '../platform';

/**
 * Connects the write side and infrastructure to the platform's probes and metrics: command latency
 * (`payments_command_duration_seconds`), and readiness of the event store and (when configured) Kafka.
 */
@Injectable()
export class ObservabilityWiring implements OnModuleInit, OnApplicationShutdown {
  private admin?: Admin;

  constructor(
    private readonly commands: CommandProcessor,
    private readonly metrics: MetricsService,
    private readonly health: HealthRegistry,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(KAFKA) private readonly kafka: Kafka | null,
  ) {}

  onModuleInit(): void {
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
    await this.admin?.disconnect().catch(() => undefined);
  }
}
