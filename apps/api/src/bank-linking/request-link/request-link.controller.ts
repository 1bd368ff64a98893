import { Controller, HttpCode, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { RequestLinkCommand, RequestLinkResult } from './request-link.handler';

@ApiTags('bank linking')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('user/linked-bank-account')
export class RequestLinkController {
  constructor(private readonly commandBus: CommandBus) {}

  @Put('link')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Start linking an external bank account: returns the provider link_url the user must complete.',
    description: 'Only FULL_USER individuals; refused while a link is ACTIVE (unlink first).',
  })
  @ApiResponse({ status: 200, schema: { example: { link_url: 'http://127.0.0.1:3001/link?token=link-sandbox-…', status: 'pending' } } })
  link(@UserId() userId: string, @RequestContext() ctx: HttpRequestContext): Promise<RequestLinkResult> {
    return this.commandBus.execute(new RequestLinkCommand(userId, ctx));
  }
}
