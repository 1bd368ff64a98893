import { Inject, Injectable, Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { AchPullCommand, achPullDecider, achPullStreamId, assertNever, DomainError } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { findProviderTransfer, migrateProviderTransfers, PG_POOL, ProviderTransferRef, recordProviderTransfer } from '@payments/read-models';
import { ProviderBankTransfer, ProviderBankTransferEvent, SyncBankTransferEventsInput, SyncedBankTransferEvents } from '@payments/providers/plaid';
import { PLAID_BANK_TRANSFERS } from '@payments/providers/nest/provider-tokens';

/** What the sync needs from the provider (PlaidBankTransferAdapter implements it). */
export interface BankTransferEventFeed {
  syncEvents(input: SyncBankTransferEventsInput): Promise<SyncedBankTransferEvents>;
  get(bankTransferId: string): Promise<ProviderBankTransfer>;
}

/** The row of `provider_event_cursors` holding Plaid's /bank_transfer/event/sync `after_id`. */
export const PLAID_BANK_TRANSFERS_FEED = 'plaid:bank_transfers';

/**
 * A provider event about a transfer we cannot route (no mapping, and the provider's transfer names no pull of ours)
 * is retried for this long; older: not ours, skipped. Events that merely beat the process manager's mapping are
 * routed at once through the pull id the transfer carries (see resolveFromProvider).
 */
export const UNKNOWN_TRANSFER_GRACE_MS = 2 * 60 * 1000;

const PAGE_SIZE = 25;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERMANENT_ISSUES = new Set(['ach_pull_outcome_conflict', 'provider_transfer_mismatch']);

/** Retryable: the provider reported an event for a transfer whose mapping is not recorded yet. */
export class ProviderTransferNotYetKnownError extends Error {
  override readonly name = 'ProviderTransferNotYetKnownError';
}

export interface BankTransferSyncSummary {
  /** Provider events read from the feed in this run. */
  seen: number;
  /** Provider events turned into a command (whether or not it appended anything). */
  applied: number;
  /** Provider events skipped: unknown transfer (old), permanent domain conflict, kind not handled. */
  skipped: number;
  /** The cursor stored when the run ended. */
  afterId: number;
}

/** The ACH pull command a provider event means. Exhaustive over the provider's event types. */
export function achPullCommandFor(event: ProviderBankTransferEvent, now: Date): AchPullCommand {
  const provider_transfer_id = event.bankTransferId;
  switch (event.type) {
    case 'PENDING':
      return { type: 'MarkPending', data: { provider_transfer_id }, now };
    case 'POSTED':
      return { type: 'MarkSettled', data: { provider_transfer_id }, now };
    case 'FAILED':
      return {
        type: 'MarkFailed',
        data: { provider_transfer_id, code: event.failure?.achReturnCode ?? 'FAILED', description: event.failure?.description ?? null },
        now,
      };
    case 'REVERSED':
      return {
        type: 'MarkReturned',
        // A reversal without a network return code is still a return; 'REVERSED' marks it as the provider's, not NACHA's.
        data: { provider_transfer_id, ach_return_code: event.failure?.achReturnCode ?? 'REVERSED', description: event.failure?.description ?? null },
        now,
      };
    case 'CANCELLED':
      return { type: 'MarkCancelled', data: { provider_transfer_id }, now };
    default:
      return assertNever(event.type, 'provider bank transfer event type');
  }
}

function domainIssue(error: unknown): string | undefined {
  if (!(error instanceof DomainError)) return undefined;
  return error.details.find((d) => d.key === 'issue')?.details;
}

/**
 * Plaid's BANK_TRANSFERS_EVENTS_UPDATE carries no data: this reads /bank_transfer/event/sync from the stored
 * `after_id` and turns every provider event into the matching ACH pull command.
 *
 * One Postgres transaction holds the feed's cursor row `FOR UPDATE` for the whole run, so translators on any number
 * of instances never process the feed at once; within one instance runs are queued (one connection waits on the lock,
 * not one per webhook). The cursor moves to an event only after that event's command was appended; event ids are
 * derived from the provider event id, so re-applying after a crash appends nothing.
 */
@Injectable()
export class BankTransferEventsSync {
  private readonly logger = new Logger('BankTransferEvents');
  private migrated?: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly commands: CommandProcessor,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PLAID_BANK_TRANSFERS) private readonly feed: BankTransferEventFeed,
  ) {}

  private migrate(): Promise<void> {
    this.migrated ??= migrateProviderTransfers(this.pool).catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  /** Processes everything the provider has after the stored cursor. Rejects with a retryable error when it must wait. */
  sync(correlationId: string): Promise<BankTransferSyncSummary> {
    const run = this.queue.then(() => this.syncLocked(correlationId));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async syncLocked(correlationId: string): Promise<BankTransferSyncSummary> {
    await this.migrate();
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const afterId = await this.lockCursor(client);
      const summary: BankTransferSyncSummary = { seen: 0, applied: 0, skipped: 0, afterId };
      let failure: Error | undefined;
      try {
        await this.drain(client, summary, correlationId);
      } catch (error) {
        failure = error as Error;
      }
      // Also on failure: keep the progress made so far (the cursor only covers events whose commands were appended).
      await client.query('COMMIT');
      if (summary.seen > 0) {
        this.logger.log(`bank transfer events: ${summary.applied} applied, ${summary.skipped} skipped, after_id now ${summary.afterId}`);
      }
      if (failure) throw failure;
      return summary;
    } catch (error) {
      // A connection that cannot even roll back is dropped rather than returned to the pool.
      broken = await client.query('ROLLBACK').then(
        () => undefined,
        (rollbackError: unknown) => rollbackError as Error,
      );
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private async drain(client: PoolClient, summary: BankTransferSyncSummary, correlationId: string): Promise<void> {
    for (;;) {
      const page = await this.feed.syncEvents({ afterId: summary.afterId, count: PAGE_SIZE });
      const before = summary.afterId;
      for (const event of page.events) {
        if (event.eventId <= summary.afterId) continue;
        summary.seen++;
        const outcome = await this.apply(event, correlationId);
        if (outcome === 'applied') summary.applied++;
        else summary.skipped++;
        await client.query('UPDATE provider_event_cursors SET after_id = $2, updated_at = now() WHERE feed = $1', [PLAID_BANK_TRANSFERS_FEED, event.eventId]);
        summary.afterId = event.eventId;
      }
      // A page that moved nothing forward (empty, or only old ids) ends the run rather than asking again forever.
      if (!page.mayHaveMore || summary.afterId === before) return;
    }
  }

  private async lockCursor(client: PoolClient): Promise<number> {
    await client.query('INSERT INTO provider_event_cursors (feed, after_id) VALUES ($1, 0) ON CONFLICT (feed) DO NOTHING', [PLAID_BANK_TRANSFERS_FEED]);
    const { rows } = await client.query<{ after_id: string }>('SELECT after_id FROM provider_event_cursors WHERE feed = $1 FOR UPDATE', [PLAID_BANK_TRANSFERS_FEED]);
    return Number(rows[0].after_id);
  }

  /**
   * A transfer whose mapping is not recorded yet (the provider's event can beat the process manager's write): our
   * transfers carry the pull id (custom_tag and metadata), so ask the provider for the transfer and route by it,
   * once the pull exists and is not bound to another transfer. Records the mapping for next time.
   */
  private async resolveFromProvider(bankTransferId: string): Promise<ProviderTransferRef | undefined> {
    const transfer = await this.feed.get(bankTransferId);
    const pullId = transfer.metadata?.pull_id ?? transfer.customTag ?? undefined;
    if (!pullId || !UUID.test(pullId)) return undefined;
    const { state } = await this.commands.load(achPullStreamId(pullId), achPullDecider);
    if (state.status === 'NONE' || (state.providerTransferId !== undefined && state.providerTransferId !== bankTransferId)) return undefined;
    const ref: ProviderTransferRef = { kind: 'ach-pull', aggregateId: pullId, streamId: achPullStreamId(pullId) };
    await recordProviderTransfer(this.pool, 'plaid', bankTransferId, ref);
    return ref;
  }

  private async apply(event: ProviderBankTransferEvent, correlationId: string): Promise<'applied' | 'skipped'> {
    const ref = (await findProviderTransfer(this.pool, 'plaid', event.bankTransferId)) ?? (await this.resolveFromProvider(event.bankTransferId));
    if (!ref) {
      const ageMs = this.commands.now().getTime() - new Date(event.occurredAt).getTime();
      if (ageMs < UNKNOWN_TRANSFER_GRACE_MS) {
        throw new ProviderTransferNotYetKnownError(
          `provider event ${event.eventId} (${event.type}) is about bank transfer ${event.bankTransferId}, which is not recorded yet; retrying`,
        );
      }
      this.logger.error(
        `provider event ${event.eventId} (${event.type}) is about bank transfer ${event.bankTransferId}, which we never recorded; skipped (not ours?)`,
      );
      return 'skipped';
    }
    switch (ref.kind) {
      case 'ach-pull':
        break;
      case 'payout':
      case 'transfer':
        this.logger.error(`provider event ${event.eventId} is about a ${ref.kind} (${ref.aggregateId}); no translation for that kind yet, skipped`);
        return 'skipped';
      default:
        return assertNever(ref.kind, 'provider transfer kind');
    }
    const command = achPullCommandFor(event, this.commands.now());
    try {
      await this.commands.execute(ref.streamId, achPullDecider, command, {
        correlationId,
        causationId: `plaid:bank-transfer-event:${event.eventId}`,
        actor: 'provider:plaid',
        eventIdSeed: `plaid:bank-transfer-event:${event.eventId}`,
      });
      return 'applied';
    } catch (error) {
      const issue = domainIssue(error);
      if (issue !== undefined && PERMANENT_ISSUES.has(issue)) {
        this.logger.error(
          `provider event ${event.eventId} (${event.type}) contradicts ach pull ${ref.aggregateId}: ${(error as Error).message} [${issue}]; skipped, needs ops`,
        );
        return 'skipped';
      }
      throw error;
    }
  }
}
