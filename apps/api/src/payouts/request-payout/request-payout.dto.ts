import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsDefined, IsOptional, IsString, IsUUID } from 'class-validator';
import { ACCOUNT_CURRENCIES, PAYOUT_STATUSES, SETTLEMENT_RAILS } from '@payments/domain';

/** POST /user/payouts. Types are checked here; amount, currency and the payout rules in the domain. */
export class RequestPayoutRequest {
  @ApiPropertyOptional({ description: 'One of the user\'s recipients (GET /user/bank-account/remote); the default recipient when omitted' })
  @IsOptional()
  @IsUUID()
  recipient_uuid?: string;

  @ApiProperty({ description: 'Major units, positive, at most 2 decimals, as a JSON number or a decimal string', oneOf: [{ type: 'number' }, { type: 'string' }], example: 40 })
  @IsDefined()
  amount!: unknown;

  @ApiProperty({ enum: ACCOUNT_CURRENCIES, description: 'must be the recipient\'s currency and one the user has an account in', example: 'USD' })
  @IsDefined()
  @IsString()
  currency!: string;

  @ApiPropertyOptional({ description: 'Shown to the recipient: at most 140 characters on SEPA, 18 on FPS, 100 on ACH and NGN', example: 'Invoice 42' })
  @IsOptional()
  @IsString()
  reference?: string;
}

export class ExpectedSettlementResponse {
  @ApiProperty({ example: '2026-03-12', description: 'YYYY-MM-DD in the rail\'s time zone' }) earliest!: string;
  @ApiProperty({ example: '2026-03-13' }) latest!: string;
}

export class RequestPayoutResponse {
  @ApiProperty() uuid!: string;
  @ApiProperty({ enum: PAYOUT_STATUSES }) status!: string;
  @ApiProperty({ example: '40.00' }) amount!: string;
  @ApiProperty({ example: 'USD' }) currency!: string;
  @ApiProperty() recipient_uuid!: string;
  @ApiProperty({ enum: SETTLEMENT_RAILS }) rail!: string;
  @ApiProperty({ type: ExpectedSettlementResponse }) expected_settlement!: ExpectedSettlementResponse;
  @ApiProperty() created_at!: string;
}
