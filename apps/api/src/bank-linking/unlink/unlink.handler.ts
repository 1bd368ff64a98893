import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { bankLinkDecider, bankLinkStreamId } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { HttpRequestContext, commandContextFrom } from '../../shared/command-context';

export class UnlinkCommand {
  constructor(
    readonly userId: string,
    readonly ctx: HttpRequestContext,
  ) {}
}

@CommandHandler(UnlinkCommand)
export class UnlinkHandler implements ICommandHandler<UnlinkCommand> {
  constructor(private readonly commands: CommandProcessor) {}

  async execute({ userId, ctx }: UnlinkCommand): Promise<{ uuid: string; status: 'UNLINKED' }> {
    const result = await this.commands.execute(
      bankLinkStreamId(userId),
      bankLinkDecider,
      { type: 'Unlink', data: {}, now: this.commands.now() },
      commandContextFrom(ctx, 'unlink'),
    );
    if (result.state.status === 'NONE') throw new Error('bank link missing after unlink');
    return { uuid: result.state.linkId, status: 'UNLINKED' };
  }
}
