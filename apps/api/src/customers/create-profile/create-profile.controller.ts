import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply } from 'fastify';
import { RequestContext, UserId } from '../../platform';
import { HttpRequestContext } from '../../shared/command-context';
import { CreateProfileRequest, UserResponse } from './create-profile.dto';
import { CreateProfileCommand, CreateProfileResult } from './create-profile.handler';

@ApiTags('customers')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user/linked-bank-account')
export class CreateProfileController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post('profile')
  @HttpCode(201)
  @ApiOperation({ summary: 'Create (or ensure) the user profile. KYC starts pending; ops approve it.' })
  @ApiResponse({ status: 201, type: UserResponse, description: 'Profile created' })
  @ApiResponse({ status: 200, type: UserResponse, description: 'The same profile already existed' })
  async create(
    @UserId() userId: string,
    @Body() body: CreateProfileRequest,
    @RequestContext() ctx: HttpRequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UserResponse> {
    const result = await this.commandBus.execute<CreateProfileCommand, CreateProfileResult>(new CreateProfileCommand(userId, body, ctx));
    if (!result.created) reply.status(200);
    return result.user;
  }
}
