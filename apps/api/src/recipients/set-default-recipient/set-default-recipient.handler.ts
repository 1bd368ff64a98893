import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { DomainError, recipientDecider, recipientIndexDecider, recipientIndexStreamId, recipientStreamId } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { RecipientView, toRecipientView } from '@payments/read-models';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';

export class SetDefaultRecipientCommand {
  constructor(
    readonly userId: string,
    readonly recipientId: string,
    readonly mainRecipient: boolean,
    readonly ctx: HttpRequestContext,
  ) {}
}

/** Moves the user's default recipient. The index stream holds the one default pointer (recipient-index.decider.ts). */
@CommandHandler(SetDefaultRecipientCommand)
export class SetDefaultRecipientHandler implements ICommandHandler<SetDefaultRecipientCommand, RecipientView> {
  constructor(private readonly commands: CommandProcessor) {}

  async execute({ userId, recipientId, mainRecipient, ctx }: SetDefaultRecipientCommand): Promise<RecipientView> {
    const { state } = await this.commands.load(recipientStreamId(recipientId), recipientDecider);
    if (state.status !== 'ACTIVE' || state.userId !== userId) throw DomainError.notFound('recipient', 'uuid');
    const result = await this.commands.execute(
      recipientIndexStreamId(userId),
      recipientIndexDecider,
      { type: 'SetDefaultRecipient', data: { user_id: userId, recipient_id: recipientId, main_recipient: mainRecipient }, now: this.commands.now() },
      commandContextFrom(ctx, `set-default-recipient:${recipientId}`),
    );
    return toRecipientView({
      recipient_id: recipientId,
      account_name: state.accountName,
      account: state.account,
      is_default: result.state.defaultRecipientId === recipientId,
      created_at: new Date(state.addedAt),
    });
  }
}
