import { Module } from '@nestjs/common';
import { CreditAssetController } from './credit-asset/credit-asset.controller';
import { GetBalancesController } from './get-balances/get-balances.controller';
import { EstimateTransferController } from './estimate-transfer/estimate-transfer.controller';
import { ExecuteTransferController } from './execute-transfer/execute-transfer.controller';
import { GetTransferController } from './get-transfer/get-transfer.controller';
import { TransferSupport } from './transfer-support';

/** ACH bank transfers funded from funding assets (API side); the steps run in the worker (executing-transfers). */
@Module({ controllers: [CreditAssetController, GetBalancesController, EstimateTransferController, ExecuteTransferController, GetTransferController], providers: [TransferSupport] })
export class TransfersModule {}
