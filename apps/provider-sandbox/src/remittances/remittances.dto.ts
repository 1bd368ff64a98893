import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { CURRENCIES, Currency } from '@payments/domain';
import { PlaidRequestDto } from '../common/plaid-request.dto';

export const REMITTANCE_STATUSES = ['pending', 'settled', 'failed'] as const;
export type SandboxRemittanceStatus = (typeof REMITTANCE_STATUSES)[number];
export const SIMULATED_REMITTANCE_EVENT_TYPES = ['settled', 'failed'] as const;
export type SimulatedRemittanceEventType = (typeof SIMULATED_REMITTANCE_EVENT_TYPES)[number];

const DECIMAL = /^(0|[1-9]\d{0,17})(\.\d{1,3})?$/;
const DECIMAL_MESSAGE = 'must be a positive decimal string with the currency\'s decimals, e.g. "10.00" (JPY "1500", OMR "1.250")';

export class RemittanceBeneficiaryDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(140)
  name!: string;

  @IsString()
  @Matches(/^[A-Z]{2}$/, { message: 'beneficiary.country must be an ISO 3166-1 alpha-2 code' })
  country!: string;

  @IsString()
  @Matches(/^[A-Z0-9]{8,34}$/, { message: 'beneficiary.account_number must be 8 to 34 upper-case letters and digits' })
  account_number!: string;
}

/** A cross-border payment: the source amount is debited from the client's funding, the target amount paid out. */
export class RemittanceCreateDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  idempotency_key!: string;

  @IsIn(CURRENCIES)
  source_currency!: Currency;

  @IsString()
  @Matches(DECIMAL, { message: `source_amount ${DECIMAL_MESSAGE}` })
  source_amount!: string;

  @IsIn(CURRENCIES)
  target_currency!: Currency;

  @IsString()
  @Matches(DECIMAL, { message: `target_amount ${DECIMAL_MESSAGE}` })
  target_amount!: string;

  /** Target units per source unit, as quoted by the caller (recorded, not re-priced). */
  @IsString()
  @Matches(/^\d{1,24}(\.\d{1,18})?$/, { message: 'rate must be a positive decimal string' })
  rate!: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => RemittanceBeneficiaryDto)
  beneficiary!: RemittanceBeneficiaryDto;

  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown> | null;
}

export class RemittanceIdDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  remittance_id!: string;
}

export class RemittanceFailureDto {
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z0-9]{2,8}$/, { message: 'failure_reason.code must be 2 to 8 upper-case letters or digits, e.g. AC01' })
  code?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  description?: string;
}

export class SandboxRemittanceSimulateDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  remittance_id!: string;

  @IsIn(SIMULATED_REMITTANCE_EVENT_TYPES)
  event_type!: SimulatedRemittanceEventType;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => RemittanceFailureDto)
  failure_reason?: RemittanceFailureDto | null;
}
