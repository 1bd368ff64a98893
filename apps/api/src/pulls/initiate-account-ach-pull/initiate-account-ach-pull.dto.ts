import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsNotEmpty, IsOptional, IsString, IsUUID } from 'class-validator';

/** Seed "Accounts API ach-pull": JSON body; `account_uuid` comes from the path only (unknown in the body). */
export class AccountAchPullRequest {
  @ApiProperty({ description: 'positive, at most two decimals, at least 10.00', example: 100.5, oneOf: [{ type: 'number' }, { type: 'string' }] })
  @IsDefined()
  amount!: unknown;

  @ApiProperty({ enum: ['USD'] })
  @IsDefined()
  currency!: unknown;

  @ApiProperty({ description: 'the linked bank account (its uuid from GET /user/linked-bank-account)' })
  @IsString()
  @IsNotEmpty()
  source_account_uuid!: string;

  @ApiProperty({ description: 'a valid IPv4 or IPv6 address', example: '203.0.113.1' })
  @IsString()
  ip_address!: string;

  @ApiPropertyOptional({ enum: ['BANK_ACCOUNT'], default: 'BANK_ACCOUNT' })
  @IsOptional()
  @IsString()
  receiver_type?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  target_account_uuid?: string;

  @ApiPropertyOptional({ maxLength: 500 })
  @IsOptional()
  @IsString()
  user_note?: string;
}

export class AccountUuidParam {
  @IsUUID()
  account_uuid!: string;
}

export class AccountAchPullResponse {
  @ApiProperty() transaction_id!: string;
  @ApiProperty({ description: 'equal to transaction_id, for older integrations' }) process_uuid!: string;
  @ApiProperty() user_uuid!: string;
  @ApiProperty() amount!: number;
  @ApiProperty({ enum: ['USD'] }) currency!: 'USD';
}
