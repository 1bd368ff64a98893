/**
 * A Kafka broker for a benchmark: the one KAFKA_BROKERS names, or one started with test/infra/kafka.sh (a real
 * single-node KRaft broker on 127.0.0.1) and stopped again by `stop()`; the broker also stops when this process dies
 * (--owner-pid).
 */
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

export interface BenchKafka {
  brokers: string[];
  /** True when this benchmark started the broker (and `stop()` stops it). */
  started: boolean;
  stop(): void;
}

const KAFKA_SH = resolve(__dirname, '../../test/infra/kafka.sh');

export function startBenchKafka(given: string[] | undefined, id: string): BenchKafka {
  if (given) return { brokers: given, started: false, stop: () => undefined };
  process.stdout.write(`starting a Kafka broker (test/infra/kafka.sh, id ${id})...\n`);
  execFileSync('bash', [KAFKA_SH, 'download'], { stdio: ['ignore', 'ignore', 'inherit'] });
  const address = execFileSync('bash', [KAFKA_SH, 'start', '--id', id, '--owner-pid', String(process.pid)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
  }).trim();
  if (!/^127\.0\.0\.1:\d+$/.test(address)) throw new Error(`kafka.sh start printed ${JSON.stringify(address)}, not an address`);
  let stopped = false;
  return {
    brokers: [address],
    started: true,
    stop() {
      if (stopped) return;
      stopped = true;
      execFileSync('bash', [KAFKA_SH, 'stop', '--id', id], { stdio: ['ignore', 'ignore', 'inherit'] });
    },
  };
}
