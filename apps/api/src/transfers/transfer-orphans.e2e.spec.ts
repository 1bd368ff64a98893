/**
 * Orphaned asset holds of ACH transfers (issue 5 robustness), modelled on the payout sweep's test: the API's first
 * step alone (the asset hold placed through the CommandProcessor, as if the API crashed before TransferInitiated), the
 * worker's OrphanTransferHoldSweep run with time as data, the hold released and the balance whole; then the race both
 * ways: a late execute of the abandoned id is refused with nothing held, and an abandon after initiate does nothing.
 */
import { Client } from 'pg';
import { assetBalanceDecider, assetBalanceStreamId, customerDecider, customerStreamId, DEFAULT_FUNDING_ASSETS, transferDecider, transferStreamId } from '@payments/domain';
import { CommandProcessor, deterministicUuid, newUuid } from '@payments/event-store';
import { OrphanTransferHoldSweep } from '../../../worker/src/executing-transfers/orphan-transfer-hold-sweep';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { abaRoutingNumber, usAccountNumber } from '../../../../test/support/recipient-numbers';
import { achAccountIdFor } from './transfer-support';

const [WUSD_ASSET] = DEFAULT_FUNDING_ASSETS;
const WUSD = WUSD_ASSET.address;
const TEN_MINUTES_LATER = () => new Date(Date.now() + 10 * 60 * 1000);

interface Balance {
  token_symbol: string;
  precise_balance: string;
  precise_held: string;
  precise_available: string;
}

describe('ACH transfers: the orphan-hold sweep (HTTP, real Postgres, worker in process)', () => {
  let service: ServiceHarness;
  let db: Client;
  let commands: CommandProcessor;
  let sweep: OrphanTransferHoldSweep;
  const userId = 'transfer-orphan-user';
  const account = { number: '', routing: '' };

  const details = (over: Record<string, unknown> = {}) => ({
    account_id: achAccountIdFor(userId),
    recipient: { first_name: 'Olive', last_name: 'Orphan' },
    recipient_account: {
      account_number: account.number,
      routing_number: account.routing,
      legal_address: { line1: '1 Main Street', city: 'New York', state: 'NY', zip_code: '10001', country: 'US' },
    },
    ...over,
  });
  const estimate = (body: Record<string, unknown>) => service.request<Record<string, unknown>>('POST', '/api/v2/bank/transfer/estimate', { userId, body });
  const execute = (body: Record<string, unknown>, headers?: Record<string, string>) =>
    service.request<Record<string, unknown> & { error_details?: { key: string; details: string }[] }>('POST', '/api/v1/bank/transfer', { userId, body, headers });
  const activity = (id: string) => service.request<Record<string, unknown>>('GET', `/api/v1/bank/transfer/${id}`, { userId });
  const wusd = async () => (await service.request<{ balances: Balance[] }>('GET', '/api/v2/balances', { userId })).body.balances.find((b) => b.token_symbol === 'WUSD')!;
  const wusdBecomes = (expected: Partial<Balance>) =>
    service.eventually(async () => {
      const b = await wusd();
      return Object.entries(expected).every(([k, v]) => b[k as keyof Balance] === v) && b;
    }, 20_000);
  const streamTypes = async (streamId: string) => (await db.query<{ type: string }>('SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_revision', [streamId])).rows.map((r) => r.type);
  const eventCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;
  const awaiting = async (transferId: string) => (await db.query('SELECT 1 FROM transfer_holds_awaiting_initiation WHERE transfer_id = $1', [transferId])).rowCount;
  /** The API's first step alone, as if it crashed right after the hold. */
  const holdOnly = (transferId: string, amount: bigint, eventIdSeed?: string) =>
    commands.execute(
      assetBalanceStreamId(userId, 'WUSD'),
      assetBalanceDecider,
      { type: 'PlaceAssetHold', data: { user_id: userId, asset: WUSD_ASSET, movement_id: transferId, amount }, now: commands.now() },
      { correlationId: 'crashed-request', actor: 'test', ...(eventIdSeed ? { eventIdSeed } : {}) },
    );

  beforeAll(async () => {
    service = await startService('transfer-orphans', { kafka: false });
    db = new Client({ connectionString: service.databaseUrl });
    await db.connect();
    commands = service.app.get(CommandProcessor);
    sweep = service.app.get(OrphanTransferHoldSweep);
    account.number = usAccountNumber();
    account.routing = abaRoutingNumber();
    expect((await service.request('POST', '/user/linked-bank-account/profile', { userId, body: { type: 'individual', first_name: 'Tia', last_name: 'Orphan' } })).status).toBe(201);
    expect((await service.request('PUT', `/ops/users/${userId}/kyc`, { key: service.opsKey, body: { kyc_status: 'approved' } })).status).toBe(200);
    await commands.execute(customerStreamId(userId), customerDecider, { type: 'GrantCapability', data: { customer_id: userId, capability: 'AchOut3rdParty' }, now: commands.now() }, { correlationId: 'test', actor: 'test:ops' });
    const credited = await service.request('POST', `/ops/users/${userId}/asset-balances/credit`, { key: service.opsKey, body: { credit_id: newUuid(), token_address: WUSD, amount: '1000' } });
    expect(credited.status).toBe(200);
  }, 180_000);
  afterAll(async () => {
    await db?.end();
    await service?.close();
  }, 180_000);

  it('an executed estimate whose TransferInitiated never came: abandoned after the grace period, hold released, shown Failed; a late execute is refused', async () => {
    const est = await estimate({ ...details(), amount: 100, tokens: [WUSD] });
    expect(est.status).toBe(200);
    const id = est.body.id as string;
    await holdOnly(id, 100_000_000n);
    expect(await wusdBecomes({ precise_held: '100000000' })).toMatchObject({ precise_balance: '1000000000', precise_available: '900000000' });

    // Within the grace period nothing happens.
    await service.eventually(async () => (await awaiting(id)) === 1);
    expect(await sweep.sweep(new Date())).toEqual({ abandoned: [], completed: [] });
    expect(await streamTypes(transferStreamId(id))).toEqual(['TransferEstimated']);

    // Ten minutes later (time as data): abandoned, and the worker's transfer steps release the hold.
    expect(await sweep.sweep(TEN_MINUTES_LATER())).toEqual({ abandoned: [id], completed: [] });
    expect(await awaiting(id)).toBe(0);
    expect(await streamTypes(transferStreamId(id))).toEqual(['TransferEstimated', 'TransferAbandoned']);
    expect(await wusdBecomes({ precise_held: '0' })).toMatchObject({ precise_balance: '1000000000', precise_available: '1000000000' });
    expect(await streamTypes(assetBalanceStreamId(userId, 'WUSD'))).toEqual(['AssetCredited', 'AssetHoldPlaced', 'AssetHoldReleased']);

    // The client asking about its estimate sees a failed transfer, not a pending one.
    const shown = await activity(id);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      id,
      status: 'Failed',
      source_amount: { precise_amount: '100000000', token_symbol: 'WUSD' },
      failure_reason: { code: 'ORPHANED_HOLD' },
      activity_steps: [{ type: 'Initiated', status: 'Failed', created_at: expect.any(String), completed_at: expect.any(String) }],
    });
    expect(JSON.stringify(shown.body)).not.toContain(account.number);

    // The late execute (the client's retry) is refused before anything is held; nothing is appended.
    const before = await eventCount();
    const late = await execute({ ...details(), estimation_id: id, token_address: WUSD });
    expect(late.status).toBe(409);
    expect(late.body).toMatchObject({ error_reason: 'ErrorInvalidState', error_category: { http_status_code: 409 } });
    expect(late.body.error_details).toContainEqual({ key: 'issue', details: 'transfer_abandoned' });
    expect(await eventCount()).toBe(before);
    expect(await wusd()).toMatchObject({ precise_held: '0', precise_available: '1000000000' });
    // Running the sweep again finds nothing left to do.
    expect(await sweep.sweep(TEN_MINUTES_LATER())).toEqual({ abandoned: [], completed: [] });
  });

  it('a fresh-amount request with an Idempotency-Key that crashed after its hold: the retry after the sweep is refused, nothing held again', async () => {
    const { rows } = await db.query<{ id: string }>(`SELECT id FROM api_keys WHERE name = 'local'`);
    const key = 'transfer-orphan-key-1';
    const seed = `http:${rows[0].id}:${userId}:transfer-execute:${key}`;
    const id = deterministicUuid(`${seed}:transfer-id`);
    await holdOnly(id, 25_000_000n, `${seed}:asset-hold`);
    await wusdBecomes({ precise_held: '25000000' });
    await service.eventually(async () => (await awaiting(id)) === 1);

    expect(await sweep.sweep(TEN_MINUTES_LATER())).toEqual({ abandoned: [id], completed: [] });
    expect(await streamTypes(transferStreamId(id))).toEqual(['TransferAbandoned']);
    await wusdBecomes({ precise_held: '0', precise_available: '1000000000' });
    // Nothing to show for an id the client never received.
    expect((await activity(id)).status).toBe(404);

    const before = await eventCount();
    const retry = await execute({ ...details(), amount: 25, token_address: WUSD }, { 'idempotency-key': key });
    expect(retry.status).toBe(409);
    expect(retry.body.error_details).toContainEqual({ key: 'issue', details: 'transfer_abandoned' });
    expect(await eventCount()).toBe(before);
    expect(await wusd()).toMatchObject({ precise_held: '0', precise_available: '1000000000' });
  });

  it('a transfer that was initiated is never abandoned: the sweep forgets its hold, and an abandon after initiate appends nothing', async () => {
    const executed = await execute({ ...details(), amount: 10, token_address: WUSD });
    expect(executed.status).toBe(201);
    const id = executed.body.id as string;
    await service.eventually(async () => (await streamTypes(transferStreamId(id))).includes('TransferCryptoOut'));
    // The sweep saw the hold and then the initiation: nothing awaits, nothing is abandoned.
    await service.eventually(async () => (await awaiting(id)) === 0 && (await db.query("SELECT 1 FROM events WHERE type = 'AssetHoldPlaced' AND data->>'movement_id' = $1", [id])).rowCount === 1);
    expect((await sweep.sweep(TEN_MINUTES_LATER())).abandoned).toEqual([]);

    // Even an abandon that reaches the stream after the initiation (a lagging sweep) decides nothing.
    const typesBefore = await streamTypes(transferStreamId(id));
    const result = await commands.execute(
      transferStreamId(id),
      transferDecider,
      { type: 'AbandonTransfer', data: { transfer_id: id, user_id: userId, token_symbol: 'WUSD', reason: { code: 'ORPHANED_HOLD', description: 'late' } }, now: commands.now() },
      { correlationId: 'late-sweep', actor: 'test' },
    );
    expect(result.state.status).not.toBe('ABANDONED');
    expect(await streamTypes(transferStreamId(id))).toEqual(typesBefore);
    expect(typesBefore).not.toContain('TransferAbandoned');
    // The hold was captured by the transfer's CryptoOut step, not released: 10 WUSD left the balance.
    expect(await wusdBecomes({ precise_held: '0' })).toMatchObject({ precise_balance: '990000000', precise_available: '990000000' });
  });
});
