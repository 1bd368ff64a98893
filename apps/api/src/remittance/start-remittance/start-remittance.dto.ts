import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';

/** For target currencies without a recipient rail (16 of the 20): who gets the money and their account. */
export class RemittanceBeneficiaryRequest {
  @ApiProperty({ maxLength: 100 }) @IsString() @IsNotEmpty() @MaxLength(100) first_name!: string;
  @ApiProperty({ maxLength: 100 }) @IsString() @IsNotEmpty() @MaxLength(100) last_name!: string;

  @ApiProperty({ example: 'PK', description: 'ISO 3166-1 alpha-2 country of the account' })
  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code such as PK' })
  country!: string;

  @ApiProperty({ description: 'account number or IBAN, 8-34 letters and digits; encrypted at rest, shown as last four' })
  @IsString()
  @Matches(/^[A-Z0-9]{8,34}$/, { message: 'account_number must be 8 to 34 upper-case letters and digits', context: { issue: 'format' } })
  account_number!: string;
}

/**
 * POST /user/remittance/start. `recipient_uuid` (a saved recipient, GET /user/bank-account/remote) when the target
 * currency has a recipient rail (USD, EUR, GBP, NGN); `beneficiary` for the other 16 currencies.
 */
export class StartRemittanceRequest {
  @ApiProperty({ description: 'from POST /user/remittance/quote' })
  @IsDefined()
  @IsUUID()
  quote_id!: string;

  @ApiPropertyOptional({ description: 'a saved recipient in the target currency (USD, EUR, GBP or NGN targets)' })
  @IsOptional()
  @IsUUID()
  recipient_uuid?: string;

  @ApiPropertyOptional({ type: RemittanceBeneficiaryRequest, description: 'for the other target currencies' })
  @IsOptional()
  @ValidateNested()
  @Type(() => RemittanceBeneficiaryRequest)
  beneficiary?: RemittanceBeneficiaryRequest;
}
