export const API_OPTIONS = Symbol('API_OPTIONS');
export interface ApiOptions {
  /** Prefix for Kafka topic names (isolates test runs or tenants on one cluster). */
  kafkaTopicPrefix: string;
}
