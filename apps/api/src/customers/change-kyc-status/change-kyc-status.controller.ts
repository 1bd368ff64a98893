import { Body, Controller, Param, Put } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { OpsOnly, RequestContext } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { ChangeKycStatusRequest } from './change-kyc-status.dto';
import { ChangeKycStatusCommand } from './change-kyc-status.handler';
import { UserIdParam } from '../../shared/user-id-param.dto';

@ApiTags('ops')
@Controller('ops/users')
export class ChangeKycStatusController {
  constructor(private readonly commandBus: CommandBus) {}

  @Put(':user_id/kyc')
  @OpsOnly()
  @ApiOperation({ summary: 'Set a user\'s KYC status (ops-scoped key). "approved" makes the user FULL_USER.' })
  change(@Param() params: UserIdParam, @Body() body: ChangeKycStatusRequest, @RequestContext() ctx: HttpRequestContext) {
    return this.commandBus.execute(new ChangeKycStatusCommand(params.user_id, body.kyc_status, body.reason, ctx));
  }
}
