import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import {
  DomainError,
  openRecipientAccount,
  RecipientAccount,
  recipientDecider,
  recipientStreamId,
  remittanceBeneficiaryCipherContext,
  RemittanceCommand,
  remittanceDecider,
  RemittanceDestination,
  remittanceStreamId,
} from '@payments/domain';
import { CommandContext, CommandProcessor, EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { PG_POOL, submittedRemittances } from '@payments/read-models';
import { FieldCipher } from '@payments/security';
import { ProviderError, ProviderRemittances } from '@payments/providers';
import { FIELD_CIPHER, REMITTANCES } from '@payments/providers/nest/provider-tokens';
import { CheckpointedProcessManager } from '../submitting-ach-pulls/process-manager-checkpoints';

export interface RemittanceSubmissionOptions {
  /** Wait before resubscribing from the checkpoint after a failed event (default 1000 ms). */
  retryDelayMs?: number;
  /** How often submitted remittances are checked at the provider (default 5000 ms; 0: only when `pollOutcomes()` is called). */
  pollIntervalMs?: number;
}
export const REMITTANCE_SUBMISSION_OPTIONS = Symbol('REMITTANCE_SUBMISSION_OPTIONS');

/** Its row in process_manager_checkpoints. */
export const REMITTANCE_SUBMISSION_CHECKPOINT = 'submitting-remittances';
export const REMITTANCE_PROVIDER = 'payment_rails';
const ACTOR = 'system:submitting-remittances';
type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;

export interface RemittancePollSummary {
  checked: number;
  settled: string[];
  failed: string[];
}

/**
 * The process manager between a remittance and the provider. On RemittanceStarted it opens the destination (a saved
 * recipient's account, or the beneficiary number sealed by the API; decrypted only here), creates the provider
 * remittance with the remittance id as idempotency key and appends RemittanceSubmitted; a refusal for good appends
 * RemittanceFailed (which releases the hold). Every `pollIntervalMs` it asks the provider about the remittances the
 * read model shows SUBMITTED and records RemittanceSettled / RemittanceFailed (the sandbox's remittance endpoints send
 * no webhooks). Idempotent throughout: provider idempotency key, seeded event ids, no-op repeats in the decider.
 */
@Injectable()
export class RemittanceSubmissionProcessManager extends CheckpointedProcessManager {
  private timer?: NodeJS.Timeout;
  private polling?: Promise<RemittancePollSummary>;
  private readonly pollIntervalMs: number;

  constructor(
    private readonly commands: CommandProcessor,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(REMITTANCES) private readonly provider: ProviderRemittances,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Optional() @Inject(REMITTANCE_SUBMISSION_OPTIONS) options?: RemittanceSubmissionOptions,
  ) {
    super(new Logger('SubmittingRemittances'), {
      name: REMITTANCE_SUBMISSION_CHECKPOINT,
      store,
      pool,
      filter: { streamPrefixes: ['remittance-'], eventTypes: ['RemittanceStarted'] },
      retryDelayMs: options?.retryDelayMs ?? 1000,
      migrate: async () => undefined,
    });
    this.pollIntervalMs = options?.pollIntervalMs ?? 5000;
  }

  override async start(): Promise<void> {
    await super.start();
    if (this.pollIntervalMs > 0 && !this.timer) {
      this.timer = setInterval(() => {
        this.pollOutcomes().catch((error: unknown) => this.logger.error(`remittance outcome poll failed: ${(error as Error).message}`));
      }, this.pollIntervalMs);
      this.timer.unref();
    }
  }

  override async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling?.catch(() => undefined);
    await super.stop();
  }

  async handle(event: RecordedEvent): Promise<void> {
    if (event.type !== 'RemittanceStarted') return;
    try {
      await this.submit(event);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.error(`${event.type} ${event.id} on ${event.streamId} cannot be applied (${error.reason}): ${error.description}`);
    }
  }

  /** One pass over the SUBMITTED remittances (the timer's work; tests call it directly). Never runs twice at once. */
  pollOutcomes(): Promise<RemittancePollSummary> {
    this.polling ??= this.poll().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  private async poll(): Promise<RemittancePollSummary> {
    const summary: RemittancePollSummary = { checked: 0, settled: [], failed: [] };
    for (const row of await submittedRemittances(this.pool)) {
      summary.checked += 1;
      const remote = await this.provider.getRemittance(row.provider_remittance_id);
      if (remote.status === 'PENDING') continue;
      const command: WithoutNow<RemittanceCommand> =
        remote.status === 'SETTLED'
          ? { type: 'MarkSettled', data: {} }
          : { type: 'MarkFailed', data: { reason: { code: remote.failure?.code ?? 'PROVIDER_FAILED', description: remote.failure?.description ?? 'the provider could not deliver the remittance' } } };
      try {
        await this.execute(remittanceStreamId(row.remittance_id), `poll:${row.remittance_id}`, command, row.remittance_id);
        (remote.status === 'SETTLED' ? summary.settled : summary.failed).push(row.remittance_id);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        this.logger.error(`remittance ${row.remittance_id}: provider says ${remote.status} but it cannot be recorded (${error.reason}): ${error.description}`);
      }
    }
    return summary;
  }

  private async submit(event: RecordedEvent): Promise<void> {
    const { state } = await this.commands.load(event.streamId, remittanceDecider);
    if (state.status !== 'PENDING' || !state.destination) return;
    const quote = state.quote;
    const context = { correlationId: event.metadata.correlation_id, causationId: event.id };
    let beneficiary: { name: string; country: string; accountNumber: string };
    try {
      beneficiary = await this.openDestination(quote.remittance_id, state.destination);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await this.execute(event.streamId, context, { type: 'MarkFailed', data: { reason: { code: 'RECIPIENT_NOT_FOUND', description: error.description } } }, quote.remittance_id);
      return;
    }
    let created;
    try {
      created = await this.provider.createRemittance({
        idempotencyKey: quote.remittance_id,
        sourceCurrency: quote.source_currency,
        sourceAmountMinor: BigInt(quote.source_amount_minor),
        targetCurrency: quote.target_currency,
        targetAmountMinor: BigInt(quote.target_amount_minor),
        rate: quote.fx.rate,
        beneficiary,
        metadata: { remittance_id: quote.remittance_id },
      });
    } catch (error) {
      if (!(error instanceof ProviderError) || error.retryable) throw error;
      this.logger.warn(`provider refused remittance ${quote.remittance_id}: ${error.code}`);
      await this.execute(event.streamId, context, { type: 'MarkFailed', data: { reason: { code: error.code, description: error.displayMessage ?? error.message } } }, quote.remittance_id);
      return;
    }
    await this.execute(event.streamId, context, { type: 'RecordProviderSubmission', data: { provider: REMITTANCE_PROVIDER, provider_remittance_id: created.id } }, quote.remittance_id);
  }

  private async openDestination(remittanceId: string, destination: RemittanceDestination): Promise<{ name: string; country: string; accountNumber: string }> {
    if (destination.kind === 'beneficiary') {
      return {
        name: `${destination.first_name} ${destination.last_name}`,
        country: destination.country,
        accountNumber: this.cipher.decrypt(destination.account_number_sealed, remittanceBeneficiaryCipherContext(remittanceId)),
      };
    }
    const recipient = (await this.commands.load(recipientStreamId(destination.recipient_id), recipientDecider)).state;
    if (recipient.status === 'NONE') throw DomainError.notFound('recipient', 'recipient_uuid');
    // A recipient removed after the start is still paid: the start was valid when the funds were held.
    const account = openRecipientAccount(recipient.account, recipient.recipientId, this.cipher);
    return { name: recipient.accountName, ...accountOf(account) };
  }

  private async execute(streamId: string, cause: string | { correlationId: string; causationId: string }, command: WithoutNow<RemittanceCommand>, remittanceId: string): Promise<void> {
    const context: CommandContext = {
      ...(typeof cause === 'string' ? { correlationId: cause, causationId: cause } : cause),
      actor: ACTOR,
      eventIdSeed: `pm:remittance-${command.type}:${remittanceId}`,
    };
    await this.commands.execute(streamId, remittanceDecider, { ...command, now: this.commands.now() } as RemittanceCommand, context);
  }
}

/** A saved recipient's account as the remittance provider takes it: country and one account identifier. */
function accountOf(account: RecipientAccount): { country: string; accountNumber: string } {
  switch (account.currency) {
    case 'USD':
      return { country: 'US', accountNumber: account.account_number };
    case 'EUR':
      return { country: account.iban.slice(0, 2).toUpperCase(), accountNumber: account.iban.replace(/\s/g, '').toUpperCase() };
    case 'GBP':
      return { country: 'GB', accountNumber: account.account_number };
    case 'NGN':
      return { country: 'NG', accountNumber: account.account_number };
    default: {
      const unknown: never = account;
      throw new RangeError(`no remittance destination for ${JSON.stringify((unknown as { currency?: unknown }).currency)}`);
    }
  }
}
