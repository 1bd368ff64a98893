import { Body, Controller, HttpCode, Inject, Post } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AppConfig, InjectConfig } from '@payments/config';
import { FxRatePort, parseEstimateTransferRequest, quoteAsset, toJsonMajorAmount, transferDecider, transferStreamId } from '@payments/domain';
import { CommandProcessor, deterministicUuid, newUuid } from '@payments/event-store';
import { FX_RATES } from '@payments/providers/nest/provider-tokens';
import { RequestContext, UserId } from '../../platform';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';
import { EstimateTransferRequest } from '../transfer-request.dto';
import { achAccountIdFor, estimatedAmountView, TransferSupport } from '../transfer-support';

/**
 * POST /api/v2/bank/transfer/estimate: validates (the seed's table), checks the capability, quotes every asset (or the
 * `tokens` asked for) through the FX port, and appends TransferEstimated on `transfer-{estimation_id}` with the quotes
 * AND the FX quotes they came from, so a replay reproduces the amounts whatever the rate table says later.
 */
@ApiTags('transfers')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('api/v2/bank/transfer/estimate')
export class EstimateTransferController {
  constructor(
    private readonly commands: CommandProcessor,
    private readonly support: TransferSupport,
    @Inject(FX_RATES) private readonly fx: FxRatePort,
    @InjectConfig() private readonly config: AppConfig,
  ) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Estimate the token amount a USD ACH transfer costs, per funding asset (exact precise_amount, rounded up).' })
  async estimate(@UserId() userId: string, @Body() body: EstimateTransferRequest, @RequestContext() ctx: HttpRequestContext) {
    const request = parseEstimateTransferRequest(body as Record<string, unknown>, achAccountIdFor(userId), this.support.assets);
    await this.support.requireCapability(userId, request.recipient);
    const context = commandContextFrom(ctx, 'transfer-estimate');
    const estimationId = context.eventIdSeed ? deterministicUuid(`${context.eventIdSeed}:estimation-id`) : newUuid();
    const quotes = await Promise.all(request.assets.map(async (asset) => quoteAsset(request.amount_minor, asset, await this.fx.quote('USD', asset.peggedTo))));
    const now = this.commands.now();
    const expiresAt = new Date(Math.floor(now.getTime() / 1000) * 1000 + (this.config.transferEstimateTtlSeconds ?? 300) * 1000);
    const { state } = await this.commands.execute(
      transferStreamId(estimationId),
      transferDecider,
      {
        type: 'EstimateTransfer',
        data: {
          estimation_id: estimationId,
          user_id: userId,
          account_id: request.account_id,
          amount_minor: request.amount_minor.toString(),
          currency: 'USD',
          ...this.support.seal(estimationId, request),
          estimated_amounts: quotes,
          expires_at: expiresAt.toISOString(),
        },
        now,
      },
      context,
    );
    const estimate = state.status === 'NONE' ? undefined : state.estimate;
    if (!estimate) throw new Error(`estimate ${estimationId} not recorded`);
    return {
      id: estimationId,
      expires_at: Math.floor(new Date(estimate.expires_at).getTime() / 1000),
      amount: toJsonMajorAmount(BigInt(estimate.amount_minor), 'USD'),
      currency: 'USD',
      estimated_amounts: estimate.estimated_amounts.map(estimatedAmountView),
    };
  }
}
