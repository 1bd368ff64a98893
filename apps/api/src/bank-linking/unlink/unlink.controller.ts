import { Controller, Delete, HttpCode } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { UnlinkCommand } from './unlink.handler';

@ApiTags('bank linking')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/linked-bank-account')
export class UnlinkController {
  constructor(private readonly commandBus: CommandBus) {}

  @Delete('unlink')
  @HttpCode(200)
  @ApiOperation({ summary: 'Unlink the external bank account (required before linking another one).' })
  unlink(@UserId() userId: string, @RequestContext() ctx: HttpRequestContext) {
    return this.commandBus.execute(new UnlinkCommand(userId, ctx));
  }
}
