import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsIn, IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { CUSTOMER_TYPES, CustomerType } from '@payments/domain';

export class CreateProfileRequest {
  @ApiProperty({ enum: CUSTOMER_TYPES, description: 'Only individual users may link a bank account and pull.' })
  @IsIn(CUSTOMER_TYPES)
  type!: CustomerType;

  @ApiProperty({ maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  first_name!: string;

  @ApiProperty({ maxLength: 100 })
  @IsString()
  @IsNotEmpty()
  @MaxLength(100)
  last_name!: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsEmail()
  email?: string;
}

export class UserResponse {
  @ApiProperty() user_id!: string;
  @ApiProperty({ enum: CUSTOMER_TYPES }) type!: string;
  @ApiProperty() first_name!: string;
  @ApiProperty() last_name!: string;
  @ApiPropertyOptional({ nullable: true }) email!: string | null;
  @ApiProperty({ enum: ['PENDING_KYC', 'FULL_USER', 'KYC_REJECTED'], description: 'FULL_USER when eligible to link and pull' })
  status!: string;
  @ApiProperty({ enum: ['pending', 'approved', 'rejected'] }) kyc_status!: string;
}
