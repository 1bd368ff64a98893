import { Controller, Delete, Param } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { RecipientIdParam } from '../recipient-params.dto';
import { RemovedRecipientResponse } from '../recipient-response.dto';
import { RemoveRecipientCommand } from './remove-recipient.handler';

@ApiTags('recipients')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('user/bank-account/remote')
export class RemoveRecipientController {
  constructor(private readonly commandBus: CommandBus) {}

  @Delete(':uuid')
  @ApiOperation({ summary: 'Remove a saved recipient; if it was the default, the user has no default afterwards.' })
  @ApiResponse({ status: 200, type: RemovedRecipientResponse })
  remove(@UserId() userId: string, @Param() params: RecipientIdParam, @RequestContext() ctx: HttpRequestContext): Promise<RemovedRecipientResponse> {
    return this.commandBus.execute(new RemoveRecipientCommand(userId, params.uuid, ctx));
  }
}
