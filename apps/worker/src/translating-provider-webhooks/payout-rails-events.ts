import { Inject, Injectable, Logger } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { assertNever, DomainError, PayoutCommand, payoutDecider, payoutStreamId } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { advanceFeedCursor, findProviderTransfers, migrateProviderTransfers, PG_POOL, ProviderTransferRef, recordProviderTransfer, withLockedFeedCursor } from '@payments/read-models';
import { PaymentRailsPayouts, ProviderPayoutEvent } from '@payments/providers';
import { PAYMENT_RAILS } from '@payments/providers/nest/provider-tokens';
import { PAYMENT_RAILS_PROVIDER } from '../submitting-payouts/payout-submission.process-manager';
import { ProviderTransferNotYetKnownError, UNKNOWN_TRANSFER_GRACE_MS } from './bank-transfer-events';

/** The row of `provider_event_cursors` holding the payment rails /payment_rails/event/sync `after_id`. */
export const PAYMENT_RAILS_PAYOUTS_FEED = 'payment_rails:payouts';
const PAGE_SIZE = 25;
const PERMANENT_ISSUES = new Set(['payout_outcome_conflict', 'provider_payout_mismatch']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PayoutRailsSyncSummary {
  seen: number;
  applied: number;
  skipped: number;
  afterId: number;
}

/** The payout command a payment rails event means, or undefined (PENDING: nothing new). Exhaustive. */
export function payoutCommandForRailsEvent(event: ProviderPayoutEvent, now: Date): PayoutCommand | undefined {
  const reason = { code: event.failure?.code ?? event.type, description: event.failure?.description ?? `the provider reported the payout ${event.type.toLowerCase()}` };
  switch (event.type) {
    case 'PENDING':
      return undefined;
    case 'SETTLED':
      return { type: 'MarkSettled', data: {}, now };
    case 'FAILED':
      return { type: 'MarkFailed', data: { reason }, now };
    case 'RETURNED':
      return { type: 'MarkReturned', data: { reason }, now };
    default:
      return assertNever(event.type, 'provider payout event type');
  }
}

/**
 * PAYMENT_RAILS/PAYOUT_EVENTS_UPDATE carries no data: this reads /payment_rails/event/sync from its own stored cursor
 * (provider_event_cursors row `payment_rails:payouts`) and turns every event about one of our payouts into a payout
 * command (SEPA, FPS and NGN outcomes). Modelled on BankTransferEventsSync, simpler: one event after another, in feed
 * order. The cursor row is locked for the run (one run at a time across instances); it moves to an event only after
 * that event's command was appended, and event ids derive from the provider event id, so a re-run appends nothing.
 * An event about a provider payout with no recorded mapping is routed through the payout id its metadata carries (see
 * resolveFromProvider); a provider payout that names none of ours is skipped.
 */
@Injectable()
export class PayoutRailsEventsSync {
  private readonly logger = new Logger('PayoutRailsEvents');
  private migrated?: Promise<void>;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly commands: CommandProcessor,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PAYMENT_RAILS) private readonly feed: Pick<PaymentRailsPayouts, 'syncEvents' | 'getPayout'>,
  ) {}

  sync(correlationId: string): Promise<PayoutRailsSyncSummary> {
    const run = this.queue.then(() => this.syncLocked(correlationId));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private migrate(): Promise<void> {
    this.migrated ??= migrateProviderTransfers(this.pool).catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated;
  }

  private async syncLocked(correlationId: string): Promise<PayoutRailsSyncSummary> {
    await this.migrate();
    const { result: summary, failure } = await withLockedFeedCursor(this.pool, PAYMENT_RAILS_PAYOUTS_FEED, async (client, afterId) => {
      const result: PayoutRailsSyncSummary = { seen: 0, applied: 0, skipped: 0, afterId };
      try {
        await this.drain(client, result, correlationId);
        return { result };
      } catch (error) {
        // Keep the progress made so far: committed all the same.
        return { result, failure: error as Error };
      }
    });
    if (summary.seen > 0) this.logger.log(`payout events: ${summary.applied} applied, ${summary.skipped} skipped, after_id now ${summary.afterId}`);
    if (failure) throw failure;
    return summary;
  }

  private async drain(client: PoolClient, summary: PayoutRailsSyncSummary, correlationId: string): Promise<void> {
    for (;;) {
      const page = await this.feed.syncEvents({ afterId: summary.afterId, count: PAGE_SIZE });
      const events = page.events.filter((event) => event.eventId > summary.afterId);
      if (events.length === 0) return;
      const refs = await findProviderTransfers(this.pool, PAYMENT_RAILS_PROVIDER, events.map((e) => e.payoutId));
      for (const event of events) {
        summary.seen++;
        const ref = refs.get(event.payoutId) ?? (await this.resolveFromProvider(event, refs));
        if (ref?.kind === 'payout') {
          if ((await this.apply(event, ref.streamId, correlationId)) === 'applied') summary.applied++;
          else summary.skipped++;
        } else {
          this.logger.warn(`payout event ${event.eventId} (${event.type}) is about provider payout ${event.payoutId}, which is not one of our payouts; skipped`);
          summary.skipped++;
        }
        await advanceFeedCursor(client, PAYMENT_RAILS_PAYOUTS_FEED, event.eventId);
        summary.afterId = event.eventId;
      }
      if (!page.mayHaveMore) return;
    }
  }

  /**
   * A provider payout with no recorded mapping: ours carry our payout id in their metadata, so ask the provider. One
   * that names a payout of ours which has not recorded the submission yet (the event beat the process manager's write)
   * is routed once that payout exists, and retried meanwhile for UNKNOWN_TRANSFER_GRACE_MS; one that names none is not
   * ours (undefined: skipped).
   */
  private async resolveFromProvider(event: ProviderPayoutEvent, refs: Map<string, ProviderTransferRef>): Promise<ProviderTransferRef | undefined> {
    const payout = await this.feed.getPayout(event.payoutId);
    const payoutId = payout.metadata?.payout_id;
    if (!payoutId || !UUID.test(payoutId)) return undefined;
    const { state } = await this.commands.load(payoutStreamId(payoutId), payoutDecider);
    if (state.status === 'NONE') {
      const ageMs = this.commands.now().getTime() - new Date(event.occurredAt).getTime();
      if (ageMs < UNKNOWN_TRANSFER_GRACE_MS) {
        throw new ProviderTransferNotYetKnownError(`payout event ${event.eventId} (${event.type}) names payout ${payoutId}, which does not exist yet; retrying`);
      }
      return undefined;
    }
    if (state.status === 'ABANDONED' || (state.provider !== undefined && state.provider.provider_payout_id !== event.payoutId)) return undefined;
    const ref: ProviderTransferRef = { kind: 'payout', aggregateId: payoutId, streamId: payoutStreamId(payoutId) };
    await recordProviderTransfer(this.pool, PAYMENT_RAILS_PROVIDER, event.payoutId, ref);
    refs.set(event.payoutId, ref);
    return ref;
  }

  private async apply(event: ProviderPayoutEvent, streamId: string, correlationId: string): Promise<'applied' | 'skipped'> {
    const command = payoutCommandForRailsEvent(event, this.commands.now());
    if (!command) return 'applied';
    try {
      await this.commands.execute(streamId, payoutDecider, command, {
        correlationId,
        causationId: `payment-rails:payout-event:${event.eventId}`,
        actor: 'provider:payment_rails',
        eventIdSeed: `payment-rails:payout-event:${event.eventId}`,
      });
      return 'applied';
    } catch (error) {
      const issue = error instanceof DomainError ? error.details.find((d) => d.key === 'issue')?.details : undefined;
      if (issue !== undefined && PERMANENT_ISSUES.has(issue)) {
        this.logger.error(`payout event ${event.eventId} (${event.type}) contradicts ${streamId}: ${(error as Error).message} [${issue}]; skipped, needs ops`);
        return 'skipped';
      }
      throw error;
    }
  }
}
