import { Module } from '@nestjs/common';
import { SandboxFxRatesController } from './sandbox-fx-rates.controller';

/** FX rates (ops): the sandbox table's read and run-time change endpoints. The FX port itself is infrastructure. */
@Module({ controllers: [SandboxFxRatesController] })
export class FxRatesModule {}
