import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { RemittanceEnabledGuard } from '../remittance-enabled.guard';
import { RemittanceResponse } from '../remittance-response';
import { StartRemittanceRequest } from './start-remittance.dto';
import { StartRemittanceCommand } from './start-remittance.handler';

@ApiTags('remittance')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('user/remittance')
@UseGuards(RemittanceEnabledGuard)
export class StartRemittanceController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('start')
  @HttpCode(201)
  @ApiOperation({
    summary:
      'Start a quoted remittance: the source amount is held on the user\'s account at once (422 ErrorInsufficientFunds / no_account_in_currency), then sent through the provider (403 ErrorNotEnabled unless REMITTANCE_ENABLED).',
  })
  @ApiResponse({ status: 201, type: RemittanceResponse })
  start(@UserId() userId: string, @Body() body: StartRemittanceRequest, @RequestContext() ctx: HttpRequestContext): Promise<RemittanceResponse> {
    return this.commandBus.execute(new StartRemittanceCommand(userId, body, ctx));
  }
}
