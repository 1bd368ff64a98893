/**
 * The ACH pull submission process manager as it runs in the worker: real Postgres (an isolated database), the event
 * store subscription, and provider-sandbox over HTTP through the Plaid SDK adapter. Users are linked through the real
 * link flow (profile -> KYC approval -> PUT link -> sandbox link completion -> webhook -> translator).
 */
import { randomUUID } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import {
  AchPullCommand,
  achPullDecider,
  achPullLinkFacts,
  achPullStreamId,
  bankLinkDecider,
  bankLinkStreamId,
  BankLinkState,
  customerDecider,
  customerFacts,
  customerStreamId,
  parseAchPullMoney,
} from '@payments/domain';
import { CommandProcessor, comparePositions, EVENT_STORE, EventStore, Position, RecordedEvent } from '@payments/event-store';
import { SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { createPlaidApi, PlaidBankTransferAdapter } from '@payments/providers';
import { FIELD_CIPHER, PLAID_BANK_TRANSFERS } from '@payments/providers/nest/provider-tokens';
import { findProviderTransfer, PG_POOL } from '@payments/read-models';
import { FieldCipher } from '@payments/security';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { ACH_PULL_SUBMISSION_CHECKPOINT, AchPullSubmissionProcessManager } from './ach-pull-submission.process-manager';
import { readProcessManagerCheckpoint } from './process-manager-checkpoints';

interface SandboxTransfer {
  id: string;
  amount: string;
  type: string;
  network: string;
  ach_class: string;
  description: string;
  custom_tag: string | null;
  metadata: Record<string, string> | null;
  status: string;
  cancellable: boolean;
  user: { legal_name: string };
}

type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;

describe('Submitting ACH pulls to the provider (process manager, event store, provider-sandbox over HTTP)', () => {
  let service: ServiceHarness;
  let pm: AchPullSubmissionProcessManager;
  let commands: CommandProcessor;
  let store: EventStore;
  let pool: Pool;
  let provider: PlaidBankTransferAdapter;
  let cipher: FieldCipher;

  beforeAll(async () => {
    service = await startService('submitting-ach-pulls', { kafka: false });
    pm = service.app.get(AchPullSubmissionProcessManager);
    commands = service.app.get(CommandProcessor);
    store = service.app.get<EventStore>(EVENT_STORE);
    pool = service.app.get<Pool>(PG_POOL);
    provider = service.app.get<PlaidBankTransferAdapter>(PLAID_BANK_TRANSFERS);
    cipher = service.app.get<FieldCipher>(FIELD_CIPHER);
  });
  afterAll(async () => {
    await service?.close();
  });

  /** A provider-sandbox call over HTTP (Plaid API endpoints with the client's credentials; /sandbox/link/* without). */
  async function sandbox<T>(path: string, body: Record<string, unknown>): Promise<T> {
    const credentials = path.startsWith('/sandbox/link/') ? {} : { client_id: SANDBOX_PLAID_CREDENTIALS.clientId, secret: SANDBOX_PLAID_CREDENTIALS.secret };
    const response = await fetch(`${service.sandboxUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...credentials, ...body }),
    });
    const json = (await response.json()) as T;
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(json)}`);
    return json;
  }

  /** Every transfer the provider holds for this pull (custom_tag = pull id), from /bank_transfer/list. */
  async function providerTransfersFor(pullId: string): Promise<SandboxTransfer[]> {
    const all: SandboxTransfer[] = [];
    for (let offset = 0; ; offset += 25) {
      const page = await sandbox<{ bank_transfers: SandboxTransfer[] }>('/bank_transfer/list', { count: 25, offset });
      all.push(...page.bank_transfers);
      if (page.bank_transfers.length < 25) break;
    }
    return all.filter((t) => t.custom_tag === pullId);
  }

  const pullEvents = async (pullId: string): Promise<RecordedEvent[]> => store.readStream(achPullStreamId(pullId));
  const types = (events: RecordedEvent[]): string[] => events.map((e) => e.type);

  async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
    return service.eventually(check, timeoutMs);
  }

  /** Resolves once the process manager's checkpoint is at or after `position` (it handled everything up to it). */
  async function processed(position: Position): Promise<void> {
    await eventually(async () => comparePositions(await readProcessManagerCheckpoint(pool, ACH_PULL_SUBMISSION_CHECKPOINT), position) >= 0);
  }

  async function bankLink(userId: string): Promise<BankLinkState> {
    return (await commands.load(bankLinkStreamId(userId), bankLinkDecider)).state;
  }

  /** A FULL_USER individual with an ACTIVE link, through the API and the sandbox's link flow. */
  async function linkedUser(userId: string): Promise<void> {
    const profile = await service.request('POST', '/user/linked-bank-account/profile', {
      userId,
      body: { type: 'individual', first_name: 'Alex', last_name: 'Grey', email: 'alex@example.com' },
    });
    expect(profile.status).toBe(201);
    expect((await service.request('PUT', `/ops/users/${userId}/kyc`, { key: service.opsKey, body: { kyc_status: 'approved' } })).status).toBe(200);
    const link = await service.request<{ link_url: string }>('PUT', '/user/linked-bank-account/link', { userId });
    expect(link.status).toBe(200);
    // Complete it once the link request is projected (the translator looks the link token up there).
    await eventually(async () => (await service.request('GET', '/user/linked-bank-account', { userId })).status === 200);
    await sandbox('/sandbox/link/complete', { link_token: new URL(link.body.link_url).searchParams.get('token'), outcome: 'success' });
    await eventually(async () => (await bankLink(userId)).status === 'ACTIVE');
  }

  /** Appends AchPullRequested through the command path, as the API does. */
  async function requestPull(userId: string, amount = '25.00'): Promise<{ pullId: string; requested: RecordedEvent }> {
    const pullId = randomUUID();
    const customer = (await commands.load(customerStreamId(userId), customerDecider)).state;
    await commands.execute(
      achPullStreamId(pullId),
      achPullDecider,
      {
        type: 'RequestAchPull',
        data: {
          pull_id: pullId,
          user_id: userId,
          amount: parseAchPullMoney(amount, 'USD'),
          via: 'LINKED_BANK_ACCOUNT',
          customer: customerFacts(customer),
          link: achPullLinkFacts(await bankLink(userId)),
        },
        now: new Date(),
      },
      { correlationId: `test-${pullId}`, actor: 'test' },
    );
    const [requested] = await pullEvents(pullId);
    expect(requested.type).toBe('AchPullRequested');
    return { pullId, requested };
  }

  async function command(pullId: string, cmd: WithoutNow<AchPullCommand>): Promise<RecordedEvent[]> {
    const result = await commands.execute(achPullStreamId(pullId), achPullDecider, { ...cmd, now: new Date() } as AchPullCommand, {
      correlationId: `test-${pullId}`,
      actor: 'test',
    });
    expect(result.events.length).toBeGreaterThan(0);
    const events = await pullEvents(pullId);
    return events.slice(events.length - result.events.length);
  }

  async function submitted(pullId: string): Promise<string> {
    const event = await eventually(async () => (await pullEvents(pullId)).find((e) => e.type === 'AchPullSubmitted'));
    return String(event.data.provider_transfer_id);
  }

  it('submits a requested pull to the provider once, with the pull id as idempotency key, and routes the transfer to the pull', async () => {
    const userId = 'pm-user-happy';
    await linkedUser(userId);
    const { pullId, requested } = await requestPull(userId, '25.00');

    const transferId = await submitted(pullId);
    await processed(requested.position);
    const transfers = await providerTransfersFor(pullId);
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toMatchObject({
      id: transferId,
      amount: '25.00',
      type: 'debit',
      network: 'ach',
      ach_class: 'web',
      description: 'ACH PULL',
      metadata: { pull_id: pullId },
      status: 'pending',
      user: { legal_name: 'Alex Grey' },
    });
    expect(await findProviderTransfer(pool, 'plaid', transferId)).toEqual({ kind: 'ach-pull', aggregateId: pullId, streamId: achPullStreamId(pullId) });
    const events = await pullEvents(pullId);
    expect(types(events)).toEqual(['AchPullRequested', 'AchPullSubmitted']);
    expect(events[1].data).toEqual({ pull_id: pullId, user_id: userId, provider_transfer_id: transferId });
    expect(events[1].metadata).toMatchObject({ actor: 'system:submitting-ach-pulls', causation_id: requested.id, correlation_id: `test-${pullId}` });

    // The same event handled again (redelivery after a crash before the checkpoint moved) changes nothing.
    await pm.handle(requested);
    expect(types(await pullEvents(pullId))).toEqual(['AchPullRequested', 'AchPullSubmitted']);
    expect(await providerTransfersFor(pullId)).toHaveLength(1);
  });

  it('never creates a second provider transfer when it crashed after the provider accepted the first', async () => {
    const userId = 'pm-user-crash';
    await linkedUser(userId);
    await pm.stop();
    const { pullId, requested } = await requestPull(userId, '40.00');

    // What the crashed process had done: the provider transfer exists, nothing of it is in our store.
    const link = await bankLink(userId);
    if (link.status !== 'ACTIVE' || !link.account) throw new Error('link should be active');
    const before = await provider.createTransfer({
      idempotencyKey: pullId,
      accessToken: cipher.decrypt(link.account.access_token_encrypted, `plaid-access-token:${userId}`),
      accountId: link.account.account_id,
      type: 'debit',
      network: 'ach',
      amountMinor: 4000n,
      currency: 'USD',
      description: 'ACH PULL',
      achClass: 'web',
      legalName: 'Alex Grey',
      customTag: pullId,
      metadata: { pull_id: pullId },
    });
    expect(types(await pullEvents(pullId))).toEqual(['AchPullRequested']);

    await pm.start();
    expect(await submitted(pullId)).toBe(before.id);
    await processed(requested.position);
    expect((await providerTransfersFor(pullId)).map((t) => t.id)).toEqual([before.id]);

    // Restarted with its checkpoint lost: everything is handled again, nothing is created or appended twice.
    await pm.stop();
    await pool.query('DELETE FROM process_manager_checkpoints WHERE name = $1', [ACH_PULL_SUBMISSION_CHECKPOINT]);
    await pm.start();
    await processed(requested.position);
    expect(types(await pullEvents(pullId))).toEqual(['AchPullRequested', 'AchPullSubmitted']);
    expect((await providerTransfersFor(pullId)).map((t) => t.id)).toEqual([before.id]);
  });

  it('fails a pull whose bank account was unlinked before submission with LINK_NOT_ACTIVE, sending nothing to the provider', async () => {
    const userId = 'pm-user-unlinked';
    await linkedUser(userId);
    await pm.stop();
    const { pullId, requested } = await requestPull(userId);
    expect((await service.request('DELETE', '/user/linked-bank-account/unlink', { userId })).status).toBe(200);
    await pm.start();

    const failed = await eventually(async () => (await pullEvents(pullId)).find((e) => e.type === 'AchPullFailed'));
    expect(failed.data).toEqual({
      pull_id: pullId,
      user_id: userId,
      reason: { code: 'LINK_NOT_ACTIVE', description: expect.stringContaining('no longer linked') },
    });
    await processed(requested.position);
    expect(types(await pullEvents(pullId))).toEqual(['AchPullRequested', 'AchPullFailed']);
    expect(await providerTransfersFor(pullId)).toEqual([]);
  });

  it('fails the pull with the provider code when the provider refuses the transfer, and carries on with the next pull', async () => {
    // A user whose stored access token the provider does not know (e.g. the Item was removed there), by events.
    const userId = 'pm-user-revoked';
    const ctx = { correlationId: `test-${userId}`, actor: 'test' };
    const now = new Date();
    await commands.execute(customerStreamId(userId), customerDecider, { type: 'RegisterCustomer', data: { customer_id: userId, type: 'individual', first_name: 'Sam', last_name: 'Stone' }, now }, ctx);
    await commands.execute(customerStreamId(userId), customerDecider, { type: 'ChangeKycStatus', data: { customer_id: userId, kyc_status: 'approved' }, now }, ctx);
    const customer = customerFacts((await commands.load(customerStreamId(userId), customerDecider)).state);
    const linkToken = `link-sandbox-${randomUUID()}`;
    await commands.execute(
      bankLinkStreamId(userId),
      bankLinkDecider,
      { type: 'RequestLink', data: { link_id: randomUUID(), user_id: userId, customer, link_token: linkToken, link_url: `${service.sandboxUrl}/link?token=${linkToken}`, expires_at: new Date(Date.now() + 3_600_000).toISOString() }, now },
      ctx,
    );
    const accessTokenEncrypted = cipher.encrypt('access-sandbox-unknown-to-the-provider', `plaid-access-token:${userId}`);
    await commands.execute(
      bankLinkStreamId(userId),
      bankLinkDecider,
      {
        type: 'CompleteLink',
        data: { link_token: linkToken, item_id: 'item-gone', account_id: 'account-gone', mask: '0000', account_name: 'Checking', account_subtype: 'checking', institution_id: 'ins_109508', bank_name: 'First Platypus Bank', access_token_encrypted: accessTokenEncrypted },
        now,
      },
      ctx,
    );
    const other = 'pm-user-after-refusal';
    await linkedUser(other);

    await pm.stop();
    const refused = await requestPull(userId);
    const next = await requestPull(other);
    await pm.start();

    const failed = await eventually(async () => (await pullEvents(refused.pullId)).find((e) => e.type === 'AchPullFailed'));
    expect(failed.data).toEqual({ pull_id: refused.pullId, user_id: userId, reason: { code: 'INVALID_ACCESS_TOKEN', description: expect.any(String) } });
    expect(types(await pullEvents(refused.pullId))).toEqual(['AchPullRequested', 'AchPullFailed']);
    expect(await providerTransfersFor(refused.pullId)).toEqual([]);
    await submitted(next.pullId);
    await processed(next.requested.position);
    expect(await providerTransfersFor(next.pullId)).toHaveLength(1);
  });

  it('cancels a pending pull at the provider, and a repeated cancel after a crash records the cancellation', async () => {
    const userId = 'pm-user-cancel';
    await linkedUser(userId);
    const { pullId } = await requestPull(userId);
    const transferId = await submitted(pullId);

    const [cancelRequested] = await command(pullId, { type: 'RequestCancel', data: {} });
    expect(cancelRequested.type).toBe('AchPullCancelRequested');
    await processed(cancelRequested.position);
    expect(await provider.get(transferId)).toMatchObject({ status: 'CANCELLED', cancellable: false });
    // Nothing more from the process manager: the provider's cancelled event comes through the webhook translator.
    expect(types(await pullEvents(pullId))).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullCancelRequested']);

    // Handled again (crash before the checkpoint moved): the provider refuses, the transfer is cancelled: recorded.
    await pm.handle(cancelRequested);
    const events = await pullEvents(pullId);
    expect(types(events)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullCancelRequested', 'AchPullCancelled']);
    expect(events[3].data).toEqual({ pull_id: pullId, user_id: userId, provider_transfer_id: transferId });
  });

  it('declines a cancel once the provider has posted the transfer', async () => {
    const userId = 'pm-user-posted';
    await linkedUser(userId);
    const { pullId } = await requestPull(userId);
    const transferId = await submitted(pullId);
    await sandbox('/sandbox/bank_transfer/simulate', { bank_transfer_id: transferId, event_type: 'posted' });

    const [cancelRequested] = await command(pullId, { type: 'RequestCancel', data: {} });
    const declined = await eventually(async () => (await pullEvents(pullId)).find((e) => e.type === 'AchPullCancelDeclined'));
    expect(declined.data).toEqual({ pull_id: pullId, user_id: userId, reason: expect.stringContaining('BANK_TRANSFER_NOT_CANCELLABLE') });
    await processed(cancelRequested.position);
    expect(await provider.get(transferId)).toMatchObject({ status: 'POSTED' });
    expect(types(await pullEvents(pullId))).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullCancelRequested', 'AchPullCancelDeclined']);
  });

  it('cancels a pull the provider has not seen yet without asking the provider, and then never submits it', async () => {
    const userId = 'pm-user-early-cancel';
    await linkedUser(userId);
    await pm.stop();
    const { pullId, requested } = await requestPull(userId);
    const [cancelRequested] = await command(pullId, { type: 'RequestCancel', data: {} });

    await pm.handle(cancelRequested);
    await pm.start();
    await processed(cancelRequested.position);
    expect(comparePositions(cancelRequested.position, requested.position)).toBeGreaterThan(0);
    expect(types(await pullEvents(pullId))).toEqual(['AchPullRequested', 'AchPullCancelRequested', 'AchPullCancelled']);
    expect(await providerTransfersFor(pullId)).toEqual([]);
  });

  it('retries from its checkpoint while the provider answers with retryable errors, then submits once', async () => {
    // A proxy in front of provider-sandbox that answers the first creates with Plaid's 500 API_ERROR.
    let creates = 0;
    const proxy: Server = createServer((req: IncomingMessage, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.url === '/bank_transfer/create' && ++creates <= 2) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR', error_message: 'an unexpected error occurred', request_id: 'r' }));
          return;
        }
        // The SDK sends its credentials as PLAID-CLIENT-ID / PLAID-SECRET headers: pass them on.
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string' && !['host', 'content-length', 'connection'].includes(entry[0])),
        );
        fetch(`${service.sandboxUrl}${req.url}`, { method: req.method, headers, body: Buffer.concat(chunks) })
          .then(async (upstream) => {
            res.writeHead(upstream.status, { 'content-type': 'application/json' });
            res.end(await upstream.text());
          })
          .catch(() => res.destroy());
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const flaky = new PlaidBankTransferAdapter(
      createPlaidApi({ basePath: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, ...SANDBOX_PLAID_CREDENTIALS }),
    );
    const userId = 'pm-user-flaky';
    await linkedUser(userId);
    await pm.stop();
    const flakyPm = new AchPullSubmissionProcessManager(commands, store, pool, flaky, cipher, { retryDelayMs: 50 });
    try {
      const { pullId, requested } = await requestPull(userId);
      await flakyPm.start();
      const transferId = await submitted(pullId);
      await processed(requested.position);
      expect(creates).toBe(3);
      expect((await providerTransfersFor(pullId)).map((t) => t.id)).toEqual([transferId]);
    } finally {
      await flakyPm.stop();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      await pm.start();
    }
  });
});
