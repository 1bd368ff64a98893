import { Controller, Get } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { UserId } from '../../platform';
import { achAccountIdFor, assetBalanceView, TransferSupport } from '../transfer-support';

@ApiTags('transfers')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('api/v2/balances')
export class GetBalancesController {
  constructor(private readonly support: TransferSupport) {}

  @Get()
  @ApiOperation({ summary: "The user's ACH account id (for bank transfers) and funding-asset balances, exact in the smallest unit." })
  async get(@UserId() userId: string) {
    const balances = await Promise.all(
      this.support.assets.all().map(async (asset) => {
        const { balance, held } = await this.support.balanceOf(userId, asset);
        return assetBalanceView(asset, balance, held);
      }),
    );
    return { ach_account_id: achAccountIdFor(userId), balances };
  }
}
