import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  achPullDecider,
  achPullLinkFacts,
  achPullStreamId,
  bankLinkDecider,
  bankLinkStreamId,
  customerDecider,
  customerFacts,
  customerStreamId,
  parseAchPullMoney,
} from '@payments/domain';
import { CommandProcessor, deterministicUuid, newUuid } from '@payments/event-store';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';
import { InitiateAchPullResponse } from './initiate-ach-pull.dto';

export class InitiateAchPullCommand {
  constructor(
    readonly userId: string,
    readonly amount: unknown,
    readonly ctx: HttpRequestContext,
  ) {}
}

/**
 * POST /user/linked-bank-account/pull: records the pull (AchPullRequested) after the seed's checks; the worker's
 * process manager then submits it to the provider with the pull id as the provider idempotency key.
 */
@CommandHandler(InitiateAchPullCommand)
export class InitiateAchPullHandler implements ICommandHandler<InitiateAchPullCommand, InitiateAchPullResponse> {
  constructor(private readonly commands: CommandProcessor) {}

  async execute({ userId, amount, ctx }: InitiateAchPullCommand): Promise<InitiateAchPullResponse> {
    const money = parseAchPullMoney(amount, 'USD');
    const customer = customerFacts((await this.commands.load(customerStreamId(userId), customerDecider)).state);
    const link = achPullLinkFacts((await this.commands.load(bankLinkStreamId(userId), bankLinkDecider)).state);
    const context = commandContextFrom(ctx, 'ach-pull');
    const pullId = context.eventIdSeed ? deterministicUuid(`${context.eventIdSeed}:pull-id`) : newUuid();
    await this.commands.execute(
      achPullStreamId(pullId),
      achPullDecider,
      { type: 'RequestAchPull', data: { pull_id: pullId, user_id: userId, amount: money, via: 'LINKED_BANK_ACCOUNT', customer, link }, now: this.commands.now() },
      context,
      { expectNewStream: true }, // a fresh id: no read of a stream that cannot exist yet
    );
    return { uuid: pullId, status: 'PENDING' };
  }
}
