import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Capability, customerDecider, customerStreamId } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { HttpRequestContext, commandContextFrom } from '../../shared/command-context';
import { ChangeCapabilityResponse } from './change-capability.dto';

export class ChangeCapabilityCommand {
  constructor(
    readonly userId: string,
    readonly capability: Capability,
    readonly grant: boolean,
    readonly reason: string | undefined,
    readonly ctx: HttpRequestContext,
  ) {}
}

/** Ops grants or revokes a capability; idempotent (the decider returns no event when nothing changes). */
@CommandHandler(ChangeCapabilityCommand)
export class ChangeCapabilityHandler implements ICommandHandler<ChangeCapabilityCommand> {
  constructor(private readonly commands: CommandProcessor) {}

  async execute({ userId, capability, grant, reason, ctx }: ChangeCapabilityCommand): Promise<ChangeCapabilityResponse> {
    const context = commandContextFrom(ctx, `capability:${grant ? 'grant' : 'revoke'}:${userId}:${capability}`);
    const data = { customer_id: userId, capability, ...(reason ? { reason } : {}) };
    const result = await this.commands.execute(
      customerStreamId(userId),
      customerDecider,
      grant ? { type: 'GrantCapability', data, now: this.commands.now() } : { type: 'RevokeCapability', data, now: this.commands.now() },
      { ...context, actor: ctx.apiKeyId ? `ops:api-key:${ctx.apiKeyId}` : 'ops' },
    );
    if (result.state.status !== 'registered') throw new Error('customer missing after capability change');
    return {
      user_id: userId,
      capability,
      status: result.state.capabilities.includes(capability) ? 'Active' : 'Inactive',
      changed: result.events.length > 0,
      active_capabilities: [...result.state.capabilities],
    };
  }
}
