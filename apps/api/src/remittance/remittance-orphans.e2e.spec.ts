/**
 * Orphaned remittance holds, modelled on the transfer orphans' test: the API's first step alone (the REMITTANCE hold
 * placed through the CommandProcessor, as if the API crashed before RemittanceStarted), the worker's
 * OrphanRemittanceHoldSweep run with time as data, the hold released and the balance whole; then the race both ways: a
 * late start of the abandoned quote is refused with nothing held, and a started remittance is never abandoned.
 */
import { Client } from 'pg';
import { accountDecider, AccountCurrency, accountStreamId, remittanceDecider, remittanceStreamId } from '@payments/domain';
import { CommandProcessor, newUuid } from '@payments/event-store';
import { OrphanRemittanceHoldSweep } from '../../../worker/src/settling-remittance-holds/orphan-remittance-hold-sweep';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { remittanceAccountNumber } from '../../../../test/support/recipient-numbers';

interface Remittance {
  uuid: string;
  quote_id: string;
  status: string;
  failure_reason?: { code: string; description: string } | null;
}
interface ErrorBody {
  error_reason: string;
  error_category: { category: string; http_status_code: number };
  error_details: { key: string; details: string }[];
}
interface Balances {
  posted: string;
  pending: string;
  available: string;
}

const TEN_MINUTES_LATER = () => new Date(Date.now() + 10 * 60 * 1000);

describe('remittance: the orphan-hold sweep (HTTP, real Postgres, worker in process)', () => {
  let service: ServiceHarness;
  let db: Client;
  let commands: CommandProcessor;
  let sweep: OrphanRemittanceHoldSweep;
  const user = 'remittance-orphan-user';

  const quote = () => service.request<Remittance & ErrorBody>('POST', '/user/remittance/quote', { userId: user, body: { source_currency: 'NGN', target_currency: 'PKR', source_amount: '10000.00' } });
  const start = (quoteId: string, accountNumber: string) =>
    service.request<Remittance & ErrorBody>('POST', '/user/remittance/start', {
      userId: user,
      body: { quote_id: quoteId, beneficiary: { first_name: 'Ayesha', last_name: 'Khan', country: 'PK', account_number: accountNumber } },
    });
  const streamTypes = async (streamId: string) => (await db.query<{ type: string }>('SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_revision', [streamId])).rows.map((r) => r.type);
  const eventCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;
  const awaiting = async (remittanceId: string) => (await db.query('SELECT 1 FROM remittance_holds_awaiting_start WHERE remittance_id = $1', [remittanceId])).rowCount;
  const ngn = async (): Promise<Balances | undefined> =>
    (await service.request<{ currency: string; balances: Balances }[]>('GET', '/user/accounts', { userId: user })).body.find((a) => a.currency === 'NGN')?.balances;
  const ngnBecomes = (expected: Partial<Balances>) =>
    service.eventually(async () => {
      const b = await ngn();
      return b !== undefined && Object.entries(expected).every(([k, v]) => b[k as keyof Balances] === v) && b;
    }, 20_000);
  /** The API's first step alone, as if it crashed right after the hold. */
  const holdOnly = (remittanceId: string, amountMinor: bigint, currency: AccountCurrency = 'NGN') =>
    commands.execute(
      accountStreamId(user, currency),
      accountDecider,
      { type: 'PlaceHold', data: { movement_id: remittanceId, purpose: 'REMITTANCE', amount: { amountMinor, currency } }, now: commands.now() },
      { correlationId: 'crashed-request', actor: 'test' },
    );

  beforeAll(async () => {
    service = await startService('remittance-orphans', { kafka: false, env: { REMITTANCE_ENABLED: 'true' } });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    commands = service.app.get(CommandProcessor);
    sweep = service.app.get(OrphanRemittanceHoldSweep);
    await service.request('POST', '/user/linked-bank-account/profile', { userId: user, body: { type: 'individual', first_name: 'Remit', last_name: 'Orphan' } });
    expect((await service.request('POST', '/user/accounts', { userId: user, body: { currency: 'NGN', account_type: 'checking' } })).status).toBe(201);
    // TEST-ONLY funding, as in the remittance e2e: NGN has no inbound rail.
    await commands.execute(
      accountStreamId(user, 'NGN'),
      accountDecider,
      { type: 'PostCredit', data: { movement_id: newUuid(), source: 'ACH_PULL', amount: { amountMinor: 2_000_000n, currency: 'NGN' } }, now: commands.now() },
      { correlationId: 'test-funding', actor: 'test:funding' },
    );
    await ngnBecomes({ available: '20000.00' });
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    await service?.close();
  }, 180_000);

  it('a quote whose RemittanceStarted never came: abandoned after the grace period, hold released, shown FAILED; a late start is refused', async () => {
    const quoted = await quote();
    expect(quoted.status).toBe(201);
    const id = quoted.body.quote_id;
    await holdOnly(id, 1_000_000n);
    expect(await ngnBecomes({ available: '10000.00' })).toMatchObject({ posted: '20000.00' });

    // Within the grace period nothing happens.
    await service.eventually(async () => (await awaiting(id)) === 1);
    expect(await sweep.sweep(new Date())).toEqual({ abandoned: [], completed: [] });
    expect(await streamTypes(remittanceStreamId(id))).toEqual(['RemittanceQuoted']);

    // Ten minutes later (time as data): abandoned, and SettlingRemittanceHolds releases the hold.
    expect(await sweep.sweep(TEN_MINUTES_LATER())).toEqual({ abandoned: [id], completed: [] });
    expect(await awaiting(id)).toBe(0);
    expect(await streamTypes(remittanceStreamId(id))).toEqual(['RemittanceQuoted', 'RemittanceAbandoned']);
    expect(await ngnBecomes({ available: '20000.00' })).toMatchObject({ posted: '20000.00' });
    expect((await streamTypes(accountStreamId(user, 'NGN'))).filter((t) => t.startsWith('AccountHold'))).toEqual(['AccountHoldPlaced', 'AccountHoldReleased']);

    // The client asking about its quote sees a failed remittance with the sweep's reason.
    const shown = await service.eventually(async () => {
      const r = await service.request<Remittance>('GET', `/user/remittance/${id}`, { userId: user });
      return r.status === 200 && r.body.status === 'FAILED' && r.body;
    });
    expect(shown).toMatchObject({ uuid: id, status: 'FAILED', failure_reason: { code: 'ORPHANED_HOLD' } });

    // The late start (the client's retry) is refused before anything is held; nothing is appended.
    const before = await eventCount();
    const late = await start(id, remittanceAccountNumber());
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error_reason: 'ErrorInvalidState', error_category: { http_status_code: 409 } });
    expect(late.body.error_details).toContainEqual({ key: 'issue', details: 'remittance_abandoned' });
    expect(await eventCount()).toBe(before);
    expect(await ngn()).toMatchObject({ posted: '20000.00', available: '20000.00' });
    // Running the sweep again finds nothing left to do.
    expect(await sweep.sweep(TEN_MINUTES_LATER())).toEqual({ abandoned: [], completed: [] });
  });

  it('a started remittance is never abandoned: the sweep forgets its hold, and an abandon after the start appends nothing', async () => {
    const quoted = await quote();
    expect(quoted.status).toBe(201);
    const id = quoted.body.quote_id;
    const started = await start(id, remittanceAccountNumber());
    expect(started.status).toBe(201);
    expect(started.body.status).toBe('PENDING');
    // The sweep saw the hold and then the start: nothing awaits, nothing is abandoned.
    await service.eventually(
      async () => (await awaiting(id)) === 0 && (await db.query("SELECT 1 FROM events WHERE type = 'AccountHoldPlaced' AND data->>'movement_id' = $1", [id])).rowCount === 1,
    );
    expect((await sweep.sweep(TEN_MINUTES_LATER())).abandoned).toEqual([]);

    // Even an abandon that reaches the stream after the start (a lagging sweep) decides nothing.
    const result = await commands.execute(
      remittanceStreamId(id),
      remittanceDecider,
      { type: 'AbandonRemittance', data: { remittance_id: id, user_id: user, reason: { code: 'ORPHANED_HOLD', description: 'late' } }, now: commands.now() },
      { correlationId: 'late-sweep', actor: 'test' },
    );
    expect(result.state.status).not.toBe('NONE');
    expect(result.state.status !== 'NONE' && result.state.abandonedAt).toBeUndefined();
    const types = await streamTypes(remittanceStreamId(id));
    expect(types).toContain('RemittanceStarted');
    expect(types).not.toContain('RemittanceAbandoned');
    // The hold is the remittance's own (captured or failed by its provider outcome), never cancelled by an abandon.
    expect((await db.query("SELECT 1 FROM events WHERE type = 'AccountHoldReleased' AND data->>'movement_id' = $1 AND data->>'outcome' = 'CANCELLED'", [id])).rowCount).toBe(0);
  });
});
