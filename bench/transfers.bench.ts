/**
 * ACH transfer latency (issue 5): POST /api/v2/bank/transfer/estimate and POST /api/v1/bank/transfer (by `amount`, no
 * estimation id: a fresh quote each time) at 100 concurrent requests (10 as a reference), requests/s with p50 and p99
 * latency, beside raw Postgres transactions of the same concurrency, same process, same run.
 *
 *   npm run bench:transfers                   (DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_SECONDS=5 npm run bench:transfers
 *
 * Starts the API (no worker and no Kafka: acceptance is what is measured; nothing submits the transfers, so every
 * execute leaves its asset hold in place) on a fresh database, dropped at the end. Setup, over HTTP and the command
 * path, as a product app and ops would: 100 users, each with a profile (POST /user/linked-bank-account/profile), KYC
 * approved (PUT /ops/users/{user}/kyc), AchOut3rdParty granted (GrantCapability on the customer stream through the
 * CommandProcessor: there is no ops endpoint for it yet) and 1,000,000,000 WUSD and WEUR credited
 * (POST /ops/users/{user}/asset-balances/credit), far more than a run can hold. The recipient is a third party with
 * fixed test numbers (a valid ABA routing number); nothing is sent to a provider.
 *
 * Each case warms up, then alternates service and raw runs (three rounds each) so background load hits both sides
 * alike; the table shows the median of the rounds for each figure.
 *  - Service: HTTP from a load client in its own process (bench/support/http-load-process.ts: keep-alive connections,
 *    one closed loop each, latency per request from send to the end of the response), the users in turn. Estimate
 *    quotes every asset (WUSD and WEUR) and appends TransferEstimated; execute quotes one asset (even users WUSD, odd
 *    users WEUR), places the asset hold on `asset-balance-{user}-{SYMBOL}` and appends TransferInitiated.
 *  - Raw: one INSERT of a transfer-sized row per transaction (autocommit), in `concurrency` closed loops in this
 *    process, each op timed from call to result the same way. The raw pool has as many connections as the service's
 *    own pool (20, InfrastructureModule) or fewer (concurrency 10: 10), so at 100 both sides queue 100 callers on 20
 *    connections; a pool of 100 would not fit the shared server's max_connections (100) beside the service's.
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Client, Pool } from 'pg';
import { loadBenchSettings } from '@payments/config';
import { customerDecider, customerStreamId } from '@payments/domain';

import { PG_POOL } from '@payments/read-models';
import { achAccountIdFor } from '../apps/api/src/transfers/transfer-support';
import { HttpLoadProcess, LoadResult } from './support/http-load-process';
import { BenchApi, startBenchApi } from './support/bench-api';
import { fmt, table } from './support/stats';

const { seconds: SECONDS, databaseUrl: ADMIN_URL } = loadBenchSettings();
const WARMUP_SECONDS = Math.min(1, SECONDS);
const ROUNDS = 3;
const USERS = 100;
const CONCURRENCY = [10, 100];
/** The service's own Postgres pool (InfrastructureModule: max 20); the raw pool never has more. */
const SERVICE_POOL_SIZE = 20;
const WUSD = '0x0774164DC20524Bb239b39D1DC42573C3E4C6976';
const WEUR = '0x5c55F314624718019A326F16a62A05D6C6d8C8A2';
const CREDIT = '1000000000';
// Fixed test numbers (valid ABA checksum), as in payouts.bench: no test run's leak check is involved here.
const RECIPIENT_ACCOUNT = {
  account_number: '44556677889',
  routing_number: '021000021',
  bank_name: 'Bank of America',
  legal_address: { line1: '123 Main Street', city: 'New York', state: 'NY', zip_code: '10001', country: 'US' },
};

type Service = BenchApi;
const startApi = startBenchApi;

async function call(service: Service, method: 'POST' | 'PUT', path: string, auth: { userId: string } | 'ops', body: unknown): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (auth === 'ops') headers.authorization = `Bearer ${service.opsKey}`;
  else Object.assign(headers, { authorization: `Bearer ${service.appKey}`, 'x-user-id': auth.userId });
  const response = await fetch(`${service.url}${path}`, { method, headers, body: JSON.stringify(body) });
  return { status: response.status, text: await response.text() };
}

async function expectStatus(what: string, status: number, response: Promise<{ status: number; text: string }>): Promise<void> {
  const r = await response;
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${r.text}`);
}

async function inParallel<T>(items: T[], workers: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/** A user who may send ACH transfers to a third party, with plenty of both funding assets. */
async function readyUser(service: Service, userId: string): Promise<void> {
  await expectStatus(`profile of ${userId}`, 201, call(service, 'POST', '/user/linked-bank-account/profile', { userId }, { type: 'individual', first_name: 'Bench', last_name: userId }));
  await expectStatus(`KYC of ${userId}`, 200, call(service, 'PUT', `/ops/users/${userId}/kyc`, 'ops', { kyc_status: 'approved' }));
  const { commands } = service;
  await commands.execute(
    customerStreamId(userId),
    customerDecider,
    { type: 'GrantCapability', data: { customer_id: userId, capability: 'AchOut3rdParty' }, now: commands.now() },
    { correlationId: `bench-setup:${userId}`, actor: 'bench:setup' },
  );
  for (const token of [WUSD, WEUR]) {
    await expectStatus(`credit of ${userId}`, 200, call(service, 'POST', `/ops/users/${userId}/asset-balances/credit`, 'ops', { credit_id: randomUUID(), token_address: token, amount: CREDIT }));
  }
}

/** The same shape as LoadResult: requests/s and latency quantiles of one run. */
type Measured = Pick<LoadResult, 'perSecond' | 'p50Ms' | 'p99Ms'>;

/**
 * Runs `op` in `workers` closed loops for `seconds`, timing each op; quantiles by the load client's rule (the value at
 * index floor(q·n) of the sorted latencies), so both sides are measured alike.
 */
async function runTimed(workers: number, seconds: number, op: () => Promise<unknown>): Promise<Measured> {
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        await op();
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { perSecond: latencies.length / elapsed, p50Ms: at(0.5), p99Ms: at(0.99) };
}

interface Row {
  name: string;
  concurrency: number;
  service: Measured;
  raw: Measured;
  rawName: string;
}

/** Runs the service side for `seconds` at `concurrency`. */
type ServiceRun = (concurrency: number, seconds: number) => Promise<Measured>;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const medians = (runs: Measured[]): Measured => ({
  perSecond: median(runs.map((r) => r.perSecond)),
  p50Ms: median(runs.map((r) => r.p50Ms)),
  p99Ms: median(runs.map((r) => r.p99Ms)),
});

async function compare(name: string, rawName: string, concurrency: number, serviceRun: ServiceRun, rawPool: Pool, rawOp: (pool: Pool) => Promise<unknown>): Promise<Row> {
  await serviceRun(concurrency, WARMUP_SECONDS);
  await runTimed(concurrency, WARMUP_SECONDS, () => rawOp(rawPool));
  const serviceRuns: Measured[] = [];
  const rawRuns: Measured[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    serviceRuns.push(await serviceRun(concurrency, SECONDS));
    rawRuns.push(await runTimed(concurrency, SECONDS, () => rawOp(rawPool)));
  }
  const row = { name, concurrency, service: medians(serviceRuns), raw: medians(rawRuns), rawName };
  process.stdout.write(
    `  ${name} @${concurrency}: ${fmt(row.service.perSecond)}/s p50 ${fmt(row.service.p50Ms, 1)} ms p99 ${fmt(row.service.p99Ms, 1)} ms` +
      ` (raw ${rawName} ${fmt(row.raw.perSecond)}/s p50 ${fmt(row.raw.p50Ms, 1)} ms p99 ${fmt(row.raw.p99Ms, 1)} ms)\n`,
  );
  return row;
}

async function main(): Promise<void> {
  const started = performance.now();
  const database = `transfers_bench_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  let service: Service | undefined;
  const rawPools: Pool[] = [];
  let load: HttpLoadProcess | undefined;
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    service = await startApi(url.toString());
    // DROP DATABASE ... WITH (FORCE) at the end terminates idle connections: not an error of the benchmark.
    service.app.get<Pool>(PG_POOL).on('error', () => undefined);
    const rawPoolFor = new Map<number, Pool>();
    for (const concurrency of CONCURRENCY) {
      const pool = new Pool({ connectionString: url.toString(), max: Math.min(concurrency, SERVICE_POOL_SIZE) });
      pool.on('error', () => undefined);
      rawPools.push(pool);
      rawPoolFor.set(concurrency, pool);
    }
    await rawPools[0].query(`CREATE TABLE raw_transfers (id uuid PRIMARY KEY, user_id text NOT NULL, account_id text NOT NULL, amount_minor bigint NOT NULL, data jsonb NOT NULL)`);

    process.stdout.write(`setting up ${USERS} approved users with AchOut3rdParty and ${CREDIT} WUSD and WEUR each...\n`);
    const users = Array.from({ length: USERS }, (_, i) => `bench-transfer-user-${i}`);
    await inParallel(users, 16, (userId) => readyUser(service!, userId));
    process.stdout.write(`setup done in ${fmt((performance.now() - started) / 1000, 1)} s; load average ${loadavg().map((l) => fmt(l, 2)).join(' ')}\n`);

    const details = (userId: string) => ({
      account_id: achAccountIdFor(userId),
      recipient: { first_name: 'Alex', last_name: 'Grey' },
      recipient_account: RECIPIENT_ACCOUNT,
      reference: 'Bench transfer',
    });
    const estimateBodies = users.map((userId) => ({ ...details(userId), amount: 500 }));
    const executeBodies = users.map((userId, i) => ({ ...details(userId), amount: '1.00', token_address: i % 2 === 0 ? WUSD : WEUR }));

    const svc = service;
    load = await HttpLoadProcess.start();
    const client = load;
    const http =
      (path: string, bodies: unknown[], expectStatus: number): ServiceRun =>
      (concurrency, seconds) =>
        client.run({
          url: svc.url,
          method: 'POST',
          path,
          headers: { authorization: `Bearer ${svc.appKey}`, 'content-type': 'application/json' },
          users,
          bodies,
          concurrency,
          seconds,
          expectStatus,
        });
    const estimate = http('/api/v2/bank/transfer/estimate', estimateBodies, 200);
    const execute = http('/api/v1/bank/transfer', executeBodies, 201);
    let counter = 0;
    const rawInsert = (pool: Pool) => {
      const userId = users[counter++ % USERS];
      return pool.query('INSERT INTO raw_transfers (id, user_id, account_id, amount_minor, data) VALUES ($1, $2, $3, $4, $5)', [
        randomUUID(),
        userId,
        achAccountIdFor(userId),
        100,
        JSON.stringify({
          currency: 'USD',
          token_symbol: 'WUSD',
          precise_amount: '1000000',
          rate: '1',
          recipient: { first_name: 'Alex', last_name: 'Grey' },
          recipient_account: { account_number_last4: '7889', routing_number_last4: '0021', bank_name: RECIPIENT_ACCOUNT.bank_name, legal_address: RECIPIENT_ACCOUNT.legal_address },
          reference: 'Bench transfer',
        }),
      ]);
    };

    const rows: Row[] = [];
    for (const concurrency of CONCURRENCY) {
      const pool = rawPoolFor.get(concurrency)!;
      process.stdout.write(`\nconcurrency ${concurrency} (raw pool ${Math.min(concurrency, SERVICE_POOL_SIZE)} connections)\n`);
      rows.push(await compare('estimate (2 assets quoted), HTTP', 'INSERT tx', concurrency, estimate, pool, rawInsert));
      rows.push(await compare('execute by amount (fresh quote + hold), HTTP', 'INSERT tx', concurrency, execute, pool, rawInsert));
    }

    const appended = await rawPools[0].query<{ type: string; n: string }>(
      `SELECT type, count(*) AS n FROM events WHERE type IN ('TransferEstimated', 'TransferInitiated', 'TransferBankOutSubmitted') GROUP BY type ORDER BY type`,
    );
    process.stdout.write(`\nmedian of ${ROUNDS} rounds of ${SECONDS} s each (service and raw alternating); load average ${loadavg().map((l) => fmt(l, 2)).join(' ')} on ${cpus().length} cores\n`);
    process.stdout.write(`events appended: ${appended.rows.map((r) => `${r.type} ${r.n}`).join(', ') || 'none'} (no worker: nothing submitted)\n\n`);
    process.stdout.write(
      `${table(
        ['case', 'conc', 'service/s', 'p50 ms', 'p99 ms', 'raw', 'raw/s', 'raw p50', 'raw p99', 'service/raw', 'p99 service/raw'],
        rows.map((r) => [
          r.name,
          String(r.concurrency),
          fmt(r.service.perSecond),
          fmt(r.service.p50Ms, 1),
          fmt(r.service.p99Ms, 1),
          r.rawName,
          fmt(r.raw.perSecond),
          fmt(r.raw.p50Ms, 1),
          fmt(r.raw.p99Ms, 1),
          fmt(r.service.perSecond / r.raw.perSecond, 2),
          fmt(r.service.p99Ms / r.raw.p99Ms, 1),
        ]),
      )}\n`,
    );
    process.stdout.write(`total ${fmt((performance.now() - started) / 1000, 1)} s\n`);
  } finally {
    await load?.close();
    for (const pool of rawPools) await pool.end().catch(() => undefined);
    await service?.app.close().catch((error: unknown) => process.stderr.write(`closing the service: ${String(error)}\n`));
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error: unknown) => process.stderr.write(`dropping ${database}: ${String(error)}\n`));
    await admin.end();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
