import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { AchPullIdParam } from '../ach-pull-params.dto';
import { CancelAchPullCommand } from './cancel-ach-pull.handler';

@ApiTags('ach pulls')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/linked-bank-account/pulls')
export class CancelAchPullController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post(':uuid/cancel')
  @HttpCode(202)
  @ApiOperation({ summary: 'Ask to cancel a pull; the provider cancels it only while it is still cancellable (watch its status).' })
  cancel(@UserId() userId: string, @Param() params: AchPullIdParam, @RequestContext() ctx: HttpRequestContext) {
    return this.commandBus.execute(new CancelAchPullCommand(userId, params.uuid, ctx));
  }
}
