import { Body, Controller, HttpCode, Post, UseGuards } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { RemittanceEnabledGuard } from '../remittance-enabled.guard';
import { RemittanceResponse } from '../remittance-response';
import { QuoteRemittanceRequest } from './quote-remittance.dto';
import { QuoteRemittanceCommand } from './quote-remittance.handler';

@ApiTags('remittance')
@ApiHeader({ name: 'X-User-Id', required: true })
@ApiHeader({ name: 'Idempotency-Key', required: false })
@Controller('user/remittance')
@UseGuards(RemittanceEnabledGuard)
export class QuoteRemittanceController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('quote')
  @HttpCode(201)
  @ApiOperation({ summary: 'Quote a cross-border remittance between two of the 20 currencies (403 ErrorNotEnabled unless REMITTANCE_ENABLED).' })
  @ApiResponse({ status: 201, type: RemittanceResponse })
  quote(@UserId() userId: string, @Body() body: QuoteRemittanceRequest, @RequestContext() ctx: HttpRequestContext): Promise<RemittanceResponse> {
    return this.commandBus.execute(new QuoteRemittanceCommand(userId, body, ctx));
  }
}
