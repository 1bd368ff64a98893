import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { CAPABILITIES, Capability } from '@payments/domain';
import { USER_ID_PATTERN } from '../../shared/user-id-param.dto';

export class CapabilityParams {
  @Matches(USER_ID_PATTERN, { message: 'user_id must be 1-64 letters, digits, _ or -' })
  user_id!: string;

  @ApiProperty({ enum: CAPABILITIES })
  @IsIn(CAPABILITIES, { message: `capability must be one of ${CAPABILITIES.join(', ')}`, context: { issue: 'unknown_capability' } })
  capability!: Capability;
}

export class ChangeCapabilityRequest {
  @ApiPropertyOptional({ maxLength: 500, description: 'Why (kept on the event and shown in GET /api/v2/user)' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

export class CapabilityResponse {
  @ApiProperty({ enum: CAPABILITIES }) name!: string;
  @ApiProperty({ enum: ['Active', 'Inactive'] }) status!: string;
  @ApiPropertyOptional({ nullable: true }) reason!: string | null;
  @ApiPropertyOptional({ nullable: true }) granted_at!: string | null;
  @ApiPropertyOptional({ nullable: true }) revoked_at!: string | null;
}

export class ChangeCapabilityResponse {
  @ApiProperty() user_id!: string;
  @ApiProperty({ enum: CAPABILITIES }) capability!: string;
  @ApiProperty({ enum: ['Active', 'Inactive'] }) status!: string;
  @ApiProperty({ description: 'false when the capability already had this status (nothing was recorded)' }) changed!: boolean;
  @ApiProperty({ enum: CAPABILITIES, isArray: true, description: 'the capabilities now active' }) active_capabilities!: string[];
}
