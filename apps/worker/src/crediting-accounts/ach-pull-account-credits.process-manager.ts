import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import {
  AccountCommand,
  accountDecider,
  accountStreamId,
  AchPullEvent,
  achPullDecider,
  customerDecider,
  customerFacts,
  customerStreamId,
  DomainError,
  Money,
  parseMinorString,
} from '@payments/domain';
import { CommandContext, CommandProcessor, deterministicUuid, EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { PG_POOL } from '@payments/read-models';
import { CheckpointedProcessManager } from '../submitting-ach-pulls/process-manager-checkpoints';

export interface AchPullAccountCreditsOptions {
  /** Wait before resubscribing from the checkpoint after a failed event (default 1000 ms). */
  retryDelayMs?: number;
}
export const ACH_PULL_ACCOUNT_CREDITS_OPTIONS = Symbol('ACH_PULL_ACCOUNT_CREDITS_OPTIONS');

/** Its row in process_manager_checkpoints. */
export const ACH_PULL_ACCOUNT_CREDITS_CHECKPOINT = 'crediting-accounts-from-ach-pulls';
const ACTOR = 'system:crediting-accounts';
const HANDLED_EVENT_TYPES: AchPullEvent['type'][] = ['AchPullSubmitted', 'AchPullSettled', 'AchPullFailed', 'AchPullCancelled', 'AchPullReturned'];
type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;
/** Users whose USD account is known to be open, at most (oldest forgotten first; forgetting costs one read). */
const MAX_REMEMBERED_ACCOUNTS = 100_000;

/**
 * The process manager between ACH pulls and the user's USD account (ARCHITECTURE §5, cross-aggregate flows). It follows
 * `ach-pull-` streams from its checkpoint and turns each money step of a pull into an Account command, keyed by the
 * pull id:
 * - AchPullSubmitted -> RecordPendingCredit (pending rises);
 * - AchPullSettled -> PostCredit (posted and available rise);
 * - AchPullFailed / AchPullCancelled -> ReversePendingCredit (nothing to reverse when the pull never reached the
 *   provider);
 * - AchPullReturned -> ReverseCredit (posted falls, below zero if the money was spent: flagged on the account).
 * When the user has no USD account yet, it is opened first (checking; the id is the one POST /user/accounts gives).
 * Safe under redelivery and crashes between steps: opening is create-or-ensure, every account command is a no-op when
 * repeated for the same pull, and event ids are seeded from the pull event, so a repeat dedupes at the store too.
 */
@Injectable()
export class AchPullAccountCreditsProcessManager extends CheckpointedProcessManager {
  private readonly openAccounts = new Set<string>();

  constructor(
    private readonly commands: CommandProcessor,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) pool: Pool,
    @Optional() @Inject(ACH_PULL_ACCOUNT_CREDITS_OPTIONS) options?: AchPullAccountCreditsOptions,
  ) {
    super(new Logger('CreditingAccounts'), {
      name: ACH_PULL_ACCOUNT_CREDITS_CHECKPOINT,
      store,
      pool,
      filter: { streamPrefixes: ['ach-pull-'], eventTypes: HANDLED_EVENT_TYPES },
      retryDelayMs: options?.retryDelayMs ?? 1000,
      migrate: async () => undefined,
    });
  }

  /**
   * Handles one event of an `ach-pull-` stream (idempotent). Throws when it should be retried later. A DomainError
   * (the account's history contradicts the step, e.g. a settlement after the pending credit was reversed) can never
   * succeed on retry: it is logged for ops and the event is passed.
   */
  async handle(recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as unknown as AchPullEvent;
    try {
      switch (event.type) {
        case 'AchPullSubmitted': {
          const amount = await this.pullAmount(recorded);
          await this.ensureAccount(event.data.user_id, recorded);
          await this.execute(recorded, event.data.user_id, { type: 'RecordPendingCredit', data: { movement_id: event.data.pull_id, source: 'ACH_PULL', amount } });
          return;
        }
        case 'AchPullSettled':
          await this.ensureAccount(event.data.user_id, recorded);
          await this.execute(recorded, event.data.user_id, {
            type: 'PostCredit',
            data: { movement_id: event.data.pull_id, source: 'ACH_PULL', amount: usd(event.data.amount_minor) },
          });
          return;
        case 'AchPullFailed':
        case 'AchPullCancelled': {
          // No account means no pending credit was ever recorded: nothing to reverse.
          if (!(await this.accountIsOpen(event.data.user_id))) return;
          const reason =
            event.type === 'AchPullFailed' ? event.data.reason : { code: 'CANCELLED', description: 'the pull was cancelled before it settled' };
          await this.execute(recorded, event.data.user_id, {
            type: 'ReversePendingCredit',
            data: { movement_id: event.data.pull_id, outcome: event.type === 'AchPullFailed' ? 'FAILED' : 'CANCELLED', reason },
          });
          return;
        }
        case 'AchPullReturned':
          await this.ensureAccount(event.data.user_id, recorded);
          await this.execute(recorded, event.data.user_id, {
            type: 'ReverseCredit',
            data: {
              movement_id: event.data.pull_id,
              source: 'ACH_PULL',
              amount: usd(event.data.amount_minor),
              reason: { code: event.data.ach_return_code, description: event.data.description },
            },
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

  private async pullAmount(recorded: RecordedEvent): Promise<Money> {
    const { state } = await this.commands.load(recorded.streamId, achPullDecider);
    if (state.status === 'NONE') throw new Error(`${recorded.streamId} has no AchPullRequested`);
    return usd(state.request.amount_minor);
  }

  /**
   * Whether the user's USD account is open. Accounts are never closed, so an account once seen open is remembered:
   * reading (and folding) a busy account's whole stream for every pull event would make crediting slower the more
   * the account is used.
   */
  private async accountIsOpen(userId: string): Promise<boolean> {
    if (this.openAccounts.has(userId)) return true;
    const open = (await this.commands.load(accountStreamId(userId, 'USD'), accountDecider)).state.status === 'OPEN';
    if (open) this.rememberOpen(userId);
    return open;
  }

  private rememberOpen(userId: string): void {
    if (this.openAccounts.size >= MAX_REMEMBERED_ACCOUNTS) this.openAccounts.delete(this.openAccounts.values().next().value as string);
    this.openAccounts.add(userId);
  }

  /** Opens the user's USD account when there is none (create-or-ensure; a concurrent opening of any type is fine). */
  private async ensureAccount(userId: string, cause: RecordedEvent): Promise<void> {
    if (await this.accountIsOpen(userId)) return;
    const customer = customerFacts((await this.commands.load(customerStreamId(userId), customerDecider)).state);
    try {
      await this.commands.execute(
        accountStreamId(userId, 'USD'),
        accountDecider,
        {
          type: 'OpenAccount',
          data: { account_id: deterministicUuid(`account:${userId}:USD`), user_id: userId, currency: 'USD', account_type: 'checking', customer },
          now: this.commands.now(),
        },
        this.context(cause, `pm:open-account:${userId}:USD`),
      );
    } catch (error) {
      // The user opened their USD account (another type) meanwhile: it is the account to credit.
      if (!(error instanceof DomainError) || error.reason !== 'ErrorAlreadyExists') throw error;
    }
  }

  private async execute(cause: RecordedEvent, userId: string, command: WithoutNow<AccountCommand>): Promise<void> {
    await this.commands.execute(
      accountStreamId(userId, 'USD'),
      accountDecider,
      { ...command, now: this.commands.now() } as AccountCommand,
      this.context(cause, `pm:account-credit:${cause.id}`),
    );
  }

  private context(cause: RecordedEvent, eventIdSeed: string): CommandContext {
    return { correlationId: cause.metadata.correlation_id, causationId: cause.id, actor: ACTOR, eventIdSeed };
  }
}

const usd = (amountMinor: string): Money => ({ amountMinor: parseMinorString(amountMinor), currency: 'USD' });
