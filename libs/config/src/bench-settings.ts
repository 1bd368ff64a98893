/** Settings of the benchmarks under bench/ (they run outside the service, so they have their own few). */
export interface BenchSettings {
  /** Measured seconds per case and round (BENCH_SECONDS, default 2). */
  seconds: number;
  /** Server the benchmark creates its throwaway database on (DATABASE_URL, default the local server). */
  databaseUrl: string;
}

export function loadBenchSettings(env: Record<string, string | undefined> = process.env): BenchSettings {
  const seconds = Number(env.BENCH_SECONDS ?? '2');
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new Error('BENCH_SECONDS must be a number of seconds from 0 to 600');
  return { seconds, databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' };
}
