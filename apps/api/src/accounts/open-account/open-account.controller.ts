import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { OpenAccountRequest } from './open-account.dto';
import { OpenAccountCommand, OpenAccountResult } from './open-account.handler';

@ApiTags('accounts')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/accounts')
export class OpenAccountController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Open (or ensure) the user\'s account in a currency: 201 opened, 200 it already existed.' })
  async open(
    @UserId() userId: string,
    @Body() body: OpenAccountRequest,
    @RequestContext() ctx: HttpRequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<OpenAccountResult['account']> {
    const result = await this.commandBus.execute<OpenAccountCommand, OpenAccountResult>(new OpenAccountCommand(userId, body.currency, body.account_type, ctx));
    if (!result.created) reply.status(200);
    return result.account;
  }
}
