import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { EVENT_STORE, EventStore } from '@payments/event-store';
import { KafkaMessagePublisher, TOPICS } from '@payments/messaging';
import { KAFKA } from '@payments/infrastructure';
import { PG_POOL } from '@payments/read-models';
import { WORKER_OPTIONS, WorkerOptions } from '../translating-provider-webhooks/worker-options';
import { PublicEventPublisher } from './public-event-publisher';

/**
 * Runs the event publisher (event store → Kafka `payments.events`) while the worker is up. Inactive when Kafka is not
 * configured (embedded mode without `KAFKA_BROKERS`: downstream consumers then read `GET /events/sync`).
 */
@Injectable()
export class EventPublisherService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('EventPublisher');
  private kafkaPublisher?: KafkaMessagePublisher;
  publisher?: PublicEventPublisher;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KAFKA) private readonly kafka: Kafka | null,
    @Inject(WORKER_OPTIONS) private readonly options: WorkerOptions,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.kafka || this.options.eventPublisher?.enabled === false) return;
    const topic = `${this.options.kafkaTopicPrefix}${TOPICS.paymentsEvents}`;
    this.kafkaPublisher = new KafkaMessagePublisher(this.kafka, { maxBatchMessages: 500 });
    this.publisher = new PublicEventPublisher(this.store, this.pool, this.kafkaPublisher, {
      topic,
      batchSize: this.options.eventPublisher?.batchSize,
      logger: { log: (m) => this.logger.log(m), error: (m, t) => this.logger.error(m, t) },
    });
    await this.publisher.start();
    this.logger.log(`publishing public events to ${topic}`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.publisher?.stop();
    await this.kafkaPublisher?.close();
  }
}
