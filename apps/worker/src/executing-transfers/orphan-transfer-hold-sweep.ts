import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import { AssetBalanceEvent, transferDecider, TransferEvent, transferStreamId } from '@payments/domain';
import { CommandProcessor, EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { occurredAt, PG_POOL, runMigrations } from '@payments/read-models';
import { PeriodicSweepProcessManager } from '../submitting-ach-pulls/process-manager-checkpoints';

export interface OrphanTransferHoldSweepOptions {
  /** How long an asset hold may wait for its TransferInitiated before it is treated as orphaned (default 5 minutes). */
  graceMs?: number;
  /** How often the sweep runs (default 30 s; 0 = never by itself, only through `sweep()`). */
  intervalMs?: number;
  retryDelayMs?: number;
}
export const ORPHAN_TRANSFER_HOLD_SWEEP_OPTIONS = Symbol('ORPHAN_TRANSFER_HOLD_SWEEP_OPTIONS');

export const ORPHAN_TRANSFER_HOLD_SWEEP_CHECKPOINT = 'sweeping-orphan-transfer-holds';
export const DEFAULT_ORPHAN_TRANSFER_HOLD_GRACE_MS = 5 * 60 * 1000;
const ACTOR = 'system:sweeping-orphan-transfer-holds';

const MIGRATIONS = [
  {
    // Asset holds whose TransferInitiated has not been seen yet (normally for a few milliseconds). Keyed by asset too:
    // two executes of one estimate with different tokens can each hold (the loser releases its own at once).
    id: '001-transfer-holds-awaiting-initiation',
    sql: `CREATE TABLE IF NOT EXISTS transfer_holds_awaiting_initiation (
            transfer_id uuid NOT NULL,
            token_symbol text NOT NULL,
            user_id text NOT NULL,
            held_at timestamptz NOT NULL,
            PRIMARY KEY (transfer_id, token_symbol));
          CREATE INDEX IF NOT EXISTS transfer_holds_awaiting_initiation_held_idx ON transfer_holds_awaiting_initiation (held_at)`,
  },
];

export interface OrphanTransferSweepSummary {
  /** Holds past the grace period whose transfer was never initiated: abandoned (the hold is released by TransferStepsProcessManager). */
  abandoned: string[];
  /** Holds past the grace period whose transfer turned out to be initiated (the read lagged): forgotten. */
  completed: string[];
}

/**
 * Releases orphaned asset holds of ACH transfers (issue 5), as OrphanPayoutHoldSweep does for payouts. The API holds
 * the asset (`asset-balance-{user}-{SYMBOL}`, movement id = transfer id) before it appends TransferInitiated; a crash in
 * between leaves a hold with no transfer. This worker piece follows AssetHoldPlaced (every asset hold is a transfer's:
 * remember it) and TransferInitiated (forget it) from its own checkpoint; every `intervalMs` it takes the holds older
 * than the grace period and appends AbandonTransfer to their transfer stream. The decider only abandons an id that is
 * not initiated (empty stream or an unexecuted estimate) and the append carries the stream's expected revision, so it
 * races safely with a late execute: whichever is first wins, and an execute of an abandoned id is refused
 * (409 transfer_abandoned). TransferAbandoned then releases the hold (TransferStepsProcessManager).
 */
@Injectable()
export class OrphanTransferHoldSweep extends PeriodicSweepProcessManager {
  private readonly graceMs: number;

  constructor(
    private readonly commands: CommandProcessor,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() @Inject(ORPHAN_TRANSFER_HOLD_SWEEP_OPTIONS) options?: OrphanTransferHoldSweepOptions,
  ) {
    super(new Logger('SweepingOrphanTransferHolds'), {
      name: ORPHAN_TRANSFER_HOLD_SWEEP_CHECKPOINT,
      store,
      pool,
      filter: { streamPrefixes: ['asset-balance-', 'transfer-'], eventTypes: ['AssetHoldPlaced', 'TransferInitiated'] },
      retryDelayMs: options?.retryDelayMs ?? 1000,
      migrate: () => runMigrations(pool, 'orphan-transfer-holds', MIGRATIONS),
    }, options?.intervalMs ?? 30_000);
    this.graceMs = options?.graceMs ?? DEFAULT_ORPHAN_TRANSFER_HOLD_GRACE_MS;
  }

  async handle(recorded: RecordedEvent): Promise<void> {
    if (recorded.type === 'AssetHoldPlaced') {
      const event = { type: recorded.type, data: recorded.data } as unknown as Extract<AssetBalanceEvent, { type: 'AssetHoldPlaced' }>;
      await this.pool.query(
        `INSERT INTO transfer_holds_awaiting_initiation (transfer_id, token_symbol, user_id, held_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (transfer_id, token_symbol) DO NOTHING`,
        [event.data.movement_id, event.data.token_symbol, event.data.user_id, occurredAt(recorded)],
      );
    } else if (recorded.type === 'TransferInitiated') {
      const event = { type: recorded.type, data: recorded.data } as unknown as Extract<TransferEvent, { type: 'TransferInitiated' }>;
      // The initiated asset's hold now belongs to the transfer's steps; another asset's hold of the same id (a lost
      // race of one estimate) was released by its own request, and abandoning it would be refused anyway: forget both.
      await this.pool.query('DELETE FROM transfer_holds_awaiting_initiation WHERE transfer_id = $1', [event.data.transfer_id]);
    }
  }

  /** Abandons the transfer ids whose asset hold is older than the grace period at `now` and still not initiated. */
  async sweep(now: Date = this.commands.now()): Promise<OrphanTransferSweepSummary> {
    const summary: OrphanTransferSweepSummary = { abandoned: [], completed: [] };
    const { rows } = await this.pool.query<{ transfer_id: string; token_symbol: string; user_id: string }>(
      'SELECT transfer_id, token_symbol, user_id FROM transfer_holds_awaiting_initiation WHERE held_at < $1 ORDER BY held_at LIMIT 500',
      [new Date(now.getTime() - this.graceMs)],
    );
    for (const row of rows) {
      const result = await this.commands.execute(
        transferStreamId(row.transfer_id),
        transferDecider,
        {
          type: 'AbandonTransfer',
          data: {
            transfer_id: row.transfer_id,
            user_id: row.user_id,
            token_symbol: row.token_symbol,
            reason: { code: 'ORPHANED_HOLD', description: `the transfer request did not complete within ${Math.round(this.graceMs / 1000)} s` },
          },
          now: this.commands.now(),
        },
        { correlationId: `orphan-sweep:${row.transfer_id}`, actor: ACTOR, eventIdSeed: `sweep:abandon-transfer:${row.transfer_id}:${row.token_symbol}` },
      );
      const abandoned = result.state.status === 'ABANDONED' && result.state.abandoned?.token_symbols.includes(row.token_symbol);
      (abandoned ? summary.abandoned : summary.completed).push(row.transfer_id);
      await this.pool.query('DELETE FROM transfer_holds_awaiting_initiation WHERE transfer_id = $1 AND token_symbol = $2', [row.transfer_id, row.token_symbol]);
    }
    if (summary.abandoned.length > 0) this.logger.warn(`abandoned ${summary.abandoned.length} transfer id(s) with orphaned asset holds: ${summary.abandoned.join(', ')}`);
    return summary;
  }
}
