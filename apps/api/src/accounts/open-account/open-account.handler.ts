import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { accountDecider, AccountCurrency, accountStreamId, AccountType, customerDecider, customerFacts, customerStreamId } from '@payments/domain';
import { CommandProcessor, deterministicUuid } from '@payments/event-store';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';

export class OpenAccountCommand {
  constructor(
    readonly userId: string,
    readonly currency: AccountCurrency,
    readonly accountType: AccountType,
    readonly ctx: HttpRequestContext,
  ) {}
}

export interface OpenAccountResult {
  created: boolean;
  account: { account_uuid: string; currency: string; account_type: string; status: 'OPEN' };
}

/** Opens (or ensures) the user's account in a currency. The account id is stable per user and currency. */
@CommandHandler(OpenAccountCommand)
export class OpenAccountHandler implements ICommandHandler<OpenAccountCommand, OpenAccountResult> {
  constructor(private readonly commands: CommandProcessor) {}

  async execute({ userId, currency, accountType, ctx }: OpenAccountCommand): Promise<OpenAccountResult> {
    const customer = customerFacts((await this.commands.load(customerStreamId(userId), customerDecider)).state);
    const accountId = deterministicUuid(`account:${userId}:${currency}`);
    const result = await this.commands.execute(
      accountStreamId(userId, currency),
      accountDecider,
      { type: 'OpenAccount', data: { account_id: accountId, user_id: userId, currency, account_type: accountType, customer }, now: this.commands.now() },
      commandContextFrom(ctx, `open-account:${currency}`),
    );
    if (result.state.status !== 'OPEN') throw new Error('account not open after OpenAccount');
    return {
      created: result.events.length > 0 && !result.replayed,
      account: { account_uuid: result.state.accountId, currency: result.state.currency, account_type: result.state.accountType, status: 'OPEN' },
    };
  }
}
