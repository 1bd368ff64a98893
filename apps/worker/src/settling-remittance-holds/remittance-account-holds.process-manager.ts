import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import { AccountCommand, accountDecider, accountStreamId, DomainError, RemittanceEvent } from '@payments/domain';
import { CommandProcessor, EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { PG_POOL } from '@payments/read-models';
import { CheckpointedProcessManager } from '../submitting-ach-pulls/process-manager-checkpoints';

export interface RemittanceAccountHoldsOptions {
  /** Wait before resubscribing from the checkpoint after a failed event (default 1000 ms). */
  retryDelayMs?: number;
}
export const REMITTANCE_ACCOUNT_HOLDS_OPTIONS = Symbol('REMITTANCE_ACCOUNT_HOLDS_OPTIONS');

/** Its row in process_manager_checkpoints. */
export const REMITTANCE_ACCOUNT_HOLDS_CHECKPOINT = 'settling-remittance-holds';
const ACTOR = 'system:settling-remittance-holds';
type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;

/**
 * Between remittances and the user's account (the hold the API placed on the source-currency account, movement id =
 * remittance id): RemittanceSettled → CaptureHold (posted falls), RemittanceFailed → ReleaseHold FAILED (available
 * rises back), RemittanceAbandoned (the orphan-hold sweep, OrphanRemittanceHoldSweep) → ReleaseHold CANCELLED
 * (as for payouts). Repeats are no-ops and event ids are seeded from the remittance event; a DomainError cannot succeed on
 * retry and is logged for ops.
 */
@Injectable()
export class RemittanceAccountHoldsProcessManager extends CheckpointedProcessManager {
  constructor(
    private readonly commands: CommandProcessor,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) pool: Pool,
    @Optional() @Inject(REMITTANCE_ACCOUNT_HOLDS_OPTIONS) options?: RemittanceAccountHoldsOptions,
  ) {
    super(new Logger('SettlingRemittanceHolds'), {
      name: REMITTANCE_ACCOUNT_HOLDS_CHECKPOINT,
      store,
      pool,
      filter: { streamPrefixes: ['remittance-'], eventTypes: ['RemittanceSettled', 'RemittanceFailed', 'RemittanceAbandoned'] },
      retryDelayMs: options?.retryDelayMs ?? 1000,
      migrate: async () => undefined,
    });
  }

  async handle(recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as unknown as RemittanceEvent;
    if (event.type !== 'RemittanceSettled' && event.type !== 'RemittanceFailed' && event.type !== 'RemittanceAbandoned') return;
    const command: WithoutNow<AccountCommand> =
      event.type === 'RemittanceSettled'
        ? { type: 'CaptureHold', data: { movement_id: event.data.remittance_id } }
        : { type: 'ReleaseHold', data: { movement_id: event.data.remittance_id, outcome: event.type === 'RemittanceAbandoned' ? 'CANCELLED' : 'FAILED', reason: event.data.reason } };
    try {
      await this.commands.execute(
        accountStreamId(event.data.user_id, event.data.source_currency),
        accountDecider,
        { ...command, now: this.commands.now() } as AccountCommand,
        { correlationId: recorded.metadata.correlation_id, causationId: recorded.id, actor: ACTOR, eventIdSeed: `pm:remittance-hold:${recorded.id}` },
      );
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.error(`${recorded.type} ${recorded.id} on ${recorded.streamId} cannot be applied to the account (${error.reason}): ${error.description}`);
    }
  }
}
