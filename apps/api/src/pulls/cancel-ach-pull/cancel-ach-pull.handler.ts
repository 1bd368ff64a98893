import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { achPullDecider, achPullStreamId, DomainError } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';

export class CancelAchPullCommand {
  constructor(
    readonly userId: string,
    readonly pullId: string,
    readonly ctx: HttpRequestContext,
  ) {}
}

/** Records the user's cancel request; the worker asks the provider, which cancels only while `cancellable`. */
@CommandHandler(CancelAchPullCommand)
export class CancelAchPullHandler implements ICommandHandler<CancelAchPullCommand> {
  constructor(private readonly commands: CommandProcessor) {}

  async execute({ userId, pullId, ctx }: CancelAchPullCommand): Promise<{ uuid: string; cancel_requested: true }> {
    const streamId = achPullStreamId(pullId);
    const { state } = await this.commands.load(streamId, achPullDecider);
    if (state.status === 'NONE' || state.request.user_id !== userId) throw DomainError.notFound('ach pull', 'uuid');
    await this.commands.execute(streamId, achPullDecider, { type: 'RequestCancel', data: {}, now: this.commands.now() }, commandContextFrom(ctx, `cancel:${pullId}`));
    return { uuid: pullId, cancel_requested: true };
  }
}
