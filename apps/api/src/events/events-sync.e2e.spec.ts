/**
 * GET /events/sync end to end (embedded mode, no Kafka: the cursor is what consumers without Kafka use): a bank link
 * and ACH pulls through HTTP and provider-sandbox webhooks, then paging with count=7 returns the same events in the
 * same order as one big page; a cursor taken earlier stays valid after more events are appended; bad input answers
 * the seed's error shape.
 */
import { Client } from 'pg';
import { EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { PublicEvent, toPublicEvent } from '@payments/messaging';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { AchPullDriver, achPullDriver } from '../../../../test/support/ach-pull-driver';

interface Page {
  events: PublicEvent[];
  next_cursor: string;
  has_more: boolean;
}
const USER = 'sync-user';

describe('GET /events/sync', () => {
  let service: ServiceHarness;
  let db: Client;
  let pulls: AchPullDriver;
  let store: EventStore;

  beforeAll(async () => {
    service = await startService('events-sync', { kafka: false });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    pulls = achPullDriver(service, db);
    store = service.app.get<EventStore>(EVENT_STORE);
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    await service?.close();
  });

  const sync = (query: string, key?: string | null) => service.request<Page>('GET', `/events/sync${query}`, { key });
  const pageThrough = async (count: number, after?: string): Promise<{ events: PublicEvent[]; cursor: string }> => {
    const events: PublicEvent[] = [];
    let cursor = after;
    for (let i = 0; i < 200; i++) {
      const r = await sync(`?count=${count}${cursor ? `&after_id=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.events.length).toBeLessThanOrEqual(count);
      events.push(...r.body.events);
      cursor = r.body.next_cursor;
      if (!r.body.has_more) return { events, cursor };
    }
    throw new Error('never reached the end');
  };
  const publishedLog = async (): Promise<RecordedEvent[]> => {
    const all: RecordedEvent[] = [];
    for (;;) {
      const page = await store.readAll({ fromPosition: all.length ? all[all.length - 1].position : undefined, limit: 500 });
      if (page.length === 0) return all.filter((e) => toPublicEvent(e) !== null);
      all.push(...page);
    }
  };

  it('pages with count=7 through the same events, in the same order, as one big page; the cursor stays valid', async () => {
    await pulls.linkBankAccount(USER, { first_name: 'Syd', last_name: 'Cursor' });
    const first = await pulls.pendingPull(USER, '50.00');
    await pulls.simulate(first.transferId, 'posted');
    await pulls.waitForStatus(USER, first.uuid, 'SETTLED');

    const big = await sync('?count=500');
    expect(big.status).toBe(200);
    expect(big.body.has_more).toBe(false);
    expect(big.body.events.length).toBeGreaterThan(7);
    const paged = await pageThrough(7);
    expect(paged.events.map((e) => e.id)).toEqual(big.body.events.map((e) => e.id));
    expect(paged.events).toEqual(big.body.events);
    expect(big.body.events.map((e) => e.id)).toEqual((await publishedLog()).map((e) => e.id));
    expect(big.body.events[0]).toMatchObject({ specversion: '1.0', source: 'urn:payments:orchestrator', datacontenttype: 'application/json' });
    const pullTypes = big.body.events.filter((e) => e.subject === `ach-pull-${first.uuid}`).map((e) => e.type);
    expect(pullTypes).toEqual(['ach_pull.initiated', 'ach_pull.submitted', 'ach_pull.pending', 'ach_pull.completed']);
    // Every type is a catalog type, never an internal class name.
    expect(big.body.events.every((e) => /^[a-z_]+\.[a-z_]+$/.test(e.type))).toBe(true);

    // A cursor from the middle and the end cursor, then more events: both still continue exactly where they were.
    const middle = (await sync('?count=5')).body.next_cursor;
    const endCursor = paged.cursor;
    const second = await pulls.pendingPull(USER, '15.00');
    await pulls.simulate(second.transferId, 'failed', 'R01');
    await pulls.waitForStatus(USER, second.uuid, 'FAILED');
    const log = await publishedLog();
    const fromMiddle = await pageThrough(7, middle);
    expect(fromMiddle.events.map((e) => e.id)).toEqual(log.slice(5).map((e) => e.id));
    const fromEnd = await pageThrough(7, endCursor);
    expect(fromEnd.events.map((e) => e.id)).toEqual(log.slice(big.body.events.length).map((e) => e.id));
    expect(fromEnd.events.filter((e) => e.subject === `ach-pull-${second.uuid}`).map((e) => e.type)).toEqual([
      'ach_pull.initiated',
      'ach_pull.submitted',
      'ach_pull.pending',
      'ach_pull.failed',
    ]);
    // At the end: an empty page, the same cursor back, nothing more.
    const atEnd = await sync(`?after_id=${encodeURIComponent(fromEnd.cursor)}`);
    expect(atEnd.body).toEqual({ events: [], next_cursor: fromEnd.cursor, has_more: false });
  }, 120_000);

  it.each([
    ['?after_id=nonsense', 'after_id', 'invalid_cursor'],
    [`?after_id=v1.${Buffer.from('12:x').toString('base64url')}`, 'after_id', 'invalid_cursor'],
    ['?count=0', 'count', 'out_of_range'],
    ['?count=501', 'count', 'out_of_range'],
    ['?count=ten', 'count', 'out_of_range'],
  ])('%s → 400 in the seed error shape', async (query, field, issue) => {
    const r = await service.request<Record<string, unknown>>('GET', `/events/sync${query}`);
    expect(r.status).toBe(400);
    expect(r.body).toEqual({
      error_reason: 'ErrorInvalidField',
      error_description: expect.any(String),
      error_category: { category: 'CategoryValidationFailure', http_status_code: 400 },
      error_details: [
        { key: 'field', details: field },
        { key: 'issue', details: issue },
      ],
    });
  });

  it('needs an API key; any key reads every user (X-User-Id is not used)', async () => {
    expect((await sync('?count=1', null)).status).toBe(401);
    const r = await sync('?count=1', service.opsKey);
    expect(r.status).toBe(200);
    expect(r.body.events).toHaveLength(1);
  });
});
