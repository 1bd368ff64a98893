import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString } from 'class-validator';
import { CURRENCIES } from '@payments/domain';

/** POST /user/remittance/quote: exactly one of source_amount / target_amount. Types here; the rules in the domain. */
export class QuoteRemittanceRequest {
  @ApiProperty({ enum: CURRENCIES, example: 'NGN', description: 'what the user pays in (their account in it funds the remittance)' })
  @IsDefined()
  @IsString()
  source_currency!: string;

  @ApiProperty({ enum: CURRENCIES, example: 'PKR', description: 'what the recipient gets' })
  @IsDefined()
  @IsString()
  target_currency!: string;

  @ApiPropertyOptional({ description: 'major units of source_currency (number or decimal string); the target amount is computed, rounded down', example: '10000.00' })
  @IsOptional()
  source_amount?: unknown;

  @ApiPropertyOptional({ description: 'major units of target_currency; the source amount is computed, rounded up', example: '1000.00' })
  @IsOptional()
  target_amount?: unknown;
}
