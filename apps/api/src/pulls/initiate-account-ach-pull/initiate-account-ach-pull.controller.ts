import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { AccountAchPullRequest, AccountAchPullResponse, AccountUuidParam } from './initiate-account-ach-pull.dto';
import { InitiateAccountAchPullCommand } from './initiate-account-ach-pull.handler';

@ApiTags('ach pulls')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('accounts/user/account')
export class InitiateAccountAchPullController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post([':account_uuid/ach-pull', 'bakkt/:account_uuid/ach-pull'])
  @HttpCode(201)
  @ApiOperation({ summary: 'ACH pull into the user\'s USD account (destination from the path; body must not carry account_uuid).' })
  @ApiResponse({ status: 201, type: AccountAchPullResponse })
  pull(
    @UserId() userId: string,
    @Param() params: AccountUuidParam,
    @Body() body: AccountAchPullRequest,
    @RequestContext() ctx: HttpRequestContext,
  ): Promise<AccountAchPullResponse> {
    return this.commandBus.execute(new InitiateAccountAchPullCommand(userId, params.account_uuid, body, ctx));
  }
}
