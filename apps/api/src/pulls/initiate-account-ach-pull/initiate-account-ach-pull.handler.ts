import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { Pool } from 'pg';
import {
  achPullDecider,
  achPullLinkFacts,
  achPullStreamId,
  bankLinkDecider,
  bankLinkStreamId,
  Currency,
  customerDecider,
  customerFacts,
  customerStreamId,
  isCurrency,
  parseAchPullMoney,
  toJsonMajorAmount,
} from '@payments/domain';
import { CommandProcessor, deterministicUuid, newUuid } from '@payments/event-store';
import { findAccountById, PG_POOL } from '@payments/read-models';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';
import { AccountAchPullRequest, AccountAchPullResponse } from './initiate-account-ach-pull.dto';

export class InitiateAccountAchPullCommand {
  constructor(
    readonly userId: string,
    readonly accountUuid: string,
    readonly body: AccountAchPullRequest,
    readonly ctx: HttpRequestContext,
  ) {}
}

/** POST /accounts/user/account/{account_uuid}/ach-pull: an ACH pull into the user's USD account (seed, Accounts API). */
@CommandHandler(InitiateAccountAchPullCommand)
export class InitiateAccountAchPullHandler implements ICommandHandler<InitiateAccountAchPullCommand, AccountAchPullResponse> {
  constructor(
    private readonly commands: CommandProcessor,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async execute({ userId, accountUuid, body, ctx }: InitiateAccountAchPullCommand): Promise<AccountAchPullResponse> {
    const money = parseAchPullMoney(body.amount, body.currency);
    const customer = customerFacts((await this.commands.load(customerStreamId(userId), customerDecider)).state);
    const link = achPullLinkFacts((await this.commands.load(bankLinkStreamId(userId), bankLinkDecider)).state);
    const account = await findAccountById(this.pool, accountUuid);
    const context = commandContextFrom(ctx, `account-ach-pull:${accountUuid}`);
    const pullId = context.eventIdSeed ? deterministicUuid(`${context.eventIdSeed}:pull-id`) : newUuid();
    await this.commands.execute(
      achPullStreamId(pullId),
      achPullDecider,
      {
        type: 'RequestAchPull',
        data: {
          pull_id: pullId,
          user_id: userId,
          amount: money,
          via: 'ACCOUNTS_API',
          customer,
          link,
          source_account_uuid: body.source_account_uuid,
          destination: {
            account_uuid: accountUuid,
            owner_user_id: account?.user_id,
            currency: account && isCurrency(account.currency) ? (account.currency as Currency) : undefined,
          },
          ip_address: body.ip_address,
          ...(body.receiver_type !== undefined ? { receiver_type: body.receiver_type } : {}),
          ...(body.target_account_uuid !== undefined ? { target_account_uuid: body.target_account_uuid } : {}),
          ...(body.user_note !== undefined ? { user_note: body.user_note } : {}),
        },
        now: this.commands.now(),
      },
      context,
      { expectNewStream: true }, // a fresh id: no read of a stream that cannot exist yet
    );
    return { transaction_id: pullId, process_uuid: pullId, user_uuid: userId, amount: toJsonMajorAmount(money.amountMinor, money.currency), currency: 'USD' };
  }
}
