/**
 * Acceptance (issue 6): a downstream consumer reads `payments.events` after an end-to-end flow (bank link, ACH pulls
 * settled and failed, a USD payout held, submitted and settled) and finds every published domain event once after
 * dedupe by id, in order per subject — although the worker process running the publisher was SIGKILLed after Kafka
 * acknowledged a batch and before the publisher's checkpoint write, then restarted.
 *
 * The API and the provider-sandbox run in this test process; the worker (projections, process managers, translator and
 * the publisher) runs as a real child process. Killing "after the acknowledgement, before the checkpoint" is made
 * certain without any hook in the worker: the test takes `LOCK TABLE event_publisher_checkpoints IN EXCLUSIVE MODE`,
 * appends new events through the API, waits until the publisher's checkpoint write is seen waiting on that lock (its
 * produce already acknowledged) and kills the worker there (and the backend of that waiting write).
 */
import { Client } from 'pg';
import { EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { createKafka, PublicEvent, toPublicEvent } from '@payments/messaging';
import { PaymentRailsService } from '../../../provider-sandbox/src';
import { ServiceHarness, startService, workerProcessEnv } from '../../../../test/support/service-harness';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';
import { testKafkaBrokers, uniqueName } from '../../../../test/support/kafka';
import { PublicEventsReader } from '../../../../test/support/public-events-reader';
import { abaRoutingNumber, usAccountNumber } from '../../../../test/support/recipient-numbers';
import { WorkerProcess } from '../../../../test/support/worker-process';

const USER = 'events-user';

describe('payments.events after an e2e flow, with the publishing worker SIGKILLed mid-stream (real Kafka)', () => {
  let service: ServiceHarness;
  let db: Client;
  let pulls: AchPullDriver;
  let store: EventStore;
  let workerEnv: Record<string, string>;
  let reader: PublicEventsReader | undefined;

  beforeAll(async () => {
    service = await startService('event-publisher', { kafka: true, worker: false });
    service.sandbox!.get(PaymentRailsService).setWebhookUrl(`${service.url}/webhooks/plaid`);
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    store = service.app.get<EventStore>(EVENT_STORE);
    // Small batches: the kill lands in the middle of the stream, with batches before and after it.
    workerEnv = { ...workerProcessEnv(service), EVENT_PUBLISHER_BATCH: '3' };
  }, 180_000);

  afterAll(async () => {
    await WorkerProcess.killAll();
    await reader?.stop();
    await db?.end();
    await service?.close();
  });

  /** The whole log, in global order (what the publisher reads). */
  const wholeLog = async (): Promise<RecordedEvent[]> => {
    const all: RecordedEvent[] = [];
    for (;;) {
      const page = await store.readAll({ fromPosition: all.length ? all[all.length - 1].position : undefined, limit: 500 });
      if (page.length === 0) return all;
      all.push(...page);
    }
  };
  const checkpoint = async () =>
    (await db.query<{ c: string; p: string }>(`SELECT commit_position AS c, prepare_position AS p FROM event_publisher_checkpoints WHERE publisher = 'payments.events'`)).rows[0];
  /** Until the publisher's checkpoint is at the last event of the log (and the log stops growing). */
  const publisherCaughtUp = (worker: WorkerProcess) =>
    service.eventually(async () => {
      if (!worker.alive) throw new Error(`worker exited:\n${worker.tail()}`);
      const log = await wholeLog();
      const at = await checkpoint();
      const last = log[log.length - 1];
      return at !== undefined && last !== undefined && BigInt(at.c) === last.position.commit && BigInt(at.p) === last.position.prepare && log;
    }, 60_000);

  it('every published event arrives once after dedupe, in stream order, across a SIGKILL between ack and checkpoint', async () => {
    let worker = await WorkerProcess.start(workerEnv);

    // Phase 1: link, two pulls (one settles, one fails), a payout that settles.
    await pulls.linkBankAccount(USER, { first_name: 'Eve', last_name: 'Stream' });
    const settledPull = await pulls.pendingPull(USER, '100.00');
    await pulls.simulate(settledPull.transferId, 'posted');
    await pulls.waitForStatus(USER, settledPull.uuid, 'SETTLED');
    const failedPull = await pulls.pendingPull(USER, '20.00');
    await pulls.simulate(failedPull.transferId, 'failed', 'R01');
    await pulls.waitForStatus(USER, failedPull.uuid, 'FAILED');
    const recipient = await service.request<{ uuid: string }>('POST', '/user/bank-account/remote', {
      userId: USER,
      body: { account_name: 'Eve Stream', main_recipient: true, account_details: { currency: 'USD', transfer_method: 'ACH', account_number: usAccountNumber(), routing_number: abaRoutingNumber(), account_type: 'Checking' } },
    });
    expect(recipient.status).toBe(201);
    const payout = await service.request<{ uuid: string }>('POST', '/user/payouts', { userId: USER, body: { amount: 40, currency: 'USD' } });
    expect(payout.status).toBe(201);
    const payoutTransfer = await service.eventually(async () => {
      const { rows } = await db.query<{ provider_payout_id: string | null }>('SELECT provider_payout_id FROM payouts WHERE payout_id = $1', [payout.body.uuid]);
      return rows[0]?.provider_payout_id ?? undefined;
    }, 30_000);
    await pulls.simulate(payoutTransfer, 'posted');
    await service.eventually(async () => (await service.request<{ status: string }>('GET', `/user/payouts/${payout.body.uuid}`, { userId: USER })).body.status === 'SETTLED', 30_000);
    await publisherCaughtUp(worker);

    // Phase 2: the publisher's checkpoint writes wait on a lock; new events go in through the API.
    const holder = new Client({ connectionString: service.databaseUrl });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE event_publisher_checkpoints IN EXCLUSIVE MODE');
    const atKill = await checkpoint();
    const thirdPull = await service.request<{ uuid: string }>('POST', '/user/linked-bank-account/pull', { userId: USER, body: { amount: '30.00' } });
    expect(thirdPull.status).toBe(201);
    const secondPayout = await service.request<{ uuid: string }>('POST', '/user/payouts', { userId: USER, body: { amount: 10, currency: 'USD' } });
    expect(secondPayout.status).toBe(201);
    await service.eventually(async () => {
      const { rows } = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO event_publisher_checkpoints%'`,
      );
      return rows[0].n > 0;
    }, 30_000);
    await worker.kill();
    // The killed worker's waiting statement would still commit once the lock goes (the server does not know its
    // client died): end that backend too, so the write is lost as it would be had the process died before sending it.
    await db.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO event_publisher_checkpoints%'`);
    await holder.query('ROLLBACK');
    await holder.end();
    expect(await checkpoint()).toEqual(atKill); // the acknowledged batch was never checkpointed

    // Restart: the new worker's publisher resumes from the stored checkpoint; the flow goes on.
    worker = await WorkerProcess.start(workerEnv);
    const third = await service.eventually(async () => {
      const { rows } = await db.query<{ provider_transfer_id: string | null }>('SELECT provider_transfer_id FROM ach_pulls WHERE pull_id = $1', [thirdPull.body.uuid]);
      return rows[0]?.provider_transfer_id ?? undefined;
    }, 30_000);
    await service.eventually(async () => (await pulls.eventTypes(thirdPull.body.uuid)).includes('AchPullPending'), 30_000);
    await pulls.simulate(third, 'posted');
    await pulls.waitForStatus(USER, thirdPull.body.uuid, 'SETTLED');
    await publisherCaughtUp(worker);

    // The downstream consumer reads the topic from the beginning; the worker may still be appending (the second
    // payout's submission), so compare once the topic and the log agree and the publisher is at the log's end.
    reader = await PublicEventsReader.start(createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName('downstream') }), `${service.topicPrefix}payments.events`);
    let expected: RecordedEvent[] = [];
    await service.eventually(async () => {
      expected = (await publisherCaughtUp(worker)).filter((event) => toPublicEvent(event) !== null);
      return reader!.unique().length === expected.length;
    }, 60_000);

    const unique = reader.unique();
    expect(unique.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
    expect(reader.received.length).toBeGreaterThan(unique.length); // the batch in flight at the kill came twice
    const bySubject = reader.bySubject();
    for (const [subject, events] of bySubject) {
      expect(events.map((e) => e.id)).toEqual(expected.filter((e) => e.streamId === subject).map((e) => e.id));
    }
    const types = (subject: string) => (bySubject.get(subject) ?? []).map((e: PublicEvent) => e.type);
    expect(types(`ach-pull-${settledPull.uuid}`)).toEqual(['ach_pull.initiated', 'ach_pull.submitted', 'ach_pull.pending', 'ach_pull.completed']);
    expect(types(`ach-pull-${failedPull.uuid}`)).toEqual(['ach_pull.initiated', 'ach_pull.submitted', 'ach_pull.pending', 'ach_pull.failed']);
    expect(types(`ach-pull-${thirdPull.body.uuid}`)).toEqual(['ach_pull.initiated', 'ach_pull.submitted', 'ach_pull.pending', 'ach_pull.completed']);
    expect(types(`payout-${payout.body.uuid}`)).toEqual(['payout.requested', 'payout.submitted', 'payout.settled']);
    expect(types(`payout-${secondPayout.body.uuid}`).slice(0, 2)).toEqual(['payout.requested', 'payout.submitted']);
    const published = new Set(unique.map((e) => e.type));
    for (const type of ['bank_link.requested', 'bank_link.activated', 'account.opened', 'account.credit_pending', 'account.credit_posted', 'account.pending_credit_reversed', 'account.hold_placed', 'account.hold_captured', 'recipient.added']) {
      expect(published).toContain(type);
    }
    // GET /events/sync pages through the same events (ids and envelopes) in log order.
    const synced: PublicEvent[] = [];
    let cursor = '';
    for (let more = true; more; ) {
      const page = await service.request<{ events: PublicEvent[]; next_cursor: string; has_more: boolean }>('GET', `/events/sync?count=50${cursor ? `&after_id=${cursor}` : ''}`);
      synced.push(...page.body.events);
      cursor = page.body.next_cursor;
      more = page.body.has_more;
    }
    expect(synced.map((e) => e.id)).toEqual(expected.map((e) => e.id));
    const fromKafka = new Map(unique.map((e) => [e.id, e]));
    expect(synced.every((e) => JSON.stringify(e) === JSON.stringify(fromKafka.get(e.id)))).toBe(true);
    // No bank number in clear: the recipient shows its last 4 only.
    const added = unique.find((e) => e.type === 'recipient.added')!;
    expect(added.data.account_last4).toMatch(/^\d{4}$/);
  }, 400_000);
});
