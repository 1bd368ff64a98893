import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';
import { RECIPIENT_ACCOUNT_TYPES, RECIPIENT_CURRENCIES, TRANSFER_METHODS } from '@payments/domain';

/**
 * The seed's `account_details` plus what each rail needs. The seed shows only USD/ACH (account_number,
 * routing_number); it is silent on the other rails, so their fields sit beside those in `account_details`:
 * `iban` and optional `bic` (EUR/SEPA), `sort_code` with `account_number` (GBP/FPS), `bank_code` with
 * `account_number` (NGN/Local). A field of another rail is refused. Types are checked here; the rail rules
 * (checksums, lengths, currency/transfer_method agreement) in the domain (parseRecipientAccount).
 */
export class RecipientAccountDetailsRequest {
  @ApiProperty({ enum: RECIPIENT_CURRENCIES, example: 'USD' })
  @IsDefined()
  @IsString()
  currency!: string;

  @ApiProperty({ enum: TRANSFER_METHODS, description: 'must agree with currency: USD→ACH, EUR→SEPA, GBP→FPS, NGN→Local', example: 'ACH' })
  @IsDefined()
  @IsString()
  transfer_method!: string;

  @ApiPropertyOptional({ description: 'ACH: 4–17 digits; FPS: 8 digits; Local: the 10-digit NUBAN (its check digit is verified with bank_code). Not for SEPA (use iban).', example: '12365498' })
  @IsOptional()
  @IsString()
  account_number?: string;

  @ApiPropertyOptional({ description: 'ACH only: the 9-digit ABA routing number (checksum verified)', example: '026009593' })
  @IsOptional()
  @IsString()
  routing_number?: string;

  @ApiPropertyOptional({ description: 'SEPA only (required): an IBAN of a SEPA country; spaces allowed; mod-97 check verified', example: 'DE89370400440532013000' })
  @IsOptional()
  @IsString()
  iban?: string;

  @ApiPropertyOptional({ description: 'SEPA only (optional): BIC of 8 or 11 characters', example: 'COBADEFF' })
  @IsOptional()
  @IsString()
  bic?: string;

  @ApiPropertyOptional({ description: 'FPS only (required): UK sort code, 123456 or 12-34-56', example: '60-16-13' })
  @IsOptional()
  @IsString()
  sort_code?: string;

  @ApiPropertyOptional({ description: 'Local (NGN) only (required): the 3-digit CBN bank code', example: '058' })
  @IsOptional()
  @IsString()
  bank_code?: string;

  @ApiPropertyOptional({ enum: RECIPIENT_ACCOUNT_TYPES, description: 'required for ACH, optional elsewhere', example: 'Checking' })
  @IsOptional()
  @IsString()
  account_type?: string;

  @ApiPropertyOptional({ description: 'free text, at most 64 characters', example: 'Customer' })
  @IsOptional()
  @IsString()
  recipient_relationship?: string;
}

export class AddRecipientRequest {
  @ApiProperty({ description: '1–100 characters', example: 'Main Bank Account' })
  @IsDefined()
  @IsString()
  account_name!: string;

  @ApiPropertyOptional({ description: 'make this the default recipient for payouts (the previous default stops being one)', default: false })
  @IsOptional()
  @IsBoolean()
  main_recipient?: boolean;

  @ApiProperty({ type: RecipientAccountDetailsRequest })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RecipientAccountDetailsRequest)
  account_details!: RecipientAccountDetailsRequest;
}
