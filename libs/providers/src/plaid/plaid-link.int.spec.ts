/**
 * The whole bank-link flow through the Plaid SDK adapter against the provider-sandbox, over real HTTP:
 * link token -> hosted page -> /sandbox/link/complete -> signed SESSION_FINISHED webhook to a local receiver
 * -> verified with real keys fetched through /webhook_verification_key/get -> public token exchange ->
 * account with mask and bank name.
 */
import { createServer, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { systemClock } from '@payments/domain';
import { createProviderSandboxApp, WebhookKeyRing } from '../../../../apps/provider-sandbox/src';
import { ProviderError } from '../provider-error';
import { createPlaidApi } from './plaid-client';
import { PlaidLinkAdapter } from './plaid-link.adapter';
import { PlaidWebhookVerifier } from './plaid-webhook-verifier';
import { parsePlaidWebhook, plaidWebhookKafkaKey } from './plaid-webhook.parser';
import { WebhookVerificationError } from './webhook-verification.error';

const CLIENT_ID = 'int-client-id';
const SECRET = 'int-secret-do-not-log';

/** /sandbox/link/complete answers this, or a Plaid error body. */
interface CompleteResponse {
  request_id: string;
  public_token?: string;
  webhook?: { delivered: boolean; status_code: number | null } | null;
  error_type?: string;
  error_code?: string;
  error_message?: string;
}

interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  raw: Buffer;
}

/** A tiny webhook receiver: records raw bodies, answers with queued statuses (default 200). */
class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  readonly statuses: number[] = [];
  private waiters: Array<() => void> = [];
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        this.received.push({ headers: req.headers, raw: Buffer.concat(chunks) });
        res.statusCode = this.statuses.shift() ?? 200;
        res.end();
        this.waiters.splice(0).forEach((wake) => wake());
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/webhooks/plaid`;
  }

  async waitFor(count: number, timeoutMs = 5_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} webhooks, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('Plaid link flow against provider-sandbox', () => {
  let sandbox: NestFastifyApplication;
  let baseUrl: string;
  let receiver: WebhookReceiver;
  let adapter: PlaidLinkAdapter;
  let verifier: PlaidWebhookVerifier;

  const complete = async (body: Record<string, unknown>) => {
    const response = await fetch(`${baseUrl}/sandbox/link/complete`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as CompleteResponse };
  };

  const newLink = (userId: string) => adapter.createLinkToken({ userId, webhookUrl: receiver.url, clientName: 'Payments Test' });

  beforeAll(async () => {
    receiver = new WebhookReceiver();
    await receiver.start();
    sandbox = await createProviderSandboxApp({ clientId: CLIENT_ID, secret: SECRET, webhookRetry: { maxAttempts: 3, baseDelayMs: 100 } });
    await sandbox.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = (await sandbox.getUrl()).replace('[::1]', '127.0.0.1');
    const plaid = createPlaidApi({ basePath: baseUrl, clientId: CLIENT_ID, secret: SECRET });
    adapter = new PlaidLinkAdapter(plaid);
    verifier = PlaidWebhookVerifier.forPlaidApi(plaid, { clock: systemClock });
  });

  afterAll(async () => {
    await sandbox?.close();
    await receiver?.stop();
  });

  beforeEach(() => {
    receiver.received.length = 0;
    receiver.statuses.length = 0;
  });

  it('links a bank: token -> hosted page -> completion -> verified webhook -> exchange -> account with mask and bank name', async () => {
    const link = await newLink('user-1');
    expect(link.linkToken).toMatch(/^link-sandbox-[0-9a-f-]{36}$/);
    expect(link.linkUrl).toBe(`${baseUrl}/link?token=${link.linkToken}`);
    expect(new Date(link.expiration).getTime()).toBeGreaterThan(Date.now());

    const page = await fetch(link.linkUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('First Gingham Credit Union');
    expect(html).toContain('/sandbox/link/complete');

    const completed = await complete({ link_token: link.linkToken, outcome: 'success', institution_id: 'ins_109509' });
    expect(completed.status).toBe(200);
    expect(completed.body.public_token).toMatch(/^public-sandbox-/);
    expect(completed.body.webhook).toEqual({ delivered: true, status_code: 200 });

    const [webhook] = await receiver.waitFor(1);
    await expect(verifier.verify(webhook!.raw, webhook!.headers['plaid-verification'] as string)).resolves.toBeUndefined();
    const tampered = Buffer.from(webhook!.raw.toString().replace('SUCCESS', 'EXITED'));
    await expect(verifier.verify(tampered, webhook!.headers['plaid-verification'] as string)).rejects.toMatchObject({ reason: 'body_hash_mismatch' });

    const parsed = parsePlaidWebhook(webhook!.raw);
    expect(parsed).toMatchObject({ kind: 'LINK.SESSION_FINISHED', status: 'SUCCESS', linkToken: link.linkToken, publicTokens: [completed.body.public_token], error: null, environment: 'sandbox' });
    expect(plaidWebhookKafkaKey(parsed)).toBe(link.linkToken);

    const exchanged = await adapter.exchangePublicToken(completed.body.public_token!);
    expect(exchanged.accessToken).toMatch(/^access-sandbox-/);
    const account = await adapter.getLinkedAccount(exchanged.accessToken);
    expect(account).toMatchObject({ itemId: exchanged.itemId, mask: '1111', subtype: 'checking', institutionId: 'ins_109509', institutionName: 'First Gingham Credit Union' });

    // A public token is single use.
    await expect(adapter.exchangePublicToken(completed.body.public_token!)).rejects.toMatchObject({ code: 'INVALID_PUBLIC_TOKEN', httpStatus: 400 });
  });

  it('reports a failed session as EXITED with the error, and creates no public token', async () => {
    const link = await newLink('user-2');
    const completed = await complete({ link_token: link.linkToken, outcome: 'failure', error_code: 'ITEM_LOCKED' });
    expect(completed.status).toBe(200);
    expect(completed.body.public_token).toBeUndefined();
    expect(completed.body.webhook?.delivered).toBe(true);

    const [webhook] = await receiver.waitFor(1);
    await verifier.verify(webhook!.raw, webhook!.headers['plaid-verification'] as string);
    expect(parsePlaidWebhook(webhook!.raw)).toMatchObject({
      status: 'EXITED',
      linkToken: link.linkToken,
      publicTokens: [],
      error: { error_type: 'ITEM_ERROR', error_code: 'ITEM_LOCKED' },
    });
  });

  it('refuses to complete a link token twice, even concurrently, and sends one webhook', async () => {
    const link = await newLink('user-3');
    const results = await Promise.all([
      complete({ link_token: link.linkToken, outcome: 'success' }),
      complete({ link_token: link.linkToken, outcome: 'failure' }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
    const again = await complete({ link_token: link.linkToken, outcome: 'success' });
    expect(again.status).toBe(400);
    expect(again.body).toMatchObject({ error_type: 'INVALID_INPUT', error_code: 'INVALID_LINK_TOKEN', error_message: expect.stringContaining('already been used') });
    expect(typeof again.body.request_id).toBe('string');
    await receiver.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(receiver.received).toHaveLength(1);

    const unknown = await complete({ link_token: 'link-sandbox-00000000-0000-0000-0000-000000000000', outcome: 'success' });
    expect(unknown.body).toMatchObject({ error_code: 'INVALID_LINK_TOKEN', error_message: 'link token not found' });
  });

  it('retries a failed delivery in the background with a fresh, verifiable signature', async () => {
    receiver.statuses.push(503);
    const link = await newLink('user-4');
    const completed = await complete({ link_token: link.linkToken, outcome: 'success' });
    expect(completed.body.webhook).toEqual({ delivered: false, status_code: 503 });
    const [first, retry] = await receiver.waitFor(2);
    expect(retry!.raw.equals(first!.raw)).toBe(true);
    await verifier.verify(retry!.raw, retry!.headers['plaid-verification'] as string);
  });

  it('keeps verifying across a key rotation and refuses the old key once it is expired', async () => {
    const keys = sandbox.get(WebhookKeyRing);
    const oldKid = keys.currentKid;
    const signedWithOld = (await newLink('user-5')).linkToken;
    await complete({ link_token: signedWithOld, outcome: 'success' });
    const [oldWebhook] = await receiver.waitFor(1);

    const newKid = await keys.rotate();
    expect(newKid).not.toBe(oldKid);
    await complete({ link_token: (await newLink('user-6')).linkToken, outcome: 'success' });
    const [, newWebhook] = await receiver.waitFor(2);
    await verifier.verify(newWebhook!.raw, newWebhook!.headers['plaid-verification'] as string);
    await verifier.verify(oldWebhook!.raw, oldWebhook!.headers['plaid-verification'] as string);

    keys.expire(oldKid);
    const freshVerifier = PlaidWebhookVerifier.forPlaidApi(createPlaidApi({ basePath: baseUrl, clientId: CLIENT_ID, secret: SECRET }), { clock: systemClock });
    await expect(freshVerifier.verify(oldWebhook!.raw, oldWebhook!.headers['plaid-verification'] as string)).rejects.toMatchObject({ reason: 'expired_key' });
  });

  it('turns wrong credentials into a ProviderError without leaking the secret', async () => {
    const wrong = new PlaidLinkAdapter(createPlaidApi({ basePath: baseUrl, clientId: CLIENT_ID, secret: 'wrong-secret-value' }));
    const error = await wrong.createLinkToken({ userId: 'u', webhookUrl: receiver.url, clientName: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'INVALID_API_KEYS', type: 'INVALID_INPUT', httpStatus: 400, retryable: false });
    expect(JSON.stringify(error)).not.toContain('wrong-secret-value');
    expect(String((error as Error).stack)).not.toContain('wrong-secret-value');
  });

  it('rejects a webhook whose kid the sandbox never issued', async () => {
    const link = await newLink('user-7');
    await complete({ link_token: link.linkToken, outcome: 'success' });
    const [webhook] = await receiver.waitFor(1);
    const [h, p, s] = (webhook!.headers['plaid-verification'] as string).split('.');
    const header = JSON.parse(Buffer.from(h!, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${Buffer.from(JSON.stringify({ ...header, kid: 'no-such-kid' })).toString('base64url')}.${p}.${s}`;
    const error = await verifier.verify(webhook!.raw, forged).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WebhookVerificationError);
    expect((error as WebhookVerificationError).reason).toBe('unknown_kid');
  });
});
