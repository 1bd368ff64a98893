import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AssetQuote,
  assetBalanceDecider,
  assetBalanceStreamId,
  DomainError,
  FxRatePort,
  parseExecuteTransferRequest,
  quoteAsset,
  TransferCommand,
  transferDecider,
  transferStreamId,
} from '@payments/domain';
import { CommandContext, CommandProcessor, deterministicUuid, newUuid } from '@payments/event-store';
import { FX_RATES } from '@payments/providers/nest/provider-tokens';
import { RequestContext, UserId } from '../../platform';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';
import { ExecuteTransferRequest } from '../transfer-request.dto';
import { achAccountIdFor, TransferSupport } from '../transfer-support';

/**
 * POST /api/v1/bank/transfer. Every refusal happens before anything is appended: validation (the seed's table), the
 * capability, the estimate's rules (decided dry on the loaded stream: unknown, used, expired, another account, a token
 * not quoted), then the asset hold on `asset-balance-{user}-{SYMBOL}` (the consistency boundary: insufficient balance
 * → 422 with nothing held), and only then TransferInitiated. Should TransferInitiated lose a race (the same estimate
 * executed concurrently), the hold is released and the loser gets the estimate's error.
 */
@ApiTags('transfers')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('api/v1/bank/transfer')
export class ExecuteTransferController {
  constructor(
    private readonly commands: CommandProcessor,
    private readonly support: TransferSupport,
    @Inject(FX_RATES) private readonly fx: FxRatePort,
  ) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Execute an ACH transfer from a funding asset, with an estimation_id or a USD amount; returns the activity id.' })
  async execute(@UserId() userId: string, @Body() body: ExecuteTransferRequest, @RequestContext() ctx: HttpRequestContext): Promise<{ id: string }> {
    const request = parseExecuteTransferRequest(body as Record<string, unknown>, achAccountIdFor(userId), this.support.assets);
    await this.support.requireCapability(userId, request.recipient);
    const context = commandContextFrom(ctx, 'transfer-execute');
    const now = this.commands.now();
    let transferId: string;
    let command: TransferCommand;
    if (request.estimation_id !== undefined) {
      transferId = request.estimation_id;
      command = {
        type: 'ExecuteTransfer',
        data: { transfer_id: transferId, user_id: userId, estimation_id: transferId, token_address: request.asset.address, fingerprint: this.support.fingerprint(request) },
        now,
      };
    } else {
      transferId = context.eventIdSeed ? deterministicUuid(`${context.eventIdSeed}:transfer-id`) : newUuid();
      const quote = quoteAsset(request.amount_minor!, request.asset, await this.fx.quote('USD', request.asset.peggedTo));
      command = {
        type: 'ExecuteTransfer',
        data: {
          transfer_id: transferId,
          user_id: userId,
          token_address: request.asset.address,
          fingerprint: this.support.fingerprint(request),
          fresh: { account_id: request.account_id, amount_minor: request.amount_minor!.toString(), currency: 'USD', quote, ...this.support.seal(transferId, request) },
        },
        now,
      };
    }
    // Dry run on the current stream: every estimate rule refuses here, before the hold.
    const { state } = await this.commands.load(transferStreamId(transferId), transferDecider);
    const decided = transferDecider.decide(command, state);
    const initiated = decided.find((e) => e.type === 'TransferInitiated');
    if (!initiated) {
      // The same request again (fresh id from the same Idempotency-Key): already initiated.
      return { id: transferId };
    }
    const quote: AssetQuote = initiated.data.quote;
    await this.hold(userId, transferId, request.asset, BigInt(quote.precise_amount), context);
    try {
      await this.commands.execute(transferStreamId(transferId), transferDecider, command, context);
    } catch (error) {
      if (error instanceof DomainError) await this.release(userId, transferId, request.asset.symbol, error, context);
      throw error;
    }
    return { id: transferId };
  }

  private seeded(context: CommandContext, suffix: string): CommandContext {
    return { ...context, ...(context.eventIdSeed ? { eventIdSeed: `${context.eventIdSeed}:${suffix}` } : {}) };
  }

  private async hold(userId: string, transferId: string, asset: Parameters<TransferSupport['balanceOf']>[1], amount: bigint, context: CommandContext): Promise<void> {
    await this.commands.execute(
      assetBalanceStreamId(userId, asset.symbol),
      assetBalanceDecider,
      { type: 'PlaceAssetHold', data: { user_id: userId, asset, movement_id: transferId, amount }, now: this.commands.now() },
      this.seeded(context, 'asset-hold'),
    );
  }

  private async release(userId: string, transferId: string, symbol: string, cause: DomainError, context: CommandContext): Promise<void> {
    // A concurrent execute of the same estimate won with this very asset: the hold (same movement id) is its own.
    const { state } = await this.commands.load(transferStreamId(transferId), transferDecider);
    if (state.status !== 'NONE' && state.initiated?.quote.token_symbol === symbol) return;
    await this.commands
      .execute(
        assetBalanceStreamId(userId, symbol),
        assetBalanceDecider,
        { type: 'ReleaseAssetHold', data: { movement_id: transferId, reason: { code: cause.reason, description: cause.description } }, now: this.commands.now() },
        this.seeded(context, 'asset-release'),
      )
      .catch(() => undefined);
  }
}
