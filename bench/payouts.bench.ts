/**
 * Payout acceptance throughput: POST /user/payouts (recipient read from the event store, PlaceHold on the account,
 * PayoutRequested) across 1,000 funded accounts and on ONE hot account, beside raw Postgres transactions of the same
 * concurrency, same process, same run.
 *
 *   npm run bench:payouts                   (DATABASE_URL, or postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_SECONDS=5 npm run bench:payouts
 *
 * Starts the API (no worker: acceptance is what is measured; nothing submits the payouts) on a fresh database, dropped
 * at the end. Setup: 1,000 users with a profile (RegisterCustomer), a USD account (OpenAccount) funded through the
 * Account aggregate (PostCredit, the command a settled pull sends) and a default USD recipient (over HTTP); one more
 * user for the hot account. Each case warms up, then alternates service and raw runs (three rounds each) so background
 * load hits both sides alike. Service cases go two ways, both the API's own command path:
 *  - HTTP: POST /user/payouts over real HTTP (auth, validation, idempotency, error mapping) from a load client in its
 *    own process (bench/support/http-load-process.ts: keep-alive connections, one closed loop each);
 *  - handler: RequestPayoutHandler.execute (the same command path without HTTP).
 * Raw baselines, same concurrency, own pool of the same size:
 *  - INSERT: one INSERT of a payout-sized row per transaction (autocommit);
 *  - hot row: BEGIN; UPDATE one balance row with an available-funds check; INSERT the hold row; COMMIT (what a hold on
 *    one account needs at minimum in plain SQL).
 */
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { Client, Pool } from 'pg';
import { loadBenchSettings } from '@payments/config';
import { accountDecider, accountStreamId, customerDecider, customerFacts, customerStreamId } from '@payments/domain';
import { deterministicUuid } from '@payments/event-store';
import { PG_POOL } from '@payments/read-models';
import { RequestPayoutCommand, RequestPayoutHandler } from '../apps/api/src/payouts/request-payout/request-payout.handler';
import { HttpLoadProcess } from './support/http-load-process';
import { BenchApi, startBenchApi } from './support/bench-api';
import { fmt, table } from './support/stats';

const { seconds: SECONDS, databaseUrl: ADMIN_URL } = loadBenchSettings();
const WARMUP_SECONDS = Math.min(1, SECONDS);
const ROUNDS = 3;
const ACCOUNTS = 1000;
const CONCURRENCY = [32, 64];
const TARGET_ACROSS = 1000;
const TARGET_HOT = 200;
const FUNDS_MINOR = 10_000_000_000n;
const RECIPIENT = { currency: 'USD', transfer_method: 'ACH', account_number: '44556677889', routing_number: '021000021', account_type: 'Checking' };

type Service = BenchApi;
const startApi = startBenchApi;

async function post(service: Service, path: string, userId: string, body: unknown): Promise<{ status: number; text: string }> {
  const response = await fetch(`${service.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${service.appKey}`, 'x-user-id': userId, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, text: await response.text() };
}

/** Runs `op` in `workers` concurrent loops for `seconds`; returns completed ops per second. */
async function run(workers: number, seconds: number, op: (worker: number) => Promise<unknown>): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  let ops = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      while (performance.now() < deadline) {
        await op(worker);
        ops += 1;
      }
    }),
  );
  return ops / ((performance.now() - start) / 1000);
}

async function inParallel<T>(items: T[], workers: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/** A user with a profile, a funded USD account and a default USD recipient. */
async function fundedUser(service: Service, userId: string): Promise<void> {
  const { commands } = service;
  const ctx = { correlationId: `bench-setup:${userId}`, actor: 'bench:setup' };
  await commands.execute(customerStreamId(userId), customerDecider, {
    type: 'RegisterCustomer',
    data: { customer_id: userId, type: 'individual', first_name: 'Bench', last_name: userId },
    now: commands.now(),
  }, ctx);
  const customer = customerFacts((await commands.load(customerStreamId(userId), customerDecider)).state);
  await commands.execute(accountStreamId(userId, 'USD'), accountDecider, {
    type: 'OpenAccount',
    data: { account_id: deterministicUuid(`account:${userId}:USD`), user_id: userId, currency: 'USD', account_type: 'checking', customer },
    now: commands.now(),
  }, ctx);
  await commands.execute(accountStreamId(userId, 'USD'), accountDecider, {
    type: 'PostCredit',
    data: { movement_id: randomUUID(), source: 'ACH_PULL', amount: { amountMinor: FUNDS_MINOR, currency: 'USD' } },
    now: commands.now(),
  }, ctx);
  const recipient = await post(service, '/user/bank-account/remote', userId, { account_name: 'Bench recipient', main_recipient: true, account_details: RECIPIENT });
  if (recipient.status !== 201) throw new Error(`recipient for ${userId}: ${recipient.status} ${recipient.text}`);
}

interface Row {
  name: string;
  concurrency: number;
  service: number;
  raw: number;
  rawName: string;
  target?: number;
}

/** Runs the service side for `seconds` at `concurrency`; returns completed operations per second. */
type ServiceRun = (concurrency: number, seconds: number) => Promise<number>;

async function compare(
  name: string,
  rawName: string,
  concurrency: number,
  serviceRun: ServiceRun,
  rawOp: () => Promise<unknown>,
  target?: number,
): Promise<Row> {
  await serviceRun(concurrency, WARMUP_SECONDS);
  await run(concurrency, WARMUP_SECONDS, rawOp);
  const serviceRates: number[] = [];
  const rawRates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    serviceRates.push(await serviceRun(concurrency, SECONDS));
    rawRates.push(await run(concurrency, SECONDS, rawOp));
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const row = { name, concurrency, service: median(serviceRates), raw: median(rawRates), rawName, ...(target !== undefined ? { target } : {}) };
  process.stdout.write(`  ${name} @${concurrency}: ${fmt(row.service)}/s (raw ${rawName} ${fmt(row.raw)}/s)\n`);
  return row;
}

async function main(): Promise<void> {
  const started = performance.now();
  const database = `payouts_bench_${Date.now()}_${process.pid}`;
  const admin = new Client({ connectionString: ADMIN_URL });
  await admin.connect();
  let service: Service | undefined;
  let raw: Pool | undefined;
  let load: HttpLoadProcess | undefined;
  try {
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${database}`;
    service = await startApi(url.toString());
    raw = new Pool({ connectionString: url.toString(), max: Math.max(...CONCURRENCY) });
    // DROP DATABASE ... WITH (FORCE) at the end terminates idle connections: not an error of the benchmark.
    raw.on('error', () => undefined);
    service.app.get<Pool>(PG_POOL).on('error', () => undefined);
    await raw.query(`CREATE TABLE raw_payouts (id uuid PRIMARY KEY, user_id text NOT NULL, recipient_id uuid NOT NULL, amount_minor bigint NOT NULL, data jsonb NOT NULL);
                     CREATE TABLE raw_balance (id int PRIMARY KEY, available_minor bigint NOT NULL);
                     CREATE TABLE raw_holds (id uuid PRIMARY KEY, balance_id int NOT NULL, amount_minor bigint NOT NULL);
                     INSERT INTO raw_balance VALUES (1, ${FUNDS_MINOR})`);

    process.stdout.write(`setting up ${ACCOUNTS} funded accounts with a default recipient...\n`);
    const users = Array.from({ length: ACCOUNTS }, (_, i) => `bench-payout-user-${i}`);
    const hotUser = 'bench-payout-hot-user';
    await inParallel([...users, hotUser], 16, (userId) => fundedUser(service!, userId));
    process.stdout.write(`setup done in ${fmt((performance.now() - started) / 1000, 1)} s; load average ${loadavg().map((l) => fmt(l, 2)).join(' ')}\n`);

    const svc = service;
    const handler = svc.app.get(RequestPayoutHandler);
    let counter = 0;
    const body = { amount: '0.01', currency: 'USD' };
    const ctx = (userId: string) => ({ correlationId: randomUUID(), apiKeyId: 'bench', userId });
    load = await HttpLoadProcess.start();
    const client = load;
    const http =
      (userIds: string[]): ServiceRun =>
      async (concurrency, seconds) =>
        (
          await client.run({
            url: svc.url,
            method: 'POST',
            path: '/user/payouts',
            headers: { authorization: `Bearer ${svc.appKey}`, 'content-type': 'application/json' },
            users: userIds,
            body,
            concurrency,
            seconds,
            expectStatus: 201,
          })
        ).perSecond;
    const inProcess =
      (op: () => Promise<unknown>): ServiceRun =>
      (concurrency, seconds) =>
        run(concurrency, seconds, op);
    const httpAcross = http(users);
    const handlerAcross = inProcess(() => {
      const userId = users[counter++ % ACCOUNTS];
      return handler.execute(new RequestPayoutCommand(userId, body, ctx(userId)));
    });
    const httpHot = http([hotUser]);
    const handlerHot = inProcess(() => handler.execute(new RequestPayoutCommand(hotUser, body, ctx(hotUser))));
    const rawInsert = () =>
      raw!.query('INSERT INTO raw_payouts (id, user_id, recipient_id, amount_minor, data) VALUES ($1, $2, $3, $4, $5)', [
        randomUUID(),
        users[counter++ % ACCOUNTS],
        randomUUID(),
        1,
        JSON.stringify({ rail: 'ACH', currency: 'USD', reference: null, expected_settlement: { earliest: '2026-03-12', latest: '2026-03-13' } }),
      ]);
    const rawHotRow = async () => {
      const client = await raw!.connect();
      try {
        await client.query('BEGIN');
        const updated = await client.query('UPDATE raw_balance SET available_minor = available_minor - 1 WHERE id = 1 AND available_minor >= 1');
        if (updated.rowCount !== 1) throw new Error('raw hot row ran out of funds');
        await client.query('INSERT INTO raw_holds (id, balance_id, amount_minor) VALUES ($1, 1, 1)', [randomUUID()]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      } finally {
        client.release();
      }
    };

    const rows: Row[] = [];
    for (const concurrency of CONCURRENCY) {
      process.stdout.write(`\nconcurrency ${concurrency}\n`);
      rows.push(await compare(`payouts across ${ACCOUNTS} accounts, HTTP`, 'INSERT tx', concurrency, httpAcross, rawInsert, TARGET_ACROSS));
      rows.push(await compare(`payouts across ${ACCOUNTS} accounts, handler`, 'INSERT tx', concurrency, handlerAcross, rawInsert, TARGET_ACROSS));
      rows.push(await compare('holds on one hot account, HTTP', 'hot-row tx', concurrency, httpHot, rawHotRow, TARGET_HOT));
      rows.push(await compare('holds on one hot account, handler', 'hot-row tx', concurrency, handlerHot, rawHotRow, TARGET_HOT));
    }

    const hotEvents = await raw.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE stream_id = $1`, [accountStreamId(hotUser, 'USD')]);
    process.stdout.write(`\nmedian of ${ROUNDS} rounds of ${SECONDS} s each (service and raw alternating); load average ${loadavg().map((l) => fmt(l, 2)).join(' ')} on ${cpus().length} cores\n`);
    process.stdout.write(`the hot account's stream ended with ${hotEvents.rows[0].n} events\n\n`);
    process.stdout.write(
      `${table(
        ['case', 'conc', 'service/s', 'raw', 'raw/s', 'service/raw', 'target', 'met'],
        rows.map((r) => [r.name, String(r.concurrency), fmt(r.service), r.rawName, fmt(r.raw), fmt(r.service / r.raw, 2), r.target ? `≥ ${r.target}` : '', r.target ? (r.service >= r.target ? 'yes' : 'no') : '']),
      )}\n`,
    );
    process.stdout.write(`total ${fmt((performance.now() - started) / 1000, 1)} s\n`);
  } finally {
    await load?.close();
    await raw?.end().catch(() => undefined);
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
