import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import { AccountCommand, accountDecider, AccountCurrency, accountStreamId, DomainError, PayoutEvent, payoutDecider } from '@payments/domain';
import { CommandContext, CommandProcessor, EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { PG_POOL } from '@payments/read-models';
import { CheckpointedProcessManager } from '../submitting-ach-pulls/process-manager-checkpoints';

export interface PayoutAccountHoldsOptions {
  /** Wait before resubscribing from the checkpoint after a failed event (default 1000 ms). */
  retryDelayMs?: number;
}
export const PAYOUT_ACCOUNT_HOLDS_OPTIONS = Symbol('PAYOUT_ACCOUNT_HOLDS_OPTIONS');

/** Its row in process_manager_checkpoints. */
export const PAYOUT_ACCOUNT_HOLDS_CHECKPOINT = 'settling-payout-holds';
const ACTOR = 'system:settling-payout-holds';
const HANDLED_EVENT_TYPES: PayoutEvent['type'][] = ['PayoutSettled', 'PayoutFailed', 'PayoutReturned', 'PayoutAbandoned'];
type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;

/**
 * The process manager between payouts and the user's account (the hold the API placed, movement id = payout id):
 * - PayoutSettled -> CaptureHold (posted falls by the amount; available already did when it was held);
 * - PayoutFailed -> ReleaseHold FAILED (available rises back);
 * - PayoutReturned -> ReverseDebit (captures first if the settlement was never applied, then credits back);
 * - PayoutAbandoned (the orphan-hold sweep) -> ReleaseHold CANCELLED.
 * Account commands are no-ops when repeated for the same movement and event ids are seeded from the payout event, so
 * redelivery or a crash between steps changes nothing. A DomainError (e.g. no such hold) cannot succeed on retry: it
 * is logged for ops and the event passed.
 */
@Injectable()
export class PayoutAccountHoldsProcessManager extends CheckpointedProcessManager {
  constructor(
    private readonly commands: CommandProcessor,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) pool: Pool,
    @Optional() @Inject(PAYOUT_ACCOUNT_HOLDS_OPTIONS) options?: PayoutAccountHoldsOptions,
  ) {
    super(new Logger('SettlingPayoutHolds'), {
      name: PAYOUT_ACCOUNT_HOLDS_CHECKPOINT,
      store,
      pool,
      filter: { streamPrefixes: ['payout-'], eventTypes: HANDLED_EVENT_TYPES },
      retryDelayMs: options?.retryDelayMs ?? 1000,
      migrate: async () => undefined,
    });
  }

  async handle(recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as unknown as PayoutEvent;
    try {
      switch (event.type) {
        case 'PayoutSettled':
          await this.execute(recorded, event.data.user_id, event.data.currency, { type: 'CaptureHold', data: { movement_id: event.data.payout_id } });
          return;
        case 'PayoutFailed':
          await this.execute(recorded, event.data.user_id, await this.currencyOf(recorded), {
            type: 'ReleaseHold',
            data: { movement_id: event.data.payout_id, outcome: 'FAILED', reason: event.data.reason },
          });
          return;
        case 'PayoutReturned':
          await this.execute(recorded, event.data.user_id, event.data.currency, { type: 'ReverseDebit', data: { movement_id: event.data.payout_id, reason: event.data.reason } });
          return;
        case 'PayoutAbandoned':
          await this.execute(recorded, event.data.user_id, event.data.currency, {
            type: 'ReleaseHold',
            data: { movement_id: event.data.payout_id, outcome: 'CANCELLED', reason: event.data.reason },
          });
          return;
        default:
          return;
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.error(`${recorded.type} ${recorded.id} on ${recorded.streamId} cannot be applied to the account (${error.reason}): ${error.description}`);
    }
  }

  private async currencyOf(recorded: RecordedEvent): Promise<AccountCurrency> {
    const { state } = await this.commands.load(recorded.streamId, payoutDecider);
    if (state.status === 'NONE' || state.status === 'ABANDONED') throw new Error(`${recorded.streamId} has no PayoutRequested`);
    return state.request.currency;
  }

  private async execute(cause: RecordedEvent, userId: string, currency: AccountCurrency, command: WithoutNow<AccountCommand>): Promise<void> {
    const context: CommandContext = { correlationId: cause.metadata.correlation_id, causationId: cause.id, actor: ACTOR, eventIdSeed: `pm:payout-hold:${cause.id}` };
    await this.commands.execute(accountStreamId(userId, currency), accountDecider, { ...command, now: this.commands.now() } as AccountCommand, context);
  }
}
