import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Pool } from 'pg';
import {
  AssetBalanceCommand,
  assetBalanceDecider,
  assetBalanceStreamId,
  DomainError,
  recipientDisplayName,
  TransferCommand,
  transferDecider,
  TransferEvent,
  TransferInitiatedData,
} from '@payments/domain';
import { CommandContext, CommandProcessor, EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { PG_POOL, migrateProviderTransfers, recordProviderTransfer, runMigrations } from '@payments/read-models';
import { FieldCipher } from '@payments/security';
import { ProviderError } from '@payments/providers';
import { FIELD_CIPHER, PLAID_BANK_TRANSFERS } from '@payments/providers/nest/provider-tokens';
import { CheckpointedProcessManager } from '../submitting-ach-pulls/process-manager-checkpoints';
import { AchPayoutProvider, PLAID_PROVIDER } from '../submitting-payouts/payout-submission.process-manager';

export interface TransferStepsOptions {
  retryDelayMs?: number;
}
export const TRANSFER_STEPS_OPTIONS = Symbol('TRANSFER_STEPS_OPTIONS');

export const TRANSFER_STEPS_CHECKPOINT = 'executing-transfers';
const ACTOR = 'system:executing-transfers';
/** At most 10 characters: it appears on the recipient's bank statement. */
const STATEMENT_DESCRIPTION = 'TRANSFER';
const HANDLED: TransferEvent['type'][] = ['TransferInitiated', 'TransferCryptoOut', 'TransferFailed', 'TransferAbandoned'];
type WithoutNow<C> = C extends unknown ? Omit<C, 'now'> : never;

const MIGRATIONS = [
  {
    // The provider account a transfer credits (from /bank_transfer/migrate_account), kept so a retry sends the same request.
    id: '001-transfer-ach-destinations',
    sql: `CREATE TABLE IF NOT EXISTS transfer_ach_destinations (
            transfer_id uuid PRIMARY KEY,
            access_token_encrypted text NOT NULL,
            account_id text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now())`,
  },
];

/**
 * The steps of an ACH bank transfer (issue 5), after the API held the asset and appended TransferInitiated:
 * - TransferInitiated → CaptureAssetHold on `asset-balance-{user}-{SYMBOL}` → TransferCryptoOut;
 * - TransferCryptoOut → the provider's USD ACH `credit` to the recipient's account (Plaid bank transfer, account made
 *   addressable through /bank_transfer/migrate_account, idempotency key = transfer id), provider transfer → transfer
 *   recorded for the webhook translator (kind `transfer`), then TransferBankOutSubmitted; a refusal fails the transfer;
 * - TransferFailed → the asset goes back: ReverseAssetDebit when it was captured, else ReleaseAssetHold;
 * - TransferAbandoned (the orphan-hold sweep, OrphanTransferHoldSweep) → ReleaseAssetHold of the abandoned asset.
 * The provider's POSTED / FAILED / CANCELLED / REVERSED events become CompleteTransfer / FailTransfer in the translator.
 * Every step is idempotent (seeded event ids, provider idempotency key, ON CONFLICT DO NOTHING).
 */
@Injectable()
export class TransferStepsProcessManager extends CheckpointedProcessManager {
  constructor(
    private readonly commands: CommandProcessor,
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PLAID_BANK_TRANSFERS) private readonly bankTransfers: AchPayoutProvider,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Optional() @Inject(TRANSFER_STEPS_OPTIONS) options?: TransferStepsOptions,
  ) {
    super(new Logger('ExecutingTransfers'), {
      name: TRANSFER_STEPS_CHECKPOINT,
      store,
      pool,
      filter: { streamPrefixes: ['transfer-'], eventTypes: HANDLED },
      retryDelayMs: options?.retryDelayMs ?? 1000,
      migrate: async () => {
        await migrateProviderTransfers(pool);
        await runMigrations(pool, 'executing-transfers', MIGRATIONS);
      },
    });
  }

  async handle(recorded: RecordedEvent): Promise<void> {
    try {
      if (recorded.type === 'TransferAbandoned') {
        await this.releaseAbandoned(recorded);
        return;
      }
      const { state } = await this.commands.load(recorded.streamId, transferDecider);
      if (state.status === 'NONE' || !state.initiated) return;
      const transfer = state.initiated;
      switch (recorded.type) {
        case 'TransferInitiated':
          if (state.status !== 'INITIATED') return;
          await this.asset(recorded, transfer, { type: 'CaptureAssetHold', data: { movement_id: transfer.transfer_id } });
          await this.transfer(recorded, transfer, { type: 'RecordCryptoOut', data: {} });
          return;
        case 'TransferCryptoOut':
          if (state.status !== 'CRYPTO_OUT') return;
          await this.sendBankOut(recorded, transfer);
          return;
        case 'TransferFailed': {
          const reason = state.failed?.reason ?? { code: 'FAILED', description: 'the transfer failed' };
          await this.asset(
            recorded,
            transfer,
            state.failed?.crypto_out ? { type: 'ReverseAssetDebit', data: { movement_id: transfer.transfer_id, reason } } : { type: 'ReleaseAssetHold', data: { movement_id: transfer.transfer_id, reason } },
          );
          return;
        }
        default:
          return;
      }
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      this.logger.error(`${recorded.type} ${recorded.id} on ${recorded.streamId} cannot be applied (${error.reason}): ${error.description}`);
    }
  }

  /** An orphaned hold: the id was never initiated, so nothing else will ever capture or release it. */
  private async releaseAbandoned(recorded: RecordedEvent): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as unknown as Extract<TransferEvent, { type: 'TransferAbandoned' }>;
    const { transfer_id, user_id, token_symbol, reason } = event.data;
    await this.commands.execute(
      assetBalanceStreamId(user_id, token_symbol),
      assetBalanceDecider,
      { type: 'ReleaseAssetHold', data: { movement_id: transfer_id, reason }, now: this.commands.now() },
      this.context(recorded, 'ReleaseAssetHold'),
    );
  }

  private async sendBankOut(cause: RecordedEvent, transfer: TransferInitiatedData): Promise<void> {
    let providerTransferId: string;
    try {
      const destination = await this.achDestination(transfer);
      const created = await this.bankTransfers.createTransfer({
        idempotencyKey: transfer.transfer_id,
        accessToken: destination.accessToken,
        accountId: destination.accountId,
        type: 'credit',
        network: 'ach',
        amountMinor: BigInt(transfer.amount_minor),
        currency: 'USD',
        description: STATEMENT_DESCRIPTION,
        achClass: transfer.recipient.company_name !== undefined ? 'ccd' : 'ppd',
        legalName: recipientDisplayName(transfer.recipient),
        customTag: transfer.transfer_id,
        metadata: { transfer_id: transfer.transfer_id, ...(transfer.reference !== undefined ? { reference: transfer.reference } : {}) },
      });
      providerTransferId = created.id;
    } catch (error) {
      if (!(error instanceof ProviderError) || error.retryable) throw error;
      this.logger.warn(`provider refused transfer ${transfer.transfer_id}: ${error.code}`);
      await this.transfer(cause, transfer, { type: 'FailTransfer', data: { reason: { code: error.code, description: error.displayMessage ?? error.message } } });
      return;
    }
    await recordProviderTransfer(this.pool, PLAID_PROVIDER, providerTransferId, { kind: 'transfer', aggregateId: transfer.transfer_id, streamId: cause.streamId });
    await this.transfer(cause, transfer, { type: 'RecordBankOutSubmitted', data: { provider: PLAID_PROVIDER, provider_transfer_id: providerTransferId } });
  }

  /** The recipient's provider account for this transfer: migrated once (numbers decrypted only here), then read back. */
  private async achDestination(transfer: TransferInitiatedData): Promise<{ accessToken: string; accountId: string }> {
    const context = `transfer-ach-destination:${transfer.transfer_id}`;
    const read = async () => {
      const { rows } = await this.pool.query<{ access_token_encrypted: string; account_id: string }>(
        'SELECT access_token_encrypted, account_id FROM transfer_ach_destinations WHERE transfer_id = $1',
        [transfer.transfer_id],
      );
      return rows[0] ? { accessToken: this.cipher.decrypt(rows[0].access_token_encrypted, context), accountId: rows[0].account_id } : undefined;
    };
    const known = await read();
    if (known) return known;
    // Sealed under the id of the stream that received the details: the estimate's (= this transfer's) or the fresh transfer's.
    const sealId = transfer.estimation_id ?? transfer.transfer_id;
    const migrated = await this.bankTransfers.migrateAccount({
      accountNumber: this.cipher.decrypt(transfer.recipient_account.account_number.ciphertext, `transfer:${sealId}:account_number`),
      routingNumber: this.cipher.decrypt(transfer.recipient_account.routing_number.ciphertext, `transfer:${sealId}:routing_number`),
      accountType: 'checking',
    });
    await this.pool.query(
      'INSERT INTO transfer_ach_destinations (transfer_id, access_token_encrypted, account_id) VALUES ($1, $2, $3) ON CONFLICT (transfer_id) DO NOTHING',
      [transfer.transfer_id, this.cipher.encrypt(migrated.accessToken, context), migrated.accountId],
    );
    return (await read()) ?? migrated;
  }

  private context(cause: RecordedEvent, what: string): CommandContext {
    return { correlationId: cause.metadata.correlation_id, causationId: cause.id, actor: ACTOR, eventIdSeed: `pm:transfer-${what}:${cause.id}` };
  }

  private async asset(cause: RecordedEvent, transfer: TransferInitiatedData, command: WithoutNow<AssetBalanceCommand>): Promise<void> {
    await this.commands.execute(
      assetBalanceStreamId(transfer.user_id, transfer.quote.token_symbol),
      assetBalanceDecider,
      { ...command, now: this.commands.now() } as AssetBalanceCommand,
      this.context(cause, command.type),
    );
  }

  private async transfer(cause: RecordedEvent, _transfer: TransferInitiatedData, command: WithoutNow<TransferCommand>): Promise<void> {
    await this.commands.execute(cause.streamId, transferDecider, { ...command, now: this.commands.now() } as TransferCommand, this.context(cause, command.type));
  }
}
