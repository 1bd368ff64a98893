import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { InitiateAchPullRequest, InitiateAchPullResponse } from './initiate-ach-pull.dto';
import { InitiateAchPullCommand } from './initiate-ach-pull.handler';

@ApiTags('ach pulls')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('user/linked-bank-account')
export class InitiateAchPullController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('pull')
  @HttpCode(201)
  @ApiOperation({ summary: 'Pull USD from the linked bank account (ACTIVE link, FULL_USER individual, at least $10.00).' })
  @ApiResponse({ status: 201, type: InitiateAchPullResponse })
  pull(@UserId() userId: string, @Body() body: InitiateAchPullRequest, @RequestContext() ctx: HttpRequestContext): Promise<InitiateAchPullResponse> {
    return this.commandBus.execute(new InitiateAchPullCommand(userId, body.amount, ctx));
  }
}
