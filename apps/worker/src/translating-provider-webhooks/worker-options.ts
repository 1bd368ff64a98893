/** Options of the worker module (WorkerModule.forRoot). */
export const WORKER_OPTIONS = Symbol('WORKER_OPTIONS');
export interface WorkerOptions {
  /** Prefix for Kafka topic and group names (isolates test runs or tenants on one cluster). */
  kafkaTopicPrefix: string;
  /** Attempts per webhook before it goes to the DLQ (default 8). */
  maxAttempts?: number;
  /** Provider events whose commands the bank transfer translator runs together, per cursor update (default 250). */
  providerEventsApplyBatch?: number;
  /** The event publisher to `payments.events` (runs when Kafka is configured, unless `enabled: false`). */
  eventPublisher?: { enabled?: boolean; batchSize?: number };
}
