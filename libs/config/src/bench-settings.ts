/** Settings of the benchmarks under bench/ (they run outside the service, so they have their own few). */
export interface BenchSettings {
  /** Measured seconds per case and round (BENCH_SECONDS, default 2). */
  seconds: number;
  /** Server the benchmark creates its throwaway database on (DATABASE_URL, default the local server). */
  databaseUrl: string;
  /** Kafka to use (KAFKA_BROKERS, comma-separated); undefined: the benchmark starts its own broker. */
  kafkaBrokers: string[] | undefined;
  /** ACH pulls per measured phase of bench:webhooks (BENCH_WEBHOOK_PULLS, default 600; the bench creates 1.5 times this). */
  webhookPulls: number;
  /**
   * bench:webhooks: the provider sandbox's window for coalescing BANK_TRANSFERS_EVENTS_UPDATE webhooks
   * (BENCH_WEBHOOK_COALESCE_MS, default 50; 0 = one webhook per provider event, the receiver's worst case).
   */
  webhookCoalesceMs: number;
}

export function loadBenchSettings(env: Record<string, string | undefined> = process.env): BenchSettings {
  const seconds = Number(env.BENCH_SECONDS ?? '2');
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new Error('BENCH_SECONDS must be a number of seconds from 0 to 600');
  const webhookPulls = Number(env.BENCH_WEBHOOK_PULLS ?? '600');
  if (!Number.isInteger(webhookPulls) || webhookPulls < 10 || webhookPulls > 20000) throw new Error('BENCH_WEBHOOK_PULLS must be a whole number from 10 to 20000');
  const webhookCoalesceMs = Number(env.BENCH_WEBHOOK_COALESCE_MS ?? '50');
  if (!Number.isInteger(webhookCoalesceMs) || webhookCoalesceMs < 0 || webhookCoalesceMs > 60000) {
    throw new Error('BENCH_WEBHOOK_COALESCE_MS must be a whole number of milliseconds from 0 to 60000');
  }
  const kafkaBrokers = env.KAFKA_BROKERS?.split(',')
    .map((broker) => broker.trim())
    .filter(Boolean);
  return {
    seconds,
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    kafkaBrokers: kafkaBrokers && kafkaBrokers.length > 0 ? kafkaBrokers : undefined,
    webhookPulls,
    webhookCoalesceMs,
  };
}
