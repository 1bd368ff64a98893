import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { InitiateAchPullController } from './initiate-ach-pull/initiate-ach-pull.controller';
import { InitiateAchPullHandler } from './initiate-ach-pull/initiate-ach-pull.handler';
import { GetAchPullController } from './get-ach-pull/get-ach-pull.controller';
import { ListAchPullsController } from './list-ach-pulls/list-ach-pulls.controller';
import { CancelAchPullController } from './cancel-ach-pull/cancel-ach-pull.controller';
import { CancelAchPullHandler } from './cancel-ach-pull/cancel-ach-pull.handler';
import { InitiateAccountAchPullController } from './initiate-account-ach-pull/initiate-account-ach-pull.controller';
import { InitiateAccountAchPullHandler } from './initiate-account-ach-pull/initiate-account-ach-pull.handler';

export const PULL_HANDLERS = [InitiateAchPullHandler, InitiateAccountAchPullHandler, CancelAchPullHandler];

/** ACH pulls (API side); submission and provider outcomes run in the worker. */
@Module({
  imports: [CqrsModule],
  controllers: [InitiateAchPullController, InitiateAccountAchPullController, ListAchPullsController, GetAchPullController, CancelAchPullController],
  providers: [...PULL_HANDLERS],
})
export class PullsModule {}
