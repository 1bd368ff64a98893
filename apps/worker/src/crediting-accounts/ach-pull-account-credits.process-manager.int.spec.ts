/**
 * The process manager crediting accounts from ACH pull events, as it runs in the worker (real Postgres, the event
 * store subscription): redelivered events, a lost checkpoint, an account opened before the credit step (a crash
 * between the two steps, or the user's own savings account), and a pull that failed before reaching the provider.
 * Pull events are appended directly (the submission process manager is stopped, so no provider is involved).
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { AchPullEvent, achPullStreamId, accountStreamId } from '@payments/domain';
import { comparePositions, EVENT_STORE, EventStore, Position, RecordedEvent } from '@payments/event-store';
import { PG_POOL } from '@payments/read-models';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { AchPullSubmissionProcessManager } from '../submitting-ach-pulls/ach-pull-submission.process-manager';
import { readProcessManagerCheckpoint } from '../submitting-ach-pulls/process-manager-checkpoints';
import { ACH_PULL_ACCOUNT_CREDITS_CHECKPOINT, AchPullAccountCreditsProcessManager } from './ach-pull-account-credits.process-manager';

describe('Crediting accounts from ACH pulls (process manager, real Postgres)', () => {
  let service: ServiceHarness;
  let pm: AchPullAccountCreditsProcessManager;
  let store: EventStore;
  let pool: Pool;
  const meta = { correlation_id: 'corr', causation_id: 'corr', actor: 'test', schema_version: 1, occurred_at: '2026-04-01T10:00:00.000Z' };

  beforeAll(async () => {
    service = await startService('crediting-accounts', { kafka: false });
    await service.app.get(AchPullSubmissionProcessManager).stop();
    pm = service.app.get(AchPullAccountCreditsProcessManager);
    store = service.app.get<EventStore>(EVENT_STORE);
    pool = service.app.get<Pool>(PG_POOL);
  });
  afterAll(async () => {
    await service?.close();
  });

  const profile = (userId: string) =>
    service.request('POST', '/user/linked-bank-account/profile', { userId, body: { type: 'individual', first_name: 'Cre', last_name: 'Dit' } });

  /** Appends pull events (AchPullRequested first) as the pull aggregate would; returns the last one's position. */
  async function pullEvents(userId: string, pullId: string, amountMinor: string, ...events: AchPullEvent[]): Promise<Position> {
    const all: AchPullEvent[] = [
      {
        type: 'AchPullRequested',
        data: {
          pull_id: pullId,
          user_id: userId,
          amount_minor: amountMinor,
          currency: 'USD',
          via: 'LINKED_BANK_ACCOUNT',
          source: { link_id: randomUUID(), account_id: 'acc', mask: '0000' },
          receiver_type: 'BANK_ACCOUNT',
        },
      },
      ...events,
    ];
    const existing = await store.readStream(achPullStreamId(pullId));
    const fresh = all.slice(existing.length);
    const result = await store.appendToStream(
      achPullStreamId(pullId),
      fresh.map((e) => ({ id: randomUUID(), type: e.type, data: e.data as unknown as Record<string, unknown>, metadata: meta })),
    );
    return result.position;
  }
  const submitted = (userId: string, pullId: string): AchPullEvent => ({ type: 'AchPullSubmitted', data: { pull_id: pullId, user_id: userId, provider_transfer_id: `pt-${pullId}` } });
  const settled = (userId: string, pullId: string, amount_minor: string): AchPullEvent => ({
    type: 'AchPullSettled',
    data: { pull_id: pullId, user_id: userId, provider_transfer_id: `pt-${pullId}`, amount_minor, currency: 'USD' },
  });

  const processed = (position: Position) =>
    service.eventually(async () => comparePositions(await readProcessManagerCheckpoint(pool, ACH_PULL_ACCOUNT_CREDITS_CHECKPOINT), position) >= 0, 10_000);
  const accountHistory = async (userId: string): Promise<RecordedEvent[]> => store.readStream(accountStreamId(userId, 'USD'));
  const types = (events: RecordedEvent[]) => events.map((e) => e.type);

  it('opens the USD account and records pending then posted credits, once, however often the events are handled', async () => {
    const userId = 'credit-redelivery';
    const pullId = randomUUID();
    await profile(userId);
    await processed(await pullEvents(userId, pullId, '10000', submitted(userId, pullId), settled(userId, pullId, '10000')));
    const history = await accountHistory(userId);
    expect(types(history)).toEqual(['AccountOpened', 'AccountCreditPending', 'AccountCreditPosted']);
    expect(history[2].data).toMatchObject({ movement_id: pullId, amount_minor: '10000', balances: { posted_minor: '10000', available_minor: '10000' } });
    expect(history[0].data).toMatchObject({ account_type: 'checking', currency: 'USD' });

    // Redelivery: every pull event handled again, twice.
    for (let round = 0; round < 2; round++) for (const event of await store.readStream(achPullStreamId(pullId))) await pm.handle(event);
    expect(await accountHistory(userId)).toEqual(history);

    // A lost checkpoint: the whole log is handled again from the start.
    await pm.stop();
    await pool.query('DELETE FROM process_manager_checkpoints WHERE name = $1', [ACH_PULL_ACCOUNT_CREDITS_CHECKPOINT]);
    await pm.start();
    const last = (await store.readStream(achPullStreamId(pullId))).at(-1) as RecordedEvent;
    await processed(last.position);
    expect(await accountHistory(userId)).toEqual(history);
  });

  it('credits the account already there when the process stopped after opening it (or the user opened a savings one)', async () => {
    for (const [userId, accountType] of [
      ['credit-crash-after-open', 'checking'],
      ['credit-own-savings', 'savings'],
    ] as const) {
      await profile(userId);
      const opened = await service.request('POST', '/user/accounts', { userId, body: { currency: 'USD', account_type: accountType } });
      expect(opened.status).toBe(201);
      const pullId = randomUUID();
      await processed(await pullEvents(userId, pullId, '2500', submitted(userId, pullId)));
      const history = await accountHistory(userId);
      expect(types(history)).toEqual(['AccountOpened', 'AccountCreditPending']);
      expect(history[0].data).toMatchObject({ account_type: accountType });
      expect(history[1].data).toMatchObject({ balances: { pending_minor: '2500', available_minor: '0' } });
    }
  });

  it('reverses the pending credit of a failed or cancelled pull, and opens nothing for a pull that failed before submission', async () => {
    const userId = 'credit-failures';
    await profile(userId);
    const failed = randomUUID();
    const cancelled = randomUUID();
    await pullEvents(userId, failed, '1500', submitted(userId, failed), {
      type: 'AchPullFailed',
      data: { pull_id: failed, user_id: userId, provider_transfer_id: `pt-${failed}`, reason: { code: 'R01', description: 'Insufficient funds' } },
    });
    await processed(await pullEvents(userId, cancelled, '2000', submitted(userId, cancelled), { type: 'AchPullCancelled', data: { pull_id: cancelled, user_id: userId } }));
    const history = await accountHistory(userId);
    expect(types(history)).toEqual(['AccountOpened', 'AccountCreditPending', 'AccountPendingCreditReversed', 'AccountCreditPending', 'AccountPendingCreditReversed']);
    expect(history.map((e) => (e.data as { outcome?: string }).outcome).filter(Boolean)).toEqual(['FAILED', 'CANCELLED']);
    expect((history[4].data as { balances: { pending_minor: string } }).balances.pending_minor).toBe('0');

    const neverSubmitted = 'credit-never-submitted';
    await profile(neverSubmitted);
    const pullId = randomUUID();
    await processed(
      await pullEvents(neverSubmitted, pullId, '1500', { type: 'AchPullFailed', data: { pull_id: pullId, user_id: neverSubmitted, reason: { code: 'LINK_NOT_ACTIVE', description: 'x' } } }),
    );
    expect(await accountHistory(neverSubmitted)).toEqual([]);
  });
});
