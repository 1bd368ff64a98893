import { Module } from '@nestjs/common';
import { OpsHistoryController } from './ops-history.controller';

/** Ops: movement history and aggregate state at a point in time (read straight from the event store). */
@Module({ controllers: [OpsHistoryController] })
export class OpsHistoryModule {}
