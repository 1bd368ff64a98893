/**
 * Drives ACH pulls end to end in e2e tests, the way a user and the provider would: a linked, KYC-approved user
 * (profile -> KYC approval -> PUT link -> provider-sandbox link completion), pulls over HTTP, and provider outcomes
 * through the sandbox's /sandbox/bank_transfer/simulate (which fires signed webhooks at the service).
 */
import { Client } from 'pg';
import { SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';
import { BankTransfersService } from '../../apps/provider-sandbox/src';
import { ServiceHarness } from './service-harness';

export interface AchPullDriver {
  /** POST to a provider-sandbox Plaid endpoint with the client's credentials; expects 200. */
  sandboxCall(path: string, body: Record<string, unknown>): Promise<Record<string, unknown>>;
  /** Profile, KYC approval and an ACTIVE bank link for the user. */
  linkBankAccount(userId: string, name?: { first_name: string; last_name: string }): Promise<void>;
  /** POST /user/linked-bank-account/pull, then wait until it is submitted to the provider and reported pending. */
  pendingPull(userId: string, amount: number | string): Promise<{ uuid: string; transferId: string }>;
  /** The provider moves the transfer: posted, failed or reversed (with an ACH return code). */
  simulate(transferId: string, eventType: 'posted' | 'failed' | 'reversed' | string, achReturnCode?: string): Promise<Record<string, unknown>>;
  /** Event types of the pull's stream, in order. */
  eventTypes(uuid: string): Promise<string[]>;
  /** Polls GET /user/linked-bank-account/pulls/{uuid} until the pull has `status`. */
  waitForStatus<T extends { status: string } = { status: string }>(userId: string, uuid: string, status: string): Promise<T>;
}

/** Points the sandbox's webhooks at the service and returns the driver. */
export function achPullDriver(service: ServiceHarness, db: Client): AchPullDriver {
  if (!service.sandbox) throw new Error('harness did not expose the sandbox');
  service.sandbox.get(BankTransfersService).setWebhookUrl(`${service.url}/webhooks/plaid`);

  const driver: AchPullDriver = {
    async sandboxCall(path, body) {
      const response = await fetch(`${service.sandboxUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'plaid-client-id': SANDBOX_PLAID_CREDENTIALS.clientId, 'plaid-secret': SANDBOX_PLAID_CREDENTIALS.secret },
        body: JSON.stringify(body),
      });
      expect(response.status).toBe(200);
      return response.json() as Promise<Record<string, unknown>>;
    },
    async linkBankAccount(userId, name = { first_name: 'Lee', last_name: 'Cycle' }) {
      await service.request('POST', '/user/linked-bank-account/profile', { userId, body: { type: 'individual', ...name } });
      await service.request('PUT', `/ops/users/${userId}/kyc`, { key: service.opsKey, body: { kyc_status: 'approved' } });
      const link = await service.request<{ link_url: string }>('PUT', '/user/linked-bank-account/link', { userId });
      const token = new URL(link.body.link_url).searchParams.get('token');
      await fetch(`${service.sandboxUrl}/sandbox/link/complete`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ link_token: token, outcome: 'success' }),
      });
      await service.eventually(async () => (await service.request<{ status: string }>('GET', '/user/linked-bank-account', { userId })).body.status === 'ACTIVE');
    },
    async pendingPull(userId, amount) {
      const created = await service.request<{ uuid: string; status: string }>('POST', '/user/linked-bank-account/pull', { userId, body: { amount } });
      expect(created.status).toBe(201);
      expect(created.body.status).toBe('PENDING');
      const transferId = await service.eventually(async () => {
        const { rows } = await db.query<{ provider_transfer_id: string | null }>('SELECT provider_transfer_id FROM ach_pulls WHERE pull_id = $1', [created.body.uuid]);
        return rows[0]?.provider_transfer_id ?? undefined;
      });
      await service.eventually(async () => (await driver.eventTypes(created.body.uuid)).includes('AchPullPending'));
      return { uuid: created.body.uuid, transferId };
    },
    simulate(transferId, eventType, achReturnCode) {
      return driver.sandboxCall('/sandbox/bank_transfer/simulate', {
        bank_transfer_id: transferId,
        event_type: eventType,
        ...(achReturnCode ? { failure_reason: { ach_return_code: achReturnCode, description: `simulated ${achReturnCode}` } } : {}),
      });
    },
    async eventTypes(uuid) {
      const { rows } = await db.query<{ type: string }>('SELECT type FROM events WHERE stream_id = $1 ORDER BY stream_revision', [`ach-pull-${uuid}`]);
      return rows.map((r) => r.type);
    },
    waitForStatus<T extends { status: string }>(userId: string, uuid: string, status: string) {
      return service.eventually(async () => {
        const pull = (await service.request<T>('GET', `/user/linked-bank-account/pulls/${uuid}`, { userId })).body;
        return pull.status === status && pull;
      }, 20_000);
    },
  };
  return driver;
}
