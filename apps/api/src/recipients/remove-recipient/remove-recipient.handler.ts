import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError, recipientDecider, recipientIndexDecider, recipientIndexStreamId, recipientStreamId } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';

export class RemoveRecipientCommand {
  constructor(
    readonly userId: string,
    readonly recipientId: string,
    readonly ctx: HttpRequestContext,
  ) {}
}

/**
 * DELETE /user/bank-account/remote/{uuid}: removes the recipient (its own stream first: from then on payouts refuse
 * it), then releases it from the user's index (its account may be saved again; if it was the default, the user has
 * none). A DELETE of a recipient already removed still completes the release, then answers 404.
 */
@CommandHandler(RemoveRecipientCommand)
export class RemoveRecipientHandler implements ICommandHandler<RemoveRecipientCommand, { uuid: string; status: 'DELETED' }> {
  constructor(private readonly commands: CommandProcessor) {}

  async execute({ userId, recipientId, ctx }: RemoveRecipientCommand): Promise<{ uuid: string; status: 'DELETED' }> {
    const stream = recipientStreamId(recipientId);
    const { state } = await this.commands.load(stream, recipientDecider);
    if (state.status === 'NONE' || state.userId !== userId) throw DomainError.notFound('recipient', 'uuid');
    if (state.status === 'ACTIVE') {
      await this.commands.execute(stream, recipientDecider, { type: 'RemoveRecipient', data: { user_id: userId }, now: this.commands.now() }, commandContextFrom(ctx, `remove-recipient:${recipientId}`));
    }
    await this.commands.execute(
      recipientIndexStreamId(userId),
      recipientIndexDecider,
      { type: 'ReleaseRecipient', data: { user_id: userId, recipient_id: recipientId }, now: this.commands.now() },
      commandContextFrom(ctx, `release-recipient:${recipientId}`),
    );
    if (state.status === 'DELETED') throw DomainError.notFound('recipient', 'uuid');
    return { uuid: recipientId, status: 'DELETED' };
  }
}
