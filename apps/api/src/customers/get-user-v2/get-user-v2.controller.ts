import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { CUSTOMER_TYPES, DomainError } from '@payments/domain';
import { findCustomer, findCustomerCapabilities, PG_POOL } from '@payments/read-models';
import { UserId } from '../../platform';
import { CapabilityResponse } from '../change-capability/change-capability.dto';

export class UserV2Response {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'first and last name as registered (KYC verifies it)' }) name!: string;
  @ApiProperty() first_name!: string;
  @ApiProperty() last_name!: string;
  @ApiProperty({ enum: CUSTOMER_TYPES }) type!: string;
  @ApiPropertyOptional({ nullable: true }) email!: string | null;
  @ApiProperty({ enum: ['PENDING_KYC', 'FULL_USER', 'KYC_REJECTED'] }) status!: string;
  @ApiProperty({ enum: ['pending', 'approved', 'rejected'] }) kyc_status!: string;
  @ApiProperty({ type: CapabilityResponse, isArray: true, description: 'every known capability, Active while granted' })
  capabilities!: CapabilityResponse[];
}

/**
 * Seed (ach-bank-transfer-estimate-execute.txt, "Capabilities"): "Check capabilities via GET /api/v2/user before
 * initiating transfers." A transfer to the user's own name needs AchOut1stParty, any other AchOut3rdParty.
 */
@ApiTags('customers')
@Controller('api/v2/user')
export class GetUserV2Controller {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'The user with its status and transfer capabilities (AchOut1stParty, AchOut3rdParty: Active or Inactive).' })
  @ApiResponse({ status: 200, type: UserV2Response })
  async get(@UserId() userId: string): Promise<UserV2Response> {
    const customer = await findCustomer(this.pool, userId);
    if (!customer) throw DomainError.notFound('user');
    return {
      id: customer.user_id,
      name: `${customer.first_name} ${customer.last_name}`,
      first_name: customer.first_name,
      last_name: customer.last_name,
      type: customer.type,
      email: customer.email,
      status: customer.status,
      kyc_status: customer.kyc_status,
      capabilities: await findCustomerCapabilities(this.pool, userId),
    };
  }
}
