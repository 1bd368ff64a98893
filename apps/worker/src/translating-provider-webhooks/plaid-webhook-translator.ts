import { Inject, Injectable, Logger } from '@nestjs/common';
import { Pool } from 'pg';
import { assertNever, bankLinkDecider, bankLinkStreamId, LinkError } from '@payments/domain';
import { CommandProcessor, continueTrace } from '@payments/event-store';
import { findLinkSession, PG_POOL, runMigrations } from '@payments/read-models';
import { FieldCipher, Fingerprinter } from '@payments/security';
import { NonRetryableError, ReceivedWebhook } from '@payments/messaging';
import { LinkSessionFinishedWebhook, parsePlaidWebhook, PlaidWebhook } from '@payments/providers/plaid';
import { FIELD_CIPHER, FINGERPRINTER, PLAID_LINK } from '@payments/providers/nest/provider-tokens';
import { BankTransferEventsSync } from './bank-transfer-events';
import { PayoutRailsEventsSync } from './payout-rails-events';

/** What the translator needs from the provider (the Plaid adapter in libs/providers implements it). */
export interface LinkCompletionProvider {
  exchangePublicToken(publicToken: string): Promise<{ accessToken: string; itemId: string }>;
  getLinkedAccount(accessToken: string): Promise<{
    accountId: string;
    mask: string;
    name: string;
    subtype: string;
    institutionId: string;
    institutionName: string;
  }>;
}


/** Retryable: the webhook is valid but cannot be applied yet (e.g. the projection has not seen the link request). */
export class NotYetApplicableError extends Error {
  override readonly name = 'NotYetApplicableError';
}

const MIGRATIONS = [
  {
    id: '001-plaid-token-exchanges',
    // A public token can be exchanged only once; the result is kept (encrypted) so a retried webhook reuses it.
    sql: `CREATE TABLE IF NOT EXISTS plaid_token_exchanges (
            public_token_fingerprint text PRIMARY KEY,
            item_id text NOT NULL,
            access_token_encrypted text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now())`,
  },
];

/**
 * Turns verified provider webhooks into domain commands. LINK/SESSION_FINISHED: SUCCESS exchanges the public
 * token, reads the chosen account (mask, bank name) and completes the link; anything else fails it with the
 * provider's error as `lastError`. Event ids derive from the link token, so redeliveries change nothing.
 * BANK_TRANSFERS_EVENTS_UPDATE: syncs the bank transfer event feed into ACH pull outcomes (BankTransferEventsSync).
 * PAYMENT_RAILS/PAYOUT_EVENTS_UPDATE: syncs the payment rails event feed into payout outcomes (PayoutRailsEventsSync).
 */
@Injectable()
export class PlaidWebhookTranslator {
  private readonly logger = new Logger(PlaidWebhookTranslator.name);
  private migrated?: Promise<void>;

  constructor(
    private readonly commands: CommandProcessor,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PLAID_LINK) private readonly provider: LinkCompletionProvider,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Inject(FINGERPRINTER) private readonly fingerprinter: Fingerprinter,
    private readonly bankTransferEvents: BankTransferEventsSync,
    private readonly payoutRailsEvents: PayoutRailsEventsSync,
  ) {}

  private migrate(): Promise<void> {
    this.migrated ??= runMigrations(this.pool, 'plaid-translator', MIGRATIONS).catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  /** Continues the receiver's trace (the `traceparent` header), or starts one: the events appended carry it. */
  handle(received: ReceivedWebhook): Promise<void> {
    return continueTrace(received.headers, () => this.translate(received));
  }

  private async translate(received: ReceivedWebhook): Promise<void> {
    await this.migrate();
    let webhook: PlaidWebhook;
    try {
      webhook = parsePlaidWebhook(received.body);
    } catch (error) {
      // Verified but malformed: retrying cannot help; straight to the DLQ for a person to look at.
      throw new NonRetryableError(`unparseable provider webhook: ${(error as Error).message}`);
    }
    const correlationId = received.headers['correlation_id'] ?? 'provider-webhook';
    switch (webhook.kind) {
      case 'LINK.SESSION_FINISHED':
        await this.linkSessionFinished(webhook, correlationId);
        return;
      case 'BANK_TRANSFERS.BANK_TRANSFERS_EVENTS_UPDATE':
        // Carries no data: read the provider's event feed from our stored cursor (unless a later run already did).
        await this.bankTransferEvents.sync(correlationId, { arrivedAt: received.arrivedAt });
        return;
      case 'PAYMENT_RAILS.PAYOUT_EVENTS_UPDATE':
        // Carries no data either: read the payment rails event feed from its own cursor.
        await this.payoutRailsEvents.sync(correlationId);
        return;
      case 'OTHER':
        this.logger.log(`no translation for provider webhook ${webhook.webhookType}/${webhook.webhookCode} yet`);
        return;
      default:
        assertNever(webhook, 'provider webhook');
    }
  }

  private async linkSessionFinished(webhook: LinkSessionFinishedWebhook, correlationId: string): Promise<void> {
    const session = await findLinkSession(this.pool, webhook.linkToken);
    if (!session) throw new NotYetApplicableError(`no link request known for this link token yet`);
    const streamId = bankLinkStreamId(session.user_id);
    const context = {
      correlationId,
      causationId: webhook.linkSessionId,
      actor: 'provider:plaid',
      eventIdSeed: `plaid:link-session-finished:${webhook.linkToken}`,
    };

    const current = await this.commands.load(streamId, bankLinkDecider);
    if (current.state.status !== 'PENDING' || current.state.linkToken !== webhook.linkToken) {
      this.logger.log(`link webhook for a link that is no longer pending (status ${current.state.status}); nothing to do`);
      return;
    }

    const publicToken = webhook.publicTokens[0];
    if (webhook.status === 'SUCCESS' && publicToken) {
      const { accessToken, itemId } = await this.exchangeOnce(publicToken);
      const account = await this.provider.getLinkedAccount(accessToken);
      await this.commands.execute(
        streamId,
        bankLinkDecider,
        {
          type: 'CompleteLink',
          data: {
            link_token: webhook.linkToken,
            item_id: itemId,
            account_id: account.accountId,
            mask: account.mask,
            account_name: account.name,
            account_subtype: account.subtype,
            institution_id: account.institutionId,
            bank_name: account.institutionName,
            access_token_encrypted: this.cipher.encrypt(accessToken, `plaid-access-token:${session.user_id}`),
          },
          now: this.commands.now(),
        },
        context,
      );
      return;
    }

    const lastError: LinkError = {
      error_code: webhook.error?.error_code ?? (webhook.status === 'SUCCESS' ? 'NO_PUBLIC_TOKEN' : 'USER_EXITED'),
      error_message: webhook.error?.error_message ?? webhook.error?.display_message ?? 'the user did not complete the bank linking flow',
    };
    await this.commands.execute(
      streamId,
      bankLinkDecider,
      { type: 'FailLink', data: { link_token: webhook.linkToken, last_error: lastError }, now: this.commands.now() },
      context,
    );
  }

  private async exchangeOnce(publicToken: string): Promise<{ accessToken: string; itemId: string }> {
    const fingerprint = this.fingerprinter.fingerprint('plaid-public-token', publicToken);
    const found = await this.pool.query<{ item_id: string; access_token_encrypted: string }>(
      'SELECT item_id, access_token_encrypted FROM plaid_token_exchanges WHERE public_token_fingerprint = $1',
      [fingerprint],
    );
    if (found.rows[0]) {
      return { itemId: found.rows[0].item_id, accessToken: this.cipher.decrypt(found.rows[0].access_token_encrypted, 'plaid-token-exchange') };
    }
    const exchanged = await this.provider.exchangePublicToken(publicToken);
    await this.pool.query(
      `INSERT INTO plaid_token_exchanges (public_token_fingerprint, item_id, access_token_encrypted) VALUES ($1, $2, $3)
       ON CONFLICT (public_token_fingerprint) DO NOTHING`,
      [fingerprint, exchanged.itemId, this.cipher.encrypt(exchanged.accessToken, 'plaid-token-exchange')],
    );
    return exchanged;
  }
}
