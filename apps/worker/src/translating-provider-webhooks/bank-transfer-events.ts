import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { WORKER_OPTIONS, type WorkerOptions } from './worker-options';
import { Pool, PoolClient } from 'pg';
import { AchPullCommand, achPullDecider, achPullStreamId, assertNever, DomainError, payoutDecider, transferDecider } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import {
  advanceFeedCursor,
  findProviderTransfers,
  migrateProviderTransfers,
  PG_POOL,
  ProviderTransferRef,
  recordProviderEventPayloads,
  recordProviderTransfer,
  withLockedFeedCursor,
} from '@payments/read-models';
import { ProviderBankTransfer, ProviderBankTransferEvent, SyncBankTransferEventsInput, SyncedBankTransferEvents } from '@payments/providers/plaid';
import { PLAID_BANK_TRANSFERS } from '@payments/providers/nest/provider-tokens';
import { payoutCommandForBankTransferEvent, transferCommandForBankTransferEvent } from './bank-transfer-payout-commands';

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

/** Events per /bank_transfer/event/sync call (the provider's maximum). */
const PAGE_SIZE = 25;
/** Events read from the feed and not applied yet, at most (the reader waits beyond that). */
const READ_AHEAD = 500;
/** Events whose commands run together (one cursor update per batch), unless WorkerOptions say otherwise. */
const APPLY_BATCH = 250;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PERMANENT_ISSUES = new Set(['ach_pull_outcome_conflict', 'provider_transfer_mismatch', 'payout_outcome_conflict', 'provider_payout_mismatch', 'transfer_outcome_conflict']);

type Outcome = 'applied' | 'skipped' | Error;

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
  /** True when no run was needed: a run of this process that read the feed to its end started after the webhook arrived. */
  coalesced?: boolean;
}

/** What triggered a sync. */
export interface BankTransferSyncTrigger {
  /**
   * When the webhook announcing new provider events reached this process, on this process's monotonic clock
   * (`performance.now()`; see ReceivedWebhook.arrivedAt). Without it the run always happens.
   */
  arrivedAt?: number;
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

/** The causation id of the domain events a provider event causes (and the key of its stored payload). */
export const bankTransferEventCausationId = (eventId: number): string => `plaid:bank-transfer-event:${eventId}`;

/**
 * The provider event as `ops history` shows it: the fields of Plaid's /bank_transfer/event/sync entry we act on. The
 * provider's account id is left out (an account identifier); nothing here is a secret.
 */
export function providerEventPayload(event: ProviderBankTransferEvent): Record<string, unknown> {
  return {
    source: '/bank_transfer/event/sync',
    event_id: event.eventId,
    event_type: event.type,
    bank_transfer_id: event.bankTransferId,
    bank_transfer_type: event.transferType,
    bank_transfer_amount_minor: event.amountMinor.toString(),
    bank_transfer_iso_currency_code: event.currency,
    timestamp: event.occurredAt,
    failure_reason: event.failure ? { ach_return_code: event.failure.achReturnCode, description: event.failure.description } : null,
  };
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
  /**
   * Start (this process's monotonic clock) of the latest run of this process that read the feed to its end without
   * failure; only ever grows. A webhook that arrived before it announced nothing that run did not see.
   */
  private coveredBefore = Number.NEGATIVE_INFINITY;
  private knownAfterId = 0;

  private readonly applyBatch: number;

  constructor(
    private readonly commands: CommandProcessor,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PLAID_BANK_TRANSFERS) private readonly feed: BankTransferEventFeed,
    @Optional() @Inject(WORKER_OPTIONS) options?: Pick<WorkerOptions, 'providerEventsApplyBatch'>,
  ) {
    this.applyBatch = options?.providerEventsApplyBatch ?? APPLY_BATCH;
  }

  private migrate(): Promise<void> {
    this.migrated ??= migrateProviderTransfers(this.pool).catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  /**
   * Processes everything the provider has after the stored cursor. Rejects with a retryable error when it must wait.
   *
   * With `trigger.arrivedAt`, the run is skipped (coalesced) when a run of this process that read the feed to its
   * end, without failure, started after the webhook arrived here. No clocks are compared across hosts: the provider
   * created its events before sending the webhook, the webhook was sent before it reached this process (through
   * Kafka, or in-process in embedded mode), and that arrival came before the covering run's first read of the feed,
   * so that read saw every one of those events (or they were behind the cursor already). Runs of other instances are
   * not taken into account: this one then runs and finds nothing new, which is safe.
   */
  sync(correlationId: string, trigger: BankTransferSyncTrigger = {}): Promise<BankTransferSyncSummary> {
    const run = this.queue.then(() => this.syncLocked(correlationId, trigger.arrivedAt));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private covered(arrivedAt: number | undefined): boolean {
    return arrivedAt !== undefined && arrivedAt < this.coveredBefore;
  }

  private coalesced(): BankTransferSyncSummary {
    return { seen: 0, applied: 0, skipped: 0, afterId: this.knownAfterId, coalesced: true };
  }

  private async syncLocked(correlationId: string, arrivedAt: number | undefined): Promise<BankTransferSyncSummary> {
    // A completed run of this process started after the webhook arrived: no connection, no lock, no provider call.
    if (this.covered(arrivedAt)) return this.coalesced();
    await this.migrate();
    const { result, failure } = await withLockedFeedCursor(this.pool, PLAID_BANK_TRANSFERS_FEED, async (client, afterId) => {
      // Taken once the lock is held, before the first read of the feed.
      const startedAt = performance.now();
      const summary: BankTransferSyncSummary = { seen: 0, applied: 0, skipped: 0, afterId };
      try {
        await this.drain(client, summary, correlationId);
        return { result: { summary, startedAt } };
      } catch (error) {
        // Committed all the same: the cursor only covers events whose commands were appended.
        return { result: { summary, startedAt }, failure: error as Error };
      }
    });
    const { summary, startedAt } = result;
    // Read to the end without failure (and committed): webhooks that arrived before this run started need no run.
    if (!failure) this.coveredBefore = Math.max(this.coveredBefore, startedAt);
    this.knownAfterId = Math.max(this.knownAfterId, summary.afterId);
    if (summary.seen > 0) {
      this.logger.log(`bank transfer events: ${summary.applied} applied, ${summary.skipped} skipped, after_id now ${summary.afterId}`);
    }
    if (failure) throw failure;
    return summary;
  }

  /**
   * Reading and applying overlap: a reader follows the feed page by page (each page starts after the previous one's
   * last id) and keeps up to {@link READ_AHEAD} events waiting, while the applier takes up to {@link APPLY_BATCH}
   * waiting events at a time and runs their commands concurrently across streams (each stream's events in feed
   * order; the event store writes appends made together in one statement). One cursor update then covers the longest
   * run of events from the batch's start whose commands all completed. Events after a failure that did append are
   * simply read again next time (their deterministic ids append nothing).
   */
  private async drain(client: PoolClient, summary: BankTransferSyncSummary, correlationId: string): Promise<void> {
    const waiting: ProviderBankTransferEvent[] = [];
    let ended = false;
    let stopped = false;
    let readFailure: Error | undefined;
    let wakeApplier: (() => void) | undefined;
    let wakeReader: (() => void) | undefined;
    const wake = (which: 'applier' | 'reader'): void => {
      const resume = which === 'applier' ? wakeApplier : wakeReader;
      if (which === 'applier') wakeApplier = undefined;
      else wakeReader = undefined;
      resume?.();
    };

    const reader = (async () => {
      let after = summary.afterId;
      try {
        for (;;) {
          while (waiting.length >= READ_AHEAD && !stopped) await new Promise<void>((resume) => (wakeReader = resume));
          if (stopped) return;
          const page = await this.feed.syncEvents({ afterId: after, count: PAGE_SIZE });
          const events = page.events.filter((event) => event.eventId > after).sort((a, b) => a.eventId - b.eventId);
          if (events.length > 0) {
            waiting.push(...events);
            after = events[events.length - 1].eventId;
          }
          // A page that moved nothing forward (empty, or only old ids) ends the run rather than asking again forever.
          if (!page.mayHaveMore || events.length === 0) return;
          wake('applier');
        }
      } catch (error) {
        readFailure = error as Error;
      } finally {
        ended = true;
        wake('applier');
      }
    })();

    try {
      for (;;) {
        while (waiting.length === 0 && !ended) await new Promise<void>((resume) => (wakeApplier = resume));
        if (waiting.length === 0) {
          if (readFailure) throw readFailure;
          return;
        }
        const events = waiting.splice(0, this.applyBatch);
        wake('reader');
        const outcomes = await this.applyPage(events, correlationId);
        let done = 0;
        while (done < events.length && !(outcomes[done] instanceof Error)) {
          if (outcomes[done] === 'applied') summary.applied++;
          else summary.skipped++;
          done++;
        }
        summary.seen += Math.min(events.length, done + 1);
        if (done > 0) {
          await advanceFeedCursor(client, PLAID_BANK_TRANSFERS_FEED, events[done - 1].eventId);
          summary.afterId = events[done - 1].eventId;
        }
        if (done < events.length) throw outcomes[done] as Error;
      }
    } finally {
      stopped = true;
      wake('reader');
      await reader;
    }
  }

  /** The outcome of every event of the page, by index: what was done, or why it could not be (retryable). */
  private async applyPage(events: ProviderBankTransferEvent[], correlationId: string): Promise<Outcome[]> {
    const outcomes: Outcome[] = new Array<Outcome>(events.length);
    // Kept for `ops history` before anything is applied (one statement per page; a replay changes nothing).
    await recordProviderEventPayloads(
      this.pool,
      events.map((event) => ({ causationId: bankTransferEventCausationId(event.eventId), provider: 'plaid', payload: providerEventPayload(event) })),
    );
    const refs = await findProviderTransfers(this.pool, 'plaid', events.map((event) => event.bankTransferId));
    const streams = new Map<string, { ref: ProviderTransferRef; index: number }[]>();
    for (const [index, event] of events.entries()) {
      let ref = refs.get(event.bankTransferId);
      if (!ref) {
        try {
          ref = await this.resolveFromProvider(event.bankTransferId);
          if (ref) refs.set(event.bankTransferId, ref);
        } catch (error) {
          outcomes[index] = error as Error;
          continue;
        }
      }
      const routed = this.route(event, ref);
      if (routed === 'skipped' || routed instanceof Error) {
        outcomes[index] = routed;
        continue;
      }
      const queue = streams.get(routed.streamId) ?? [];
      queue.push({ ref: routed, index });
      streams.set(routed.streamId, queue);
    }
    await Promise.all(
      [...streams.values()].map(async (queue) => {
        for (const { ref, index } of queue) {
          try {
            outcomes[index] = await this.apply(events[index], ref, correlationId);
          } catch (error) {
            // Later events of this stream wait for this one: the stream's order is the feed's.
            outcomes[index] = error as Error;
            return;
          }
        }
      }),
    );
    return outcomes;
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

  /** Whether an event can be applied to an ACH pull; otherwise skipped, or an error to retry later. */
  private route(event: ProviderBankTransferEvent, ref: ProviderTransferRef | undefined): ProviderTransferRef | 'skipped' | Error {
    if (!ref) {
      const ageMs = this.commands.now().getTime() - new Date(event.occurredAt).getTime();
      if (ageMs < UNKNOWN_TRANSFER_GRACE_MS) {
        return new ProviderTransferNotYetKnownError(
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
      case 'payout':
      case 'transfer':
        return ref;
      default:
        return assertNever(ref.kind, 'provider transfer kind');
    }
  }

  private async apply(event: ProviderBankTransferEvent, ref: ProviderTransferRef, correlationId: string): Promise<'applied' | 'skipped'> {
    const context = {
      correlationId,
      causationId: bankTransferEventCausationId(event.eventId),
      actor: 'provider:plaid',
      eventIdSeed: `plaid:bank-transfer-event:${event.eventId}`,
    };
    try {
      if (ref.kind === 'transfer') {
        // An ACH bank transfer's BankOut credit (see bank-transfer-payout-commands.ts); PENDING changes nothing.
        const transferCommand = transferCommandForBankTransferEvent(event, this.commands.now());
        if (transferCommand) await this.commands.execute(ref.streamId, transferDecider, transferCommand, context);
        return 'applied';
      }
      if (ref.kind === 'payout') {
        // A payout's ACH credit (see bank-transfer-payout-commands.ts); PENDING changes nothing.
        const payoutCommand = payoutCommandForBankTransferEvent(event, this.commands.now());
        if (payoutCommand) await this.commands.execute(ref.streamId, payoutDecider, payoutCommand, context);
        return 'applied';
      }
      await this.commands.execute(ref.streamId, achPullDecider, achPullCommandFor(event, this.commands.now()), context);
      return 'applied';
    } catch (error) {
      const issue = domainIssue(error);
      if (issue !== undefined && PERMANENT_ISSUES.has(issue)) {
        this.logger.error(
          `provider event ${event.eventId} (${event.type}) contradicts ${ref.kind} ${ref.aggregateId}: ${(error as Error).message} [${issue}]; skipped, needs ops`,
        );
        return 'skipped';
      }
      throw error;
    }
  }
}
