/**
 * Test fixture (not a spec): a linked user and an ACH pull submitted to the provider-sandbox, set up the way the
 * service does it (HTTP for the user and the link; the domain command path and the provider adapter for the pull,
 * doing what the submitting process manager does), plus ways to drive the provider and read the outcome.
 */
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { PlaidApi, SandboxBankTransferSimulateRequest } from 'plaid';
import {
  achPullDecider,
  achPullLinkFacts,
  AchPullState,
  achPullStreamId,
  bankLinkDecider,
  bankLinkStreamId,
  customerDecider,
  customerFacts,
  customerStreamId,
  parseAchPullMoney,
} from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { createPlaidApi, PlaidBankTransferAdapter } from '@payments/providers/plaid';
import { FIELD_CIPHER, PLAID_BANK_TRANSFERS } from '@payments/providers/nest/provider-tokens';
import { PG_POOL, recordProviderTransfer } from '@payments/read-models';
import { FieldCipher } from '@payments/security';
import { ReceivedWebhook } from '@payments/messaging';
import type { ServiceHarness } from '../../../../../test/support/service-harness';
import { PLAID_BANK_TRANSFERS_FEED } from '../bank-transfer-events';

export interface SubmittedPull {
  pullId: string;
  userId: string;
  streamId: string;
  transferId: string;
}

/** What the provider sends: BANK_TRANSFERS_EVENTS_UPDATE carries no data. */
export function eventsUpdateWebhook(): ReceivedWebhook {
  return {
    key: 'plaid:bank_transfers',
    body: Buffer.from(JSON.stringify({ webhook_type: 'BANK_TRANSFERS', webhook_code: 'BANK_TRANSFERS_EVENTS_UPDATE', environment: 'sandbox' })),
    headers: { correlation_id: `test-${randomUUID()}` },
    receivedAt: new Date(),
  };
}

export class AchPullFixture {
  readonly commands: CommandProcessor;
  readonly adapter: PlaidBankTransferAdapter;
  readonly pool: Pool;
  readonly plaid: PlaidApi;
  private readonly cipher: FieldCipher;

  constructor(private readonly service: ServiceHarness) {
    this.commands = service.app.get(CommandProcessor);
    this.adapter = service.app.get<PlaidBankTransferAdapter>(PLAID_BANK_TRANSFERS);
    this.pool = service.app.get<Pool>(PG_POOL);
    this.cipher = service.app.get<FieldCipher>(FIELD_CIPHER);
    this.plaid = createPlaidApi({ basePath: service.sandboxUrl, ...SANDBOX_PLAID_CREDENTIALS });
  }

  /** profile -> ops KYC approval -> PUT link -> the sandbox Link flow completes -> the link is ACTIVE. */
  async linkedUser(userId: string): Promise<void> {
    const { service } = this;
    const created = await service.request('POST', '/user/linked-bank-account/profile', {
      userId,
      body: { type: 'individual', first_name: 'Alex', last_name: 'Grey', email: 'alex@example.com' },
    });
    if (created.status !== 201) throw new Error(`profile: ${created.status} ${JSON.stringify(created.body)}`);
    const approved = await service.request('PUT', `/ops/users/${userId}/kyc`, { key: service.opsKey, body: { kyc_status: 'approved' } });
    if (approved.status !== 200) throw new Error(`kyc: ${approved.status} ${JSON.stringify(approved.body)}`);
    const link = await service.request<{ link_url: string }>('PUT', '/user/linked-bank-account/link', { userId });
    if (link.status !== 200) throw new Error(`link: ${link.status} ${JSON.stringify(link.body)}`);
    const token = new URL(link.body.link_url).searchParams.get('token');
    const completed = await fetch(`${service.sandboxUrl}/sandbox/link/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ link_token: token, outcome: 'success' }),
    });
    if (completed.status !== 200) throw new Error(`link complete: ${completed.status}`);
    await service.eventually(async () => (await this.commands.load(bankLinkStreamId(userId), bankLinkDecider)).state.status === 'ACTIVE');
  }

  /** AchPullRequested through the domain command path (there is no pull endpoint in this test). */
  async requestPull(userId: string, amount = '25.00'): Promise<string> {
    const pullId = randomUUID();
    const customer = customerFacts((await this.commands.load(customerStreamId(userId), customerDecider)).state);
    const link = achPullLinkFacts((await this.commands.load(bankLinkStreamId(userId), bankLinkDecider)).state);
    await this.commands.execute(
      achPullStreamId(pullId),
      achPullDecider,
      {
        type: 'RequestAchPull',
        data: { pull_id: pullId, user_id: userId, amount: parseAchPullMoney(amount, 'USD'), via: 'LINKED_BANK_ACCOUNT', customer, link },
        now: this.commands.now(),
      },
      { correlationId: `test-${pullId}`, actor: 'system:test' },
    );
    return pullId;
  }

  /**
   * The provider transfer for a pull, created exactly as the submitting process manager creates it (idempotency key =
   * pull id, same details): when the worker's process manager is running too, the provider answers both with the same
   * transfer, so the race between them is harmless.
   */
  async createTransfer(userId: string, pullId: string, amountMinor = 2500n): Promise<string> {
    const state = (await this.commands.load(bankLinkStreamId(userId), bankLinkDecider)).state;
    if (state.status !== 'ACTIVE' || !state.account) throw new Error('the user has no active link');
    const customer = (await this.commands.load(customerStreamId(userId), customerDecider)).state;
    if (customer.status !== 'registered') throw new Error('the user has no profile');
    const transfer = await this.adapter.createTransfer({
      idempotencyKey: pullId,
      accessToken: this.cipher.decrypt(state.account.access_token_encrypted, `plaid-access-token:${userId}`),
      accountId: state.account.account_id,
      type: 'debit',
      network: 'ach',
      amountMinor,
      currency: 'USD',
      description: 'ACH PULL',
      achClass: 'web',
      legalName: `${customer.profile.first_name} ${customer.profile.last_name}`.trim(),
      customTag: pullId,
      metadata: { pull_id: pullId },
    });
    return transfer.id;
  }

  /** Records the transfer -> pull mapping, then AchPullSubmitted (what the process manager does after the provider answered). */
  async recordSubmission(pullId: string, transferId: string): Promise<void> {
    await recordProviderTransfer(this.pool, 'plaid', transferId, { kind: 'ach-pull', aggregateId: pullId, streamId: achPullStreamId(pullId) });
    await this.commands.execute(
      achPullStreamId(pullId),
      achPullDecider,
      { type: 'RecordProviderSubmission', data: { provider_transfer_id: transferId }, now: this.commands.now() },
      { correlationId: `test-${pullId}`, actor: 'system:test', eventIdSeed: `test:submission:${pullId}` },
    );
  }

  async submittedPull(userId: string): Promise<SubmittedPull> {
    const pullId = await this.requestPull(userId);
    const transferId = await this.createTransfer(userId, pullId);
    await this.recordSubmission(pullId, transferId);
    return { pullId, userId, streamId: achPullStreamId(pullId), transferId };
  }

  async simulate(transferId: string, eventType: 'posted' | 'failed' | 'reversed', achReturnCode?: string): Promise<void> {
    const request: SandboxBankTransferSimulateRequest = { bank_transfer_id: transferId, event_type: eventType };
    if (achReturnCode) request.failure_reason = { ach_return_code: achReturnCode, description: `simulated ${achReturnCode}` };
    await this.plaid.sandboxBankTransferSimulate(request);
  }

  async state(pullId: string): Promise<AchPullState> {
    return (await this.commands.load(achPullStreamId(pullId), achPullDecider)).state;
  }

  async eventTypes(pullId: string): Promise<string[]> {
    return (await this.commands.store.readStream(achPullStreamId(pullId))).map((e) => e.type);
  }

  /** The stored after_id of the bank transfer feed (undefined before the first sync). */
  async cursor(): Promise<number | undefined> {
    const { rows } = await this.pool.query<{ after_id: string }>('SELECT after_id FROM provider_event_cursors WHERE feed = $1', [PLAID_BANK_TRANSFERS_FEED]);
    return rows[0] ? Number(rows[0].after_id) : undefined;
  }

  /** The newest provider event id of the feed. */
  async latestProviderEventId(): Promise<number> {
    let afterId = 0;
    for (;;) {
      const page = await this.adapter.syncEvents({ afterId, count: 25 });
      afterId = page.nextAfterId;
      if (!page.mayHaveMore) return afterId;
    }
  }

  /** Events in the whole store (every stream). */
  /**
   * Events on ACH pull streams (what the translator appends). Not all events: the worker's process managers react
   * to pull events on their own schedule (e.g. crediting accounts), which would make counts race.
   */
  async countAchPullEvents(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>("SELECT count(*) AS n FROM events WHERE stream_id LIKE 'ach-pull-%'");
    return Number(rows[0].n);
  }
}
