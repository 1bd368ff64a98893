import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { KYC_STATUSES, KycStatus } from '@payments/domain';

export class ChangeKycStatusRequest {
  @ApiProperty({ enum: KYC_STATUSES })
  @IsIn(KYC_STATUSES)
  kyc_status!: KycStatus;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}
