import { Body, Controller, Delete, HttpCode, Param, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { OpsOnly, RequestContext } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { CapabilityParams, ChangeCapabilityRequest, ChangeCapabilityResponse } from './change-capability.dto';
import { ChangeCapabilityCommand } from './change-capability.handler';

@ApiTags('ops')
@Controller('ops/users')
export class ChangeCapabilityController {
  constructor(private readonly commandBus: CommandBus) {}

  @Put(':user_id/capabilities/:capability')
  @HttpCode(200)
  @OpsOnly()
  @ApiOperation({ summary: 'Grant a capability (AchOut1stParty, AchOut3rdParty) to a user (ops-scoped key); granting a held one changes nothing.' })
  @ApiResponse({ status: 200, type: ChangeCapabilityResponse })
  grant(@Param() params: CapabilityParams, @Body() body: ChangeCapabilityRequest = {}, @RequestContext() ctx: HttpRequestContext) {
    return this.commandBus.execute(new ChangeCapabilityCommand(params.user_id, params.capability, true, body?.reason, ctx));
  }

  @Delete(':user_id/capabilities/:capability')
  @HttpCode(200)
  @OpsOnly()
  @ApiOperation({ summary: 'Revoke a capability from a user (ops-scoped key); revoking one not held changes nothing.' })
  @ApiResponse({ status: 200, type: ChangeCapabilityResponse })
  revoke(@Param() params: CapabilityParams, @Body() body: ChangeCapabilityRequest = {}, @RequestContext() ctx: HttpRequestContext) {
    return this.commandBus.execute(new ChangeCapabilityCommand(params.user_id, params.capability, false, body?.reason, ctx));
  }
}
