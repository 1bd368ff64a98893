/**
 * `ops history` and `ops state --at` of a returned ACH pull, end to end: the pull over HTTP, the provider-sandbox moving
 * it (pending, posted, reversed) through signed webhooks, real Kafka and the translator; then the ops endpoints over
 * HTTP and the CLI against the same database.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import type { MovementHistory, StreamStateAt } from '@payments/read-models';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';

const ROOT = resolve(__dirname, '../../../..');

describe('ops history and state --at of a returned pull (HTTP, provider-sandbox, Kafka, CLI)', () => {
  let service: ServiceHarness;
  let db: Client;
  let pulls: AchPullDriver;
  const userId = 'history-user';
  const dataDir = mkdtempSync(join(tmpdir(), 'payments-ops-history-'));

  beforeAll(async () => {
    service = await startService('ops-history', { kafka: true });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    await pulls.linkBankAccount(userId);
  });
  afterAll(async () => {
    await db?.end();
    await service?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ops = async (...args: string[]) => {
    const { stdout } = await promisify(execFile)(process.execPath, ['-r', '@swc-node/register', 'apps/ops/src/main.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: service.databaseUrl, DATA_DIR: dataDir, KAFKA_BROKERS: '', LOG_LEVEL: 'warn' },
      timeout: 120_000,
    });
    return stdout;
  };

  it('shows request -> submitted -> pending -> settled -> returned with the provider events, and the settled state before the return', async () => {
    const { uuid, transferId } = await pulls.pendingPull(userId, '42.50');
    await pulls.simulate(transferId, 'posted');
    await pulls.waitForStatus(userId, uuid, 'SETTLED');
    await pulls.simulate(transferId, 'reversed', 'R01');
    await pulls.waitForStatus(userId, uuid, 'RETURNED');

    const response = await service.request<MovementHistory>('GET', `/ops/history/${uuid}`, { key: service.opsKey });
    expect(response.status).toBe(200);
    const history = response.body;
    const own = history.events.filter((e) => e.stream === `ach-pull-${uuid}`);
    expect(own.map((e) => e.type)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled', 'AchPullReturned']);
    // The account movements of the pull are part of its timeline (pending credit, posted, reversed).
    expect(history.streams).toEqual([`ach-pull-${uuid}`, `account-${userId}-USD`]);
    expect(history.events.filter((e) => e.stream === `account-${userId}-USD`).length).toBeGreaterThanOrEqual(2);

    const [requested, , pending, settled, returned] = own;
    expect(requested.actor).toMatch(/^api-key:/);
    expect(requested.correlation_id).toBeTruthy();
    expect(requested.provider_event).toBeNull();
    const caused = { pending: 'PENDING', settled: 'POSTED', returned: 'REVERSED' };
    for (const [entry, providerType] of [
      [pending, caused.pending],
      [settled, caused.settled],
      [returned, caused.returned],
    ] as const) {
      expect(entry.actor).toBe('provider:plaid');
      expect(entry.causation_id).toMatch(/^plaid:bank-transfer-event:\d+$/);
      expect(entry.provider_event).toMatchObject({ provider: 'plaid', payload: { event_type: providerType, bank_transfer_id: transferId, bank_transfer_amount_minor: '4250' } });
      expect(entry.causation_id).toBe(`plaid:bank-transfer-event:${(entry.provider_event?.payload as { event_id: number }).event_id}`);
    }
    expect(returned.provider_event?.payload).toMatchObject({ failure_reason: { ach_return_code: 'R01' } });
    // Times are in order along each stream. (Across streams the log's order is commit order, and an event decided a
    // moment earlier on the account can commit after one on the pull: seen once in CI, 11 ms apart.)
    for (const stream of new Set(history.events.map((e) => e.stream))) {
      const times = history.events.filter((e) => e.stream === stream).map((e) => Date.parse(e.time));
      expect([...times].sort((a, b) => a - b)).toEqual(times);
    }

    // The state before the return (by revision and by time) is SETTLED; the latest is RETURNED.
    const stream = `ach-pull-${uuid}`;
    const byRevision = await service.request<StreamStateAt>('GET', `/ops/streams/${stream}/state?at=${settled.revision}`, { key: service.opsKey });
    expect(byRevision.status).toBe(200);
    expect(byRevision.body).toMatchObject({ revision: settled.revision, last_event_type: 'AchPullSettled', events_in_stream: 5, state: { status: 'SETTLED' } });
    const beforeReturn = new Date(Date.parse(returned.time) - 1).toISOString();
    const byTime = await service.request<StreamStateAt>('GET', `/ops/streams/${stream}/state?at=${encodeURIComponent(beforeReturn)}`, { key: service.opsKey });
    expect(byTime.body).toMatchObject({ last_event_type: 'AchPullSettled', state: { status: 'SETTLED' } });
    const latest = await service.request<StreamStateAt>('GET', `/ops/streams/${stream}/state`, { key: service.opsKey });
    expect(latest.body).toMatchObject({ last_event_type: 'AchPullReturned', state: { status: 'RETURNED' } });

    // Bad input and unknown ids in the seed's error shape; app keys are refused.
    expect((await service.request('GET', `/ops/streams/${stream}/state?at=yesterday`, { key: service.opsKey })).body).toMatchObject({ error_reason: 'ErrorInvalidField' });
    expect((await service.request('GET', '/ops/streams/nothing-1/state', { key: service.opsKey })).status).toBe(400);
    expect((await service.request('GET', '/ops/history/00000000-0000-4000-8000-000000000000', { key: service.opsKey })).status).toBe(404);
    expect((await service.request('GET', `/ops/history/${uuid}`, {})).status).toBe(403);

    // The CLI prints the same timeline and state.
    const cliHistory = JSON.parse(await ops('history', uuid, '--json')) as MovementHistory;
    expect(cliHistory.events.map((e) => e.event_id)).toEqual(history.events.map((e) => e.event_id));
    const table = await ops('history', uuid);
    expect(table).toContain('AchPullReturned');
    expect(table).toMatch(/AchPullSettled <- plaid .*"event_type":"POSTED"/);
    const cliState = JSON.parse(await ops('state', stream, '--at', beforeReturn)) as StreamStateAt;
    expect(cliState).toMatchObject({ last_event_type: 'AchPullSettled', state: { status: 'SETTLED' } });
  });
});
