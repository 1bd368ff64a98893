import { Body, Controller, Patch } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RecipientView } from '@payments/read-models';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { RecipientResponse } from '../recipient-response.dto';
import { SetDefaultRecipientRequest } from './set-default-recipient.dto';
import { SetDefaultRecipientCommand } from './set-default-recipient.handler';

@ApiTags('recipients')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('user/bank-account/remote')
export class SetDefaultRecipientController {
  constructor(private readonly commandBus: CommandBus) {}

  @Patch()
  @ApiOperation({ summary: 'Set a recipient as the default destination for payouts (the previous default stops being one).' })
  @ApiResponse({ status: 200, type: RecipientResponse })
  setDefault(@UserId() userId: string, @Body() body: SetDefaultRecipientRequest, @RequestContext() ctx: HttpRequestContext): Promise<RecipientView> {
    return this.commandBus.execute(new SetDefaultRecipientCommand(userId, body.uuid, body.main_recipient ?? true, ctx));
  }
}
