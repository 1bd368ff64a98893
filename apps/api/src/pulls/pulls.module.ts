import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { InitiateAchPullController } from './initiate-ach-pull/initiate-ach-pull.controller';
import { InitiateAchPullHandler } from './initiate-ach-pull/initiate-ach-pull.handler';
import { GetAchPullController } from './get-ach-pull/get-ach-pull.controller';
import { ListAchPullsController } from './list-ach-pulls/list-ach-pulls.controller';
import { CancelAchPullController } from './cancel-ach-pull/cancel-ach-pull.controller';
import { CancelAchPullHandler } from './cancel-ach-pull/cancel-ach-pull.handler';

export const PULL_HANDLERS = [InitiateAchPullHandler, CancelAchPullHandler];

/** ACH pulls (API side); submission and provider outcomes run in the worker. */
@Module({
  imports: [CqrsModule],
  controllers: [InitiateAchPullController, ListAchPullsController, GetAchPullController, CancelAchPullController],
  providers: [...PULL_HANDLERS],
})
export class PullsModule {}
