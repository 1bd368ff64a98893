import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import {
  DomainError,
  openRecipientAccount,
  PayoutCommand,
  payoutDecider,
  PayoutRequestedData,
  RecipientAccount,
  recipientDecider,
  recipientStreamId,
} from '@payments/domain';
import { CommandContext, CommandProcessor, EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { PG_POOL, migrateProviderTransfers, recordProviderTransfer, runMigrations } from '@payments/read-models';
import { FieldCipher } from '@payments/security';
import { PaymentRailsPayouts, PlaidBankTransferAdapter, ProviderError, RailsPayoutBeneficiary } from '@payments/providers';
import { FIELD_CIPHER, PAYMENT_RAILS, PLAID_BANK_TRANSFERS } from '@payments/providers/nest/provider-tokens';
import { CheckpointedProcessManager } from '../submitting-ach-pulls/process-manager-checkpoints';

/** What ACH payouts need from the provider (PlaidBankTransferAdapter). */
export type AchPayoutProvider = Pick<PlaidBankTransferAdapter, 'migrateAccount' | 'createTransfer'>;

export interface PayoutSubmissionOptions {
  /** Wait before resubscribing from the checkpoint after a failed event (default 1000 ms). */
  retryDelayMs?: number;
}
export const PAYOUT_SUBMISSION_OPTIONS = Symbol('PAYOUT_SUBMISSION_OPTIONS');

/** Its row in process_manager_checkpoints. */
export const PAYOUT_SUBMISSION_CHECKPOINT = 'submitting-payouts';
/** `provider` of provider_transfers rows and PayoutSubmitted events. */
export const PLAID_PROVIDER = 'plaid';
export const PAYMENT_RAILS_PROVIDER = 'payment_rails';
const ACTOR = 'system:submitting-payouts';
/** At most 10 characters: it appears on the recipient's bank statement. */
const STATEMENT_DESCRIPTION = 'PAYOUT';
type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;

const MIGRATIONS = [
  {
    // The provider account a USD payout credits (from /bank_transfer/migrate_account), kept per payout so a retry after
    // a crash sends the very same create request (the provider's idempotency check compares the whole request).
    id: '001-payout-ach-destinations',
    sql: `CREATE TABLE IF NOT EXISTS payout_ach_destinations (
            payout_id uuid PRIMARY KEY,
            access_token_encrypted text NOT NULL,
            account_id text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now())`,
  },
];

/**
 * The process manager between a payout and its rail (ARCHITECTURE §5). On PayoutRequested it decrypts the recipient's
 * account (only here), creates the provider payout with the payout id as idempotency key, records provider payout ->
 * payout for the event translators, then appends PayoutSubmitted:
 * - USD/ACH: Plaid bank transfer `credit` to the recipient's account, made addressable through
 *   /bank_transfer/migrate_account (routing + account number -> access token + account id, kept per payout);
 * - EUR/SEPA, GBP/FPS, NGN/local: the provider's payment rails (/payment_rails/payout/create).
 * A request the provider refuses for good fails the payout (PayoutFailed, which releases the hold); a retryable failure
 * throws, and the event is retried from the checkpoint. Every step is idempotent (provider idempotency key, ON CONFLICT
 * DO NOTHING, seeded event ids), so a crash between steps repeats nothing.
 */
@Injectable()
export class PayoutSubmissionProcessManager extends CheckpointedProcessManager {
  constructor(
    private readonly commands: CommandProcessor,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PLAID_BANK_TRANSFERS) private readonly bankTransfers: AchPayoutProvider,
    @Inject(PAYMENT_RAILS) private readonly rails: Pick<PaymentRailsPayouts, 'createPayout'>,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Optional() @Inject(PAYOUT_SUBMISSION_OPTIONS) options?: PayoutSubmissionOptions,
  ) {
    super(new Logger('SubmittingPayouts'), {
      name: PAYOUT_SUBMISSION_CHECKPOINT,
      store,
      pool,
      filter: { streamPrefixes: ['payout-'], eventTypes: ['PayoutRequested'] },
      retryDelayMs: options?.retryDelayMs ?? 1000,
      migrate: async () => {
        await migrateProviderTransfers(pool);
        await runMigrations(pool, 'submitting-payouts', MIGRATIONS);
      },
    });
  }

  /** Idempotent; throws when the event should be retried. A DomainError can never succeed on retry: logged, passed. */
  async handle(event: RecordedEvent): Promise<void> {
    if (event.type !== 'PayoutRequested') return;
    try {
      await this.submit(event);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.error(`${event.type} ${event.id} on ${event.streamId} cannot be applied (${error.reason}): ${error.description}`);
    }
  }

  private async submit(event: RecordedEvent): Promise<void> {
    const { state } = await this.commands.load(event.streamId, payoutDecider);
    if (state.status !== 'PENDING') return;
    const payout = state.request;
    const recipient = (await this.commands.load(recipientStreamId(payout.recipient_id), recipientDecider)).state;
    if (recipient.status === 'NONE') {
      await this.execute(event, { type: 'MarkFailed', data: { reason: { code: 'RECIPIENT_NOT_FOUND', description: 'the recipient was not found' } } }, payout);
      return;
    }
    // A recipient removed after the request is still paid: the request was valid when the funds were held.
    const account = openRecipientAccount(recipient.account, recipient.recipientId, this.cipher);

    let submission: { provider: string; provider_payout_id: string };
    try {
      submission = await this.createAtProvider(payout, recipient.accountName, account);
    } catch (error) {
      if (!(error instanceof ProviderError) || error.retryable) throw error;
      this.logger.warn(`provider refused payout ${payout.payout_id}: ${error.code}`);
      await this.execute(event, { type: 'MarkFailed', data: { reason: { code: error.code, description: error.displayMessage ?? error.message } } }, payout);
      return;
    }
    // Routing first: a provider event for this payout may reach a translator before our own append.
    await recordProviderTransfer(this.pool, submission.provider, submission.provider_payout_id, {
      kind: 'payout',
      aggregateId: payout.payout_id,
      streamId: event.streamId,
    });
    await this.execute(event, { type: 'RecordProviderSubmission', data: submission }, payout);
  }

  private async createAtProvider(payout: PayoutRequestedData, name: string, account: RecipientAccount): Promise<{ provider: string; provider_payout_id: string }> {
    const amountMinor = BigInt(payout.amount_minor);
    const metadata = { payout_id: payout.payout_id, ...(payout.reference !== undefined ? { reference: payout.reference } : {}) };
    if (account.currency === 'USD') {
      const destination = await this.achDestination(payout.payout_id, account);
      const transfer = await this.bankTransfers.createTransfer({
        idempotencyKey: payout.payout_id,
        accessToken: destination.accessToken,
        accountId: destination.accountId,
        type: 'credit',
        network: 'ach',
        amountMinor,
        currency: 'USD',
        description: STATEMENT_DESCRIPTION,
        achClass: 'ppd',
        legalName: name,
        customTag: payout.payout_id,
        metadata,
      });
      return { provider: PLAID_PROVIDER, provider_payout_id: transfer.id };
    }
    const created = await this.rails.createPayout({
      idempotencyKey: payout.payout_id,
      amountMinor,
      currency: account.currency,
      beneficiary: beneficiary(name, account),
      ...(payout.reference !== undefined ? { reference: payout.reference } : {}),
      metadata: { payout_id: payout.payout_id },
    });
    return { provider: PAYMENT_RAILS_PROVIDER, provider_payout_id: created.id };
  }

  /** The provider account of the recipient for this payout: migrated once, then read back (encrypted at rest). */
  private async achDestination(payoutId: string, account: Extract<RecipientAccount, { currency: 'USD' }>): Promise<{ accessToken: string; accountId: string }> {
    const context = `payout-ach-destination:${payoutId}`;
    const read = async () => {
      const { rows } = await this.pool.query<{ access_token_encrypted: string; account_id: string }>(
        'SELECT access_token_encrypted, account_id FROM payout_ach_destinations WHERE payout_id = $1',
        [payoutId],
      );
      return rows[0] ? { accessToken: this.cipher.decrypt(rows[0].access_token_encrypted, context), accountId: rows[0].account_id } : undefined;
    };
    const known = await read();
    if (known) return known;
    const migrated = await this.bankTransfers.migrateAccount({
      accountNumber: account.account_number,
      routingNumber: account.routing_number,
      accountType: account.account_type === 'Savings' ? 'savings' : 'checking',
    });
    await this.pool.query(
      'INSERT INTO payout_ach_destinations (payout_id, access_token_encrypted, account_id) VALUES ($1, $2, $3) ON CONFLICT (payout_id) DO NOTHING',
      [payoutId, this.cipher.encrypt(migrated.accessToken, context), migrated.accountId],
    );
    // Another instance may have won the insert: use whatever is stored.
    return (await read()) ?? migrated;
  }

  private async execute(cause: RecordedEvent, command: WithoutNow<PayoutCommand>, payout: PayoutRequestedData): Promise<void> {
    const context: CommandContext = {
      correlationId: cause.metadata.correlation_id,
      causationId: cause.id,
      actor: ACTOR,
      eventIdSeed: `pm:payout-${command.type}:${payout.payout_id}`,
    };
    await this.commands.execute(cause.streamId, payoutDecider, { ...command, now: this.commands.now() } as PayoutCommand, context);
  }
}

function beneficiary(name: string, account: Exclude<RecipientAccount, { currency: 'USD' }>): RailsPayoutBeneficiary {
  switch (account.currency) {
    case 'EUR':
      return { rail: 'SEPA', name, iban: account.iban, ...(account.bic !== undefined ? { bic: account.bic } : {}) };
    case 'GBP':
      return { rail: 'FPS', name, sortCode: account.sort_code, accountNumber: account.account_number };
    case 'NGN':
      return { rail: 'NGN_LOCAL', name, bankCode: account.bank_code, accountNumber: account.account_number };
    default: {
      const unknown: never = account;
      throw new RangeError(`no rail for ${JSON.stringify((unknown as { currency?: unknown }).currency)}`);
    }
  }
}
