import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Allow, IsDefined, IsString, IsUUID } from 'class-validator';
import { assetBalanceDecider, assetBalanceStreamId, parseAssetAmount } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { OpsOnly, RequestContext } from '../../platform';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';
import { UserIdParam } from '../../shared/user-id-param.dto';
import { assetBalanceView, TransferSupport } from '../transfer-support';

export class CreditAssetRequest {
  @ApiProperty({ description: 'Caller-chosen id: the same credit id again credits nothing more (another amount: 409)' })
  @IsDefined()
  @IsUUID()
  credit_id!: string;

  @ApiProperty({ example: '0x0774164DC20524Bb239b39D1DC42573C3E4C6976' })
  @IsDefined()
  @IsString()
  token_address!: string;

  @ApiProperty({ description: 'Human-readable token amount, at most the token\'s decimals ("1000", "0.5")', oneOf: [{ type: 'string' }, { type: 'number' }] })
  @IsDefined()
  amount!: unknown;

  @ApiProperty({ required: false })
  @Allow()
  reference?: unknown;
}

/** Sandbox funding of a user's funding-asset balance (ops-scoped key). */
@ApiTags('ops')
@Controller('ops/users')
export class CreditAssetController {
  constructor(
    private readonly commands: CommandProcessor,
    private readonly support: TransferSupport,
  ) {}

  @Post(':user_id/asset-balances/credit')
  @HttpCode(200)
  @OpsOnly()
  @ApiOperation({ summary: "Credit a user's funding-asset balance (sandbox, ops-scoped key); idempotent by credit_id." })
  async credit(@Param() params: UserIdParam, @Body() body: CreditAssetRequest, @RequestContext() ctx: HttpRequestContext) {
    const asset = this.support.assets.require(body.token_address);
    const amount = parseAssetAmount(body.amount, asset.decimals);
    const reference = typeof body.reference === 'string' ? body.reference.slice(0, 140) : undefined;
    const context = commandContextFrom(ctx, 'asset-credit');
    const { state } = await this.commands.execute(
      assetBalanceStreamId(params.user_id, asset.symbol),
      assetBalanceDecider,
      { type: 'CreditAsset', data: { user_id: params.user_id, asset, credit_id: body.credit_id.toLowerCase(), amount, ...(reference !== undefined ? { reference } : {}) }, now: this.commands.now() },
      { ...context, actor: ctx.apiKeyId ? `ops:${ctx.apiKeyId}` : 'ops', eventIdSeed: `asset-credit:${params.user_id}:${body.credit_id.toLowerCase()}` },
    );
    return { credit_id: body.credit_id.toLowerCase(), user_id: params.user_id, ...assetBalanceView(asset, state.balance, state.held) };
  }
}
