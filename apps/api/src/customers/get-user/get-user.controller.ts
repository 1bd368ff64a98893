import { Controller, Get, Inject } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { DomainError } from '@payments/domain';
import { findCustomer, PG_POOL } from '@payments/read-models';
import { UserId } from '../../platform';
import { UserResponse } from '../create-profile/create-profile.dto';

@ApiTags('customers')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('user')
export class GetUserController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'The user and its status; status must be FULL_USER before linking a bank account.' })
  @ApiResponse({ status: 200, type: UserResponse })
  async get(@UserId() userId: string): Promise<UserResponse> {
    const customer = await findCustomer(this.pool, userId);
    if (!customer) throw DomainError.notFound('user');
    return {
      user_id: customer.user_id,
      type: customer.type,
      first_name: customer.first_name,
      last_name: customer.last_name,
      email: customer.email,
      status: customer.status,
      kyc_status: customer.kyc_status,
    };
  }
}
