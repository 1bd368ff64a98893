import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { customerDecider, customerStreamId, KycStatus, userStatusOf } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { HttpRequestContext, commandContextFrom } from '../../shared/command-context';

export class ChangeKycStatusCommand {
  constructor(
    readonly userId: string,
    readonly kycStatus: KycStatus,
    readonly reason: string | undefined,
    readonly ctx: HttpRequestContext,
  ) {}
}

@CommandHandler(ChangeKycStatusCommand)
export class ChangeKycStatusHandler implements ICommandHandler<ChangeKycStatusCommand> {
  constructor(private readonly commands: CommandProcessor) {}

  async execute({ userId, kycStatus, reason, ctx }: ChangeKycStatusCommand) {
    const context = commandContextFrom(ctx, `kyc:${userId}`);
    const result = await this.commands.execute(
      customerStreamId(userId),
      customerDecider,
      { type: 'ChangeKycStatus', data: { customer_id: userId, kyc_status: kycStatus, ...(reason ? { reason } : {}) }, now: this.commands.now() },
      { ...context, actor: ctx.apiKeyId ? `ops:api-key:${ctx.apiKeyId}` : 'ops' },
    );
    if (result.state.status !== 'registered') throw new Error('customer missing after KYC change');
    return { user_id: userId, kyc_status: result.state.kyc, status: userStatusOf(result.state.kyc) };
  }
}
