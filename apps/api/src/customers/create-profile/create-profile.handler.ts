import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { customerDecider, customerStreamId, userStatusOf } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { HttpRequestContext, commandContextFrom } from '../../shared/command-context';
import { CreateProfileRequest, UserResponse } from './create-profile.dto';

export class CreateProfileCommand {
  constructor(
    readonly userId: string,
    readonly profile: CreateProfileRequest,
    readonly ctx: HttpRequestContext,
  ) {}
}

export interface CreateProfileResult {
  created: boolean;
  user: UserResponse;
}

@CommandHandler(CreateProfileCommand)
export class CreateProfileHandler implements ICommandHandler<CreateProfileCommand, CreateProfileResult> {
  constructor(private readonly commands: CommandProcessor) {}

  async execute({ userId, profile, ctx }: CreateProfileCommand): Promise<CreateProfileResult> {
    const result = await this.commands.execute(
      customerStreamId(userId),
      customerDecider,
      {
        type: 'RegisterCustomer',
        data: { customer_id: userId, type: profile.type, first_name: profile.first_name, last_name: profile.last_name, ...(profile.email ? { email: profile.email } : {}) },
        now: this.commands.now(),
      },
      commandContextFrom(ctx, 'create-profile'),
    );
    if (result.state.status !== 'registered') throw new Error('customer not registered after RegisterCustomer');
    const s = result.state;
    return {
      created: result.events.length > 0 && !result.replayed,
      user: {
        user_id: s.customerId,
        type: s.profile.type,
        first_name: s.profile.first_name,
        last_name: s.profile.last_name,
        email: s.profile.email ?? null,
        status: userStatusOf(s.kyc),
        kyc_status: s.kyc,
      },
    };
  }
}
