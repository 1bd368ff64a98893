import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import { AccountMoneyEvent, remittanceDecider, RemittanceEvent, remittanceStreamId } from '@payments/domain';
import { CommandProcessor, EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { occurredAt, PG_POOL, runMigrations } from '@payments/read-models';
import { PeriodicSweepProcessManager } from '../submitting-ach-pulls/process-manager-checkpoints';

export interface OrphanRemittanceHoldSweepOptions {
  /** How long a REMITTANCE hold may wait for its RemittanceStarted before it is treated as orphaned (default 5 minutes). */
  graceMs?: number;
  /** How often the sweep runs (default 30 s; 0 = never by itself, only through `sweep()`). */
  intervalMs?: number;
  retryDelayMs?: number;
}
export const ORPHAN_REMITTANCE_HOLD_SWEEP_OPTIONS = Symbol('ORPHAN_REMITTANCE_HOLD_SWEEP_OPTIONS');

export const ORPHAN_REMITTANCE_HOLD_SWEEP_CHECKPOINT = 'sweeping-orphan-remittance-holds';
export const DEFAULT_ORPHAN_REMITTANCE_HOLD_GRACE_MS = 5 * 60 * 1000;
const ACTOR = 'system:sweeping-orphan-remittance-holds';

const MIGRATIONS = [
  {
    // REMITTANCE holds whose RemittanceStarted has not been seen yet (normally for a few milliseconds).
    id: '001-remittance-holds-awaiting-start',
    sql: `CREATE TABLE IF NOT EXISTS remittance_holds_awaiting_start (
            remittance_id uuid PRIMARY KEY,
            user_id text NOT NULL,
            held_at timestamptz NOT NULL);
          CREATE INDEX IF NOT EXISTS remittance_holds_awaiting_start_held_idx ON remittance_holds_awaiting_start (held_at)`,
  },
];

export interface OrphanRemittanceSweepSummary {
  /** Holds past the grace period whose remittance was never started: abandoned (the hold is released by SettlingRemittanceHolds). */
  abandoned: string[];
  /** Holds past the grace period whose remittance turned out to be started (the read lagged): forgotten. */
  completed: string[];
}

/**
 * Releases orphaned remittance holds, as OrphanPayoutHoldSweep does for payouts. The API holds the source amount
 * (`account-{user}-{currency}`, purpose REMITTANCE, movement id = remittance id = quote id) before it appends
 * RemittanceStarted; a crash in between, with no retry, leaves a hold with no started remittance. This worker piece
 * follows AccountHoldPlaced (purpose REMITTANCE: remember the hold) and RemittanceStarted (forget it) from its own
 * checkpoint; every `intervalMs` it takes the holds older than the grace period and appends AbandonRemittance to their
 * remittance stream. The decider abandons only a remittance that is still QUOTED and the append carries the stream's
 * expected revision, so it races safely with a late start: whichever is first wins, and a start of an abandoned quote
 * is refused (409 remittance_abandoned). RemittanceAbandoned then releases the hold (RemittanceAccountHoldsProcessManager).
 */
@Injectable()
export class OrphanRemittanceHoldSweep extends PeriodicSweepProcessManager {
  private readonly graceMs: number;

  constructor(
    private readonly commands: CommandProcessor,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() @Inject(ORPHAN_REMITTANCE_HOLD_SWEEP_OPTIONS) options?: OrphanRemittanceHoldSweepOptions,
  ) {
    super(new Logger('SweepingOrphanRemittanceHolds'), {
      name: ORPHAN_REMITTANCE_HOLD_SWEEP_CHECKPOINT,
      store,
      pool,
      filter: { streamPrefixes: ['account-', 'remittance-'], eventTypes: ['AccountHoldPlaced', 'RemittanceStarted'] },
      retryDelayMs: options?.retryDelayMs ?? 1000,
      migrate: () => runMigrations(pool, 'orphan-remittance-holds', MIGRATIONS),
    }, options?.intervalMs ?? 30_000);
    this.graceMs = options?.graceMs ?? DEFAULT_ORPHAN_REMITTANCE_HOLD_GRACE_MS;
  }

  async handle(recorded: RecordedEvent): Promise<void> {
    if (recorded.type === 'AccountHoldPlaced') {
      const event = { type: recorded.type, data: recorded.data } as unknown as Extract<AccountMoneyEvent, { type: 'AccountHoldPlaced' }>;
      if (event.data.purpose !== 'REMITTANCE') return;
      await this.pool.query(
        `INSERT INTO remittance_holds_awaiting_start (remittance_id, user_id, held_at) VALUES ($1, $2, $3) ON CONFLICT (remittance_id) DO NOTHING`,
        [event.data.movement_id, event.data.user_id, occurredAt(recorded)],
      );
    } else if (recorded.type === 'RemittanceStarted') {
      const event = { type: recorded.type, data: recorded.data } as unknown as Extract<RemittanceEvent, { type: 'RemittanceStarted' }>;
      await this.pool.query('DELETE FROM remittance_holds_awaiting_start WHERE remittance_id = $1', [event.data.remittance_id]);
    }
  }

  /** Abandons the remittances whose hold is older than the grace period at `now` and still not started. */
  async sweep(now: Date = this.commands.now()): Promise<OrphanRemittanceSweepSummary> {
    const summary: OrphanRemittanceSweepSummary = { abandoned: [], completed: [] };
    const { rows } = await this.pool.query<{ remittance_id: string; user_id: string }>(
      'SELECT remittance_id, user_id FROM remittance_holds_awaiting_start WHERE held_at < $1 ORDER BY held_at LIMIT 500',
      [new Date(now.getTime() - this.graceMs)],
    );
    for (const row of rows) {
      const result = await this.commands.execute(
        remittanceStreamId(row.remittance_id),
        remittanceDecider,
        {
          type: 'AbandonRemittance',
          data: {
            remittance_id: row.remittance_id,
            user_id: row.user_id,
            reason: { code: 'ORPHANED_HOLD', description: `the remittance start did not complete within ${Math.round(this.graceMs / 1000)} s` },
          },
          now: this.commands.now(),
        },
        { correlationId: `orphan-sweep:${row.remittance_id}`, actor: ACTOR, eventIdSeed: `sweep:abandon-remittance:${row.remittance_id}` },
      );
      const abandoned = result.state.status !== 'NONE' && result.state.abandonedAt !== undefined;
      (abandoned ? summary.abandoned : summary.completed).push(row.remittance_id);
      await this.pool.query('DELETE FROM remittance_holds_awaiting_start WHERE remittance_id = $1', [row.remittance_id]);
    }
    if (summary.abandoned.length > 0) this.logger.warn(`abandoned ${summary.abandoned.length} remittance(s) with orphaned holds: ${summary.abandoned.join(', ')}`);
    return summary;
  }
}
