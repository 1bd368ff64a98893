import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import { AccountCurrency, AccountMoneyEvent, payoutDecider, PayoutEvent, payoutStreamId } from '@payments/domain';
import { CommandProcessor, EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { occurredAt, PG_POOL, runMigrations } from '@payments/read-models';
import { PeriodicSweepProcessManager } from '../submitting-ach-pulls/process-manager-checkpoints';

export interface OrphanPayoutHoldSweepOptions {
  /** How long a PAYOUT hold may wait for its PayoutRequested before it is treated as orphaned (default 5 minutes). */
  graceMs?: number;
  /** How often the sweep runs (default 30 s; 0 = never by itself, only through `sweep()`). */
  intervalMs?: number;
  retryDelayMs?: number;
}
export const ORPHAN_PAYOUT_HOLD_SWEEP_OPTIONS = Symbol('ORPHAN_PAYOUT_HOLD_SWEEP_OPTIONS');

export const ORPHAN_PAYOUT_HOLD_SWEEP_CHECKPOINT = 'sweeping-orphan-payout-holds';
export const DEFAULT_ORPHAN_HOLD_GRACE_MS = 5 * 60 * 1000;
const ACTOR = 'system:sweeping-orphan-payout-holds';

const MIGRATIONS = [
  {
    // PAYOUT holds whose PayoutRequested has not been seen yet (normally for a few milliseconds).
    id: '001-payout-holds-awaiting-request',
    sql: `CREATE TABLE IF NOT EXISTS payout_holds_awaiting_request (
            payout_id uuid PRIMARY KEY,
            user_id text NOT NULL,
            currency text NOT NULL,
            held_at timestamptz NOT NULL);
          CREATE INDEX IF NOT EXISTS payout_holds_awaiting_request_held_idx ON payout_holds_awaiting_request (held_at)`,
  },
];

export interface OrphanSweepSummary {
  /** Holds past the grace period that had no payout: abandoned (their hold is released by the account process manager). */
  abandoned: string[];
  /** Holds past the grace period whose payout turned out to exist (the read lagged): forgotten. */
  completed: string[];
}

/**
 * Releases orphaned payout holds. The API holds the funds before it appends PayoutRequested; a crash in between
 * leaves a hold with no payout. This worker piece follows `account-` AccountHoldPlaced (purpose PAYOUT: remember the
 * hold) and `payout-` PayoutRequested (forget it) from its own checkpoint; every `intervalMs` it takes the holds older
 * than the grace period and appends AbandonPayout to their payout stream. That append expects an EMPTY stream, so it
 * races safely with a late request: whichever is first wins, and a request for an abandoned id is refused
 * (payout_abandoned). PayoutAbandoned then releases the hold (PayoutAccountHoldsProcessManager).
 */
@Injectable()
export class OrphanPayoutHoldSweep extends PeriodicSweepProcessManager {
  private readonly graceMs: number;

  constructor(
    private readonly commands: CommandProcessor,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Optional() @Inject(ORPHAN_PAYOUT_HOLD_SWEEP_OPTIONS) options?: OrphanPayoutHoldSweepOptions,
  ) {
    super(new Logger('SweepingOrphanPayoutHolds'), {
      name: ORPHAN_PAYOUT_HOLD_SWEEP_CHECKPOINT,
      store,
      pool,
      filter: { streamPrefixes: ['account-', 'payout-'], eventTypes: ['AccountHoldPlaced', 'PayoutRequested'] },
      retryDelayMs: options?.retryDelayMs ?? 1000,
      migrate: () => runMigrations(pool, 'orphan-payout-holds', MIGRATIONS),
    }, options?.intervalMs ?? 30_000);
    this.graceMs = options?.graceMs ?? DEFAULT_ORPHAN_HOLD_GRACE_MS;
  }

  async handle(recorded: RecordedEvent): Promise<void> {
    if (recorded.type === 'AccountHoldPlaced') {
      const event = { type: recorded.type, data: recorded.data } as unknown as Extract<AccountMoneyEvent, { type: 'AccountHoldPlaced' }>;
      if (event.data.purpose !== 'PAYOUT') return;
      await this.pool.query(
        `INSERT INTO payout_holds_awaiting_request (payout_id, user_id, currency, held_at) VALUES ($1, $2, $3, $4) ON CONFLICT (payout_id) DO NOTHING`,
        [event.data.movement_id, event.data.user_id, event.data.currency, occurredAt(recorded)],
      );
    } else if (recorded.type === 'PayoutRequested') {
      const event = { type: recorded.type, data: recorded.data } as unknown as Extract<PayoutEvent, { type: 'PayoutRequested' }>;
      await this.pool.query('DELETE FROM payout_holds_awaiting_request WHERE payout_id = $1', [event.data.payout_id]);
    }
  }

  /** Abandons the payout ids whose hold is older than the grace period at `now` and still has no request. */
  async sweep(now: Date = this.commands.now()): Promise<OrphanSweepSummary> {
    const summary: OrphanSweepSummary = { abandoned: [], completed: [] };
    const { rows } = await this.pool.query<{ payout_id: string; user_id: string; currency: AccountCurrency }>(
      'SELECT payout_id, user_id, currency FROM payout_holds_awaiting_request WHERE held_at < $1 ORDER BY held_at LIMIT 500',
      [new Date(now.getTime() - this.graceMs)],
    );
    for (const row of rows) {
      const result = await this.commands.execute(
        payoutStreamId(row.payout_id),
        payoutDecider,
        {
          type: 'AbandonPayout',
          data: {
            payout_id: row.payout_id,
            user_id: row.user_id,
            currency: row.currency,
            reason: { code: 'ORPHANED_HOLD', description: `the payout request did not complete within ${Math.round(this.graceMs / 1000)} s` },
          },
          now: this.commands.now(),
        },
        { correlationId: `orphan-sweep:${row.payout_id}`, actor: ACTOR, eventIdSeed: `sweep:abandon-payout:${row.payout_id}` },
      );
      (result.state.status === 'ABANDONED' ? summary.abandoned : summary.completed).push(row.payout_id);
      await this.pool.query('DELETE FROM payout_holds_awaiting_request WHERE payout_id = $1', [row.payout_id]);
    }
    if (summary.abandoned.length > 0) this.logger.warn(`abandoned ${summary.abandoned.length} payout id(s) with orphaned holds: ${summary.abandoned.join(', ')}`);
    return summary;
  }
}
