import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import {
  AchPullCommand,
  achPullDecider,
  AchPullRequestedData,
  bankLinkDecider,
  bankLinkStreamId,
  customerDecider,
  customerStreamId,
  DomainError,
} from '@payments/domain';
import { CommandContext, CommandProcessor, EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { PG_POOL, migrateProviderTransfers, recordProviderTransfer } from '@payments/read-models';
import { FieldCipher } from '@payments/security';
import { PlaidBankTransferAdapter, ProviderError, ProviderTransferStatus } from '@payments/providers';
import { FIELD_CIPHER, PLAID_BANK_TRANSFERS } from '@payments/providers/nest/provider-tokens';
import { CheckpointedProcessManager } from './process-manager-checkpoints';

/** What the process manager needs from the provider (PlaidBankTransferAdapter). */
export type AchPullTransferProvider = Pick<PlaidBankTransferAdapter, 'createTransfer' | 'cancel' | 'get'>;

export interface AchPullSubmissionOptions {
  /** Wait before resubscribing from the checkpoint after a failed event (default 1000 ms). */
  retryDelayMs?: number;
}
export const ACH_PULL_SUBMISSION_OPTIONS = Symbol('ACH_PULL_SUBMISSION_OPTIONS');

/** Its row in process_manager_checkpoints. */
export const ACH_PULL_SUBMISSION_CHECKPOINT = 'submitting-ach-pulls';
const ACTOR = 'system:submitting-ach-pulls';
const PROVIDER = 'plaid';
/** At most 10 characters: it appears on the user's bank statement. */
const STATEMENT_DESCRIPTION = 'ACH PULL';
type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;
const HANDLED_EVENT_TYPES = ['AchPullRequested', 'AchPullCancelRequested'];

/**
 * The process manager between an ACH pull and the provider (ARCHITECTURE §3, §5). It follows `ach-pull-` streams from
 * its checkpoint and:
 * - on AchPullRequested, creates the provider debit with the pull id as idempotency key (a crash and retry can never
 *   create a second provider transfer), records provider transfer -> pull for the webhook translator, then appends
 *   AchPullSubmitted; a link that is no longer the ACTIVE one the pull was requested from, or a transfer the provider
 *   refuses, fails the pull visibly (AchPullFailed);
 * - on AchPullCancelRequested, asks the provider to cancel; a refusal appends AchPullCancelDeclined (the provider's
 *   own cancelled event comes back through the webhook translator as AchPullCancelled).
 * The checkpoint advances only after an event's effects are durable; every effect is idempotent (provider idempotency
 * key, seeded event ids, ON CONFLICT DO NOTHING), so handling an event again after a crash changes nothing. A failed
 * event (provider unreachable, database down) stops the subscription, which restarts from the checkpoint after a delay.
 */
@Injectable()
export class AchPullSubmissionProcessManager extends CheckpointedProcessManager {
  constructor(
    private readonly commands: CommandProcessor,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PLAID_BANK_TRANSFERS) private readonly provider: AchPullTransferProvider,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Optional() @Inject(ACH_PULL_SUBMISSION_OPTIONS) options?: AchPullSubmissionOptions,
  ) {
    super(new Logger('SubmittingAchPulls'), {
      name: ACH_PULL_SUBMISSION_CHECKPOINT,
      store,
      pool,
      filter: { streamPrefixes: ['ach-pull-'], eventTypes: HANDLED_EVENT_TYPES },
      retryDelayMs: options?.retryDelayMs ?? 1000,
      migrate: () => migrateProviderTransfers(pool),
    });
  }

  /**
   * Handles one event of an `ach-pull-` stream (idempotent: handling it again changes nothing). Throws when it should
   * be retried later. A DomainError (the pull's history contradicts the command, e.g. another provider transfer) can
   * never succeed on retry: it is logged for ops and the event is passed.
   */
  async handle(event: RecordedEvent): Promise<void> {
    try {
      switch (event.type) {
        case 'AchPullRequested':
          await this.submit(event);
          return;
        case 'AchPullCancelRequested':
          await this.cancel(event);
          return;
        default:
          return;
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.error(`${event.type} ${event.id} on ${event.streamId} cannot be applied (${error.reason}): ${error.description}`);
    }
  }

  private async submit(event: RecordedEvent): Promise<void> {
    const { state } = await this.commands.load(event.streamId, achPullDecider);
    if (state.status !== 'CREATED' || state.providerTransferId !== undefined) return;
    const pull: AchPullRequestedData = state.request;
    const pullId = pull.pull_id;

    const link = (await this.commands.load(bankLinkStreamId(pull.user_id), bankLinkDecider)).state;
    if (link.status !== 'ACTIVE' || !link.account || link.linkId !== pull.source.link_id) {
      const why = link.status === 'NONE' ? 'no link' : link.linkId === pull.source.link_id ? `link ${link.status}` : 'another account was linked since';
      const description = `the bank account this pull was requested from is no longer linked and active (${why})`;
      await this.execute(event, { type: 'MarkFailed', data: { code: 'LINK_NOT_ACTIVE', description } }, `pm:ach-pull-link-not-active:${pullId}`);
      return;
    }
    const customer = (await this.commands.load(customerStreamId(pull.user_id), customerDecider)).state;
    if (customer.status !== 'registered') {
      await this.execute(event, { type: 'MarkFailed', data: { code: 'PROFILE_MISSING', description: 'the user profile (legal name) was not found' } }, `pm:ach-pull-profile-missing:${pullId}`);
      return;
    }

    let transferId: string;
    try {
      const transfer = await this.provider.createTransfer({
        idempotencyKey: pullId,
        accessToken: this.cipher.decrypt(link.account.access_token_encrypted, `plaid-access-token:${pull.user_id}`),
        accountId: pull.source.account_id,
        type: 'debit',
        network: 'ach',
        amountMinor: BigInt(pull.amount_minor),
        currency: pull.currency,
        description: STATEMENT_DESCRIPTION,
        achClass: 'web',
        legalName: `${customer.profile.first_name} ${customer.profile.last_name}`.trim(),
        customTag: pullId,
        metadata: { pull_id: pullId },
      });
      transferId = transfer.id;
    } catch (error) {
      if (!(error instanceof ProviderError) || error.retryable) throw error;
      this.logger.warn(`provider refused the transfer for ach pull ${pullId}: ${error.code}`);
      await this.execute(event, { type: 'MarkFailed', data: { code: error.code, description: error.displayMessage ?? error.message } }, `pm:ach-pull-refused:${pullId}`);
      return;
    }

    // Routing first: a provider event for this transfer may reach the translator before our own append.
    await recordProviderTransfer(this.pool, PROVIDER, transferId, { kind: 'ach-pull', aggregateId: pullId, streamId: event.streamId });
    await this.execute(event, { type: 'RecordProviderSubmission', data: { provider_transfer_id: transferId } }, `pm:ach-pull-submitted:${pullId}`);
  }

  private async cancel(event: RecordedEvent): Promise<void> {
    const { state } = await this.commands.load(event.streamId, achPullDecider);
    // Already cancelled, declined, or past the point of cancelling: nothing to ask.
    if (state.status === 'NONE' || !state.cancelRequested || (state.status !== 'CREATED' && state.status !== 'PENDING')) return;
    const transferId = state.providerTransferId;
    // Seeds from the request event: a pull may be asked to cancel again after a decline.
    if (transferId === undefined) {
      await this.execute(event, { type: 'MarkCancelled', data: {} }, `pm:ach-pull-cancelled:${event.id}`);
      return;
    }
    try {
      await this.provider.cancel(transferId);
      // The provider's CANCELLED event comes back through the webhook translator (MarkCancelled).
      return;
    } catch (error) {
      if (!(error instanceof ProviderError) || error.retryable) throw error;
      // Refused. If an earlier attempt (before a crash) cancelled it, that is why: record the cancellation.
      const status = await this.providerStatus(transferId);
      if (status === ProviderTransferStatus.Cancelled) {
        await this.execute(event, { type: 'MarkCancelled', data: { provider_transfer_id: transferId } }, `pm:ach-pull-cancelled:${event.id}`);
        return;
      }
      const reason = status ? `${error.code}: the provider transfer is ${status.toLowerCase()} and can no longer be cancelled` : `${error.code}: ${error.message}`;
      await this.execute(event, { type: 'DeclineCancel', data: { reason } }, `pm:ach-pull-cancel-declined:${event.id}`);
    }
  }

  /** The transfer's status at the provider; undefined when the provider refuses to say (retryable failures throw). */
  private async providerStatus(transferId: string): Promise<ProviderTransferStatus | undefined> {
    try {
      return (await this.provider.get(transferId)).status;
    } catch (error) {
      if (!(error instanceof ProviderError) || error.retryable) throw error;
      return undefined;
    }
  }

  private async execute(cause: RecordedEvent, command: WithoutNow<AchPullCommand>, eventIdSeed: string): Promise<void> {
    const context: CommandContext = {
      correlationId: cause.metadata.correlation_id,
      causationId: cause.id,
      actor: ACTOR,
      eventIdSeed,
    };
    await this.commands.execute(cause.streamId, achPullDecider, { ...command, now: this.commands.now() } as AchPullCommand, context);
  }
}
