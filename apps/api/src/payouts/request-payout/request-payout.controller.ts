import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { RequestPayoutRequest, RequestPayoutResponse } from './request-payout.dto';
import { RequestPayoutCommand } from './request-payout.handler';

@ApiTags('payouts')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('user/payouts')
export class RequestPayoutController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Pay out to a recipient: funds are held at once (422 ErrorInsufficientFunds beyond the available balance), then sent on the recipient\'s rail.' })
  @ApiResponse({ status: 201, type: RequestPayoutResponse })
  request(@UserId() userId: string, @Body() body: RequestPayoutRequest, @RequestContext() ctx: HttpRequestContext): Promise<RequestPayoutResponse> {
    return this.commandBus.execute(new RequestPayoutCommand(userId, body, ctx));
  }
}
