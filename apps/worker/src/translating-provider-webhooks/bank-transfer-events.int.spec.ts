/**
 * BANK_TRANSFERS_EVENTS_UPDATE through the worker's translator (built by Nest), against a real Postgres (isolated
 * database) and the provider-sandbox over HTTP: provider outcomes become ACH pull events exactly once, whatever the
 * redeliveries, restarts and concurrency.
 */
import { PayoutRailsEventsSync } from './payout-rails-events';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { achPullDecider } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { ProviderBankTransferEvent, SyncBankTransferEventsInput, SyncedBankTransferEvents } from '@payments/providers/plaid';
import { FIELD_CIPHER, FINGERPRINTER, PLAID_LINK } from '@payments/providers/nest/provider-tokens';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import {
  achPullCommandFor,
  BankTransferEventFeed,
  BankTransferEventsSync,
  PLAID_BANK_TRANSFERS_FEED,
  ProviderTransferNotYetKnownError,
} from './bank-transfer-events';
import { PlaidWebhookTranslator } from './plaid-webhook-translator';
import type { ProviderBankTransfer } from '@payments/providers/plaid';
import { AchPullFixture, eventsUpdateWebhook } from './testing/ach-pull-fixture';

/** Passes the provider's feed through and counts what it handed out. */
class CountingFeed implements BankTransferEventFeed {
  readonly afterIds: number[] = [];
  delivered = 0;
  constructor(private readonly inner: BankTransferEventFeed) {}
  async syncEvents(input: SyncBankTransferEventsInput): Promise<SyncedBankTransferEvents> {
    this.afterIds.push(input.afterId);
    const page = await this.inner.syncEvents(input);
    this.delivered += page.events.length;
    return page;
  }
  get(bankTransferId: string): Promise<ProviderBankTransfer> {
    return this.inner.get(bankTransferId);
  }
}

describe('Plaid bank transfer events -> ACH pull outcomes (translator, Postgres, provider-sandbox over HTTP)', () => {
  let service: ServiceHarness;
  let fx: AchPullFixture;
  let translator: PlaidWebhookTranslator;
  const userId = 'user-bt-events';
  const extraPools: Pool[] = [];

  beforeAll(async () => {
    service = await startService('bt-events', { kafka: false });
    fx = new AchPullFixture(service);
    translator = service.app.get(PlaidWebhookTranslator);
    await fx.linkedUser(userId);
  });
  afterAll(async () => {
    await Promise.all(extraPools.map((p) => p.end()));
    await service?.close();
  });

  const deliver = (to: PlaidWebhookTranslator = translator): Promise<void> => to.handle(eventsUpdateWebhook());

  /** Another translator, as on another worker instance or after a restart: own pool, no in-memory state. */
  function otherInstance(feed: BankTransferEventFeed, commands: CommandProcessor = fx.commands): { translator: PlaidWebhookTranslator; sync: BankTransferEventsSync } {
    const pool = new Pool({ connectionString: service.databaseUrl, max: 4 });
    extraPools.push(pool);
    const sync = new BankTransferEventsSync(commands, pool, feed);
    const other = new PlaidWebhookTranslator(commands, pool, service.app.get(PLAID_LINK), service.app.get(FIELD_CIPHER), service.app.get(FINGERPRINTER), sync, service.app.get(PayoutRailsEventsSync));
    return { translator: other, sync };
  }

  it('settles a pull the provider posted: Pending then Settled, and stores the feed cursor', async () => {
    const pull = await fx.submittedPull(userId);
    await fx.simulate(pull.transferId, 'posted');
    await deliver();

    const state = await fx.state(pull.pullId);
    expect(state).toMatchObject({ status: 'SETTLED', providerTransferId: pull.transferId });
    expect(await fx.eventTypes(pull.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled']);
    expect(await fx.cursor()).toBe(await fx.latestProviderEventId());
    const settled = (await fx.commands.store.readStream(pull.streamId)).find((e) => e.type === 'AchPullSettled');
    expect(settled?.data).toMatchObject({ amount_minor: '2500', currency: 'USD', provider_transfer_id: pull.transferId });
    expect(settled?.metadata).toMatchObject({ actor: 'provider:plaid' });
  });

  it('appends one set of events for a webhook delivered three times, and nothing when replayed from an older cursor', async () => {
    const pull = await fx.submittedPull(userId);
    await fx.simulate(pull.transferId, 'posted');
    await deliver();
    await deliver();
    await deliver();
    expect(await fx.eventTypes(pull.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled']);

    // A crash after the appends but before the cursor committed: the feed is read again from an older cursor.
    const before = await fx.countAchPullEvents();
    const latest = await fx.latestProviderEventId();
    await fx.pool.query('UPDATE provider_event_cursors SET after_id = 0 WHERE feed = $1', [PLAID_BANK_TRANSFERS_FEED]);
    await deliver();
    expect(await fx.countAchPullEvents()).toBe(before);
    expect(await fx.cursor()).toBe(latest);
    expect(await fx.eventTypes(pull.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled']);
  });

  it('fails a pull the provider failed with R01, keeping the return code', async () => {
    const pull = await fx.submittedPull(userId);
    await fx.simulate(pull.transferId, 'failed', 'R01');
    await deliver();

    const state = await fx.state(pull.pullId);
    expect(state).toMatchObject({ status: 'FAILED', failure: { code: 'R01', description: expect.any(String) } });
    expect(await fx.eventTypes(pull.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullFailed']);
  });

  it('returns a pull the provider posted and then reversed with R01', async () => {
    const pull = await fx.submittedPull(userId);
    await fx.simulate(pull.transferId, 'posted');
    await deliver();
    expect((await fx.state(pull.pullId)).status).toBe('SETTLED');
    await fx.simulate(pull.transferId, 'reversed', 'R01');
    await deliver();

    expect(await fx.state(pull.pullId)).toMatchObject({ status: 'RETURNED', returned: { ach_return_code: 'R01' } });
    expect(await fx.eventTypes(pull.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled', 'AchPullReturned']);
  });

  it('cancels a pull the provider cancelled', async () => {
    const pull = await fx.submittedPull(userId);
    await fx.adapter.cancel(pull.transferId);
    await deliver();

    expect((await fx.state(pull.pullId)).status).toBe('CANCELLED');
    expect(await fx.eventTypes(pull.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullCancelled']);
  });

  it('converges when outcomes are applied out of order (posted before pending, reversed before posted)', async () => {
    const providerEvent = (transferId: string, eventId: number, type: ProviderBankTransferEvent['type'], achReturnCode: string | null = null): ProviderBankTransferEvent => ({
      eventId,
      type,
      bankTransferId: transferId,
      accountId: 'acc',
      transferType: 'debit',
      amountMinor: 2500n,
      currency: 'USD',
      occurredAt: new Date().toISOString(),
      failure: achReturnCode ? { achReturnCode, description: null } : null,
    });
    const apply = (streamId: string, event: ProviderBankTransferEvent) =>
      fx.commands.execute(streamId, achPullDecider, achPullCommandFor(event, fx.commands.now()), {
        correlationId: 'test-out-of-order',
        actor: 'provider:plaid',
        eventIdSeed: `test:out-of-order:${streamId}:${event.eventId}`,
      });

    const first = await fx.submittedPull(userId);
    await apply(first.streamId, providerEvent(first.transferId, 2, 'POSTED'));
    await apply(first.streamId, providerEvent(first.transferId, 1, 'PENDING'));
    expect((await fx.state(first.pullId)).status).toBe('SETTLED');
    expect(await fx.eventTypes(first.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullSettled']);

    const second = await fx.submittedPull(userId);
    await apply(second.streamId, providerEvent(second.transferId, 3, 'REVERSED', 'R01'));
    await apply(second.streamId, providerEvent(second.transferId, 2, 'POSTED'));
    await apply(second.streamId, providerEvent(second.transferId, 1, 'PENDING'));
    expect(await fx.state(second.pullId)).toMatchObject({ status: 'RETURNED', returned: { ach_return_code: 'R01' } });
    expect(await fx.eventTypes(second.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullSettled', 'AchPullReturned']);
  });

  it('logs and skips a provider event that contradicts the pull, and carries on with the feed', async () => {
    const contradicted = await fx.submittedPull(userId);
    await fx.commands.execute(
      contradicted.streamId,
      achPullDecider,
      { type: 'MarkFailed', data: { provider_transfer_id: contradicted.transferId, code: 'R02', description: null }, now: fx.commands.now() },
      { correlationId: 'test-conflict', actor: 'system:test' },
    );
    const next = await fx.submittedPull(userId);
    await fx.simulate(contradicted.transferId, 'posted');
    await fx.simulate(next.transferId, 'posted');
    await deliver();

    expect((await fx.state(contradicted.pullId)).status).toBe('FAILED');
    expect(await fx.eventTypes(contradicted.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullFailed']);
    expect((await fx.state(next.pullId)).status).toBe('SETTLED');
    expect(await fx.cursor()).toBe(await fx.latestProviderEventId());
  });

  it('retries an event about a transfer not recorded yet while it is young, and skips it once it is old (not ours)', async () => {
    await deliver();
    const before = await fx.cursor();
    // A transfer nobody recorded (no pull has this id): as if the webhook raced ahead of recordProviderTransfer.
    await fx.createTransfer(userId, randomUUID());
    await expect(deliver()).rejects.toBeInstanceOf(ProviderTransferNotYetKnownError);
    await expect(deliver()).rejects.toBeInstanceOf(ProviderTransferNotYetKnownError);
    expect(await fx.cursor()).toBe(before);

    // Three minutes after the provider's event it is not ours: logged, skipped, the feed moves on.
    const later = new CommandProcessor(fx.commands.store, { now: () => new Date(Date.now() + 3 * 60_000) });
    const summary = await otherInstance(fx.adapter, later).sync.sync('test-stranger');
    expect(summary).toMatchObject({ seen: 1, applied: 0, skipped: 1 });
    expect(await fx.cursor()).toBe(await fx.latestProviderEventId());

    const pull = await fx.submittedPull(userId);
    await fx.simulate(pull.transferId, 'posted');
    await deliver();
    expect((await fx.state(pull.pullId)).status).toBe('SETTLED');
  });

  it('routes an event that beat the process manager\'s mapping by the pull id the provider transfer carries', async () => {
    const pull = await fx.submittedPull(userId);
    // As if the provider's event arrived before the mapping was written: no row for this transfer.
    await fx.pool.query('DELETE FROM provider_transfers WHERE provider_transfer_id = $1', [pull.transferId]);
    await fx.simulate(pull.transferId, 'posted');
    await deliver();
    expect((await fx.state(pull.pullId)).status).toBe('SETTLED');
    const { rows } = await fx.pool.query('SELECT aggregate_id FROM provider_transfers WHERE provider_transfer_id = $1', [pull.transferId]);
    expect(rows).toEqual([{ aggregate_id: pull.pullId }]);
  });

  it('resumes from the stored cursor after a restart (nothing re-processed)', async () => {
    const pull = await fx.submittedPull(userId);
    await deliver();
    const stored = await fx.cursor();
    const events = await fx.countAchPullEvents();

    const feed = new CountingFeed(fx.adapter);
    const restarted = otherInstance(feed).translator;
    await deliver(restarted);
    expect(feed.afterIds[0]).toBe(stored);
    expect(feed.delivered).toBe(0);
    expect(await fx.countAchPullEvents()).toBe(events);

    await fx.simulate(pull.transferId, 'posted');
    await deliver(restarted);
    expect(feed.delivered).toBe(1);
    expect((await fx.state(pull.pullId)).status).toBe('SETTLED');
    expect(await fx.cursor()).toBe(await fx.latestProviderEventId());
  });

  it('processes each provider event once under concurrent webhooks on two instances', async () => {
    await deliver();
    const pulls = [await fx.submittedPull(userId), await fx.submittedPull(userId), await fx.submittedPull(userId)];
    for (const pull of pulls) await fx.simulate(pull.transferId, 'posted');
    const feeds = [new CountingFeed(fx.adapter), new CountingFeed(fx.adapter)];
    const [a, b] = feeds.map((feed) => otherInstance(feed).translator);

    await Promise.all([deliver(a), deliver(b), deliver(a), deliver(b)]);

    // 3 pending + 3 posted provider events, each handed to exactly one run.
    expect(feeds[0].delivered + feeds[1].delivered).toBe(6);
    for (const pull of pulls) {
      expect(await fx.eventTypes(pull.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled']);
    }
    expect(await fx.cursor()).toBe(await fx.latestProviderEventId());
  });

  it('does not read the feed again for a webhook that arrived before a completed run of this process started', async () => {
    const pull = await fx.submittedPull(userId);
    await fx.simulate(pull.transferId, 'posted');
    const feeds = [new CountingFeed(fx.adapter), new CountingFeed(fx.adapter)];
    const [a, b] = feeds.map((feed) => otherInstance(feed).translator);
    // Arrived (and so its provider events were created) before the run below started.
    const early = { ...eventsUpdateWebhook(), arrivedAt: performance.now() };
    await a.handle({ ...eventsUpdateWebhook(), arrivedAt: performance.now() });
    expect(await fx.eventTypes(pull.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled']);
    const reads = feeds[0].afterIds.length;

    await a.handle(early);
    expect(feeds[0].afterIds).toHaveLength(reads);
    // Another instance knows nothing of a's runs: it reads (and finds nothing new).
    await b.handle(early);
    expect(feeds[1].afterIds.length).toBeGreaterThan(0);
    expect(feeds[1].delivered).toBe(0);

    // A webhook that arrived after that run started announces events it may not have seen: read.
    const later = await fx.submittedPull(userId);
    await fx.simulate(later.transferId, 'posted');
    await a.handle({ ...eventsUpdateWebhook(), arrivedAt: performance.now() });
    expect(feeds[0].afterIds.length).toBeGreaterThan(reads);
    expect((await fx.state(later.pullId)).status).toBe('SETTLED');
    expect(await fx.cursor()).toBe(await fx.latestProviderEventId());
  });

  it('a run that failed covers nothing: the next webhook, even one that arrived earlier, reads again', async () => {
    await deliver();
    const feed = new CountingFeed(fx.adapter);
    const { translator } = otherInstance(feed);
    const early = { ...eventsUpdateWebhook(), arrivedAt: performance.now() };
    await fx.createTransfer(userId, randomUUID()); // nobody recorded it: the run fails while it is young
    await expect(translator.handle({ ...eventsUpdateWebhook(), arrivedAt: performance.now() })).rejects.toBeInstanceOf(ProviderTransferNotYetKnownError);
    const reads = feed.afterIds.length;
    await expect(translator.handle(early)).rejects.toBeInstanceOf(ProviderTransferNotYetKnownError);
    expect(feed.afterIds.length).toBeGreaterThan(reads);

    // Three minutes on, the stranger's event is old enough to be skipped: the feed is clear for the next tests.
    const later = new CommandProcessor(fx.commands.store, { now: () => new Date(Date.now() + 3 * 60_000) });
    await otherInstance(fx.adapter, later).sync.sync('test-clear-stranger');
    expect(await fx.cursor()).toBe(await fx.latestProviderEventId());
  });

  it('when one event of a page must wait, keeps the cursor before it and applies everything exactly once later', async () => {
    await deliver();
    const before = (await fx.cursor()) ?? 0;
    const first = await fx.submittedPull(userId);
    await fx.createTransfer(userId, randomUUID()); // nobody recorded it: must wait while young
    const second = await fx.submittedPull(userId);
    await expect(deliver()).rejects.toBeInstanceOf(ProviderTransferNotYetKnownError);
    expect((await fx.state(first.pullId)).status).toBe('PENDING');
    const stuck = (await fx.cursor()) ?? 0;
    expect(stuck).toBeGreaterThan(before);
    expect(stuck).toBeLessThan(await fx.latestProviderEventId());

    const later = new CommandProcessor(fx.commands.store, { now: () => new Date(Date.now() + 3 * 60_000) });
    await otherInstance(fx.adapter, later).sync.sync('test-page-resume');
    expect(await fx.cursor()).toBe(await fx.latestProviderEventId());
    expect(await fx.eventTypes(first.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending']);
    expect(await fx.eventTypes(second.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending']);
  });
});
