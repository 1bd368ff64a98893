import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RecipientView } from '@payments/read-models';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { RecipientResponse } from '../recipient-response.dto';
import { AddRecipientRequest } from './add-recipient.dto';
import { AddRecipientCommand } from './add-recipient.handler';

@ApiTags('recipients')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('user/bank-account/remote')
export class AddRecipientController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Save a recipient (external bank account) in USD (ACH), EUR (SEPA), GBP (FPS) or NGN (Local); 409 when the same account is already saved.' })
  @ApiResponse({ status: 201, type: RecipientResponse })
  add(@UserId() userId: string, @Body() body: AddRecipientRequest, @RequestContext() ctx: HttpRequestContext): Promise<RecipientView> {
    return this.commandBus.execute(new AddRecipientCommand(userId, body, ctx));
  }
}
