import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { EventSyncDto } from '../common/event-sync.dto';
import { PlaidRequestDto } from '../common/plaid-request.dto';

export const PAYOUT_RAILS = ['sepa', 'fps', 'ngn_local'] as const;
export const PAYOUT_CURRENCIES = ['EUR', 'GBP', 'NGN'] as const;
export const PAYOUT_STATUSES = ['pending', 'settled', 'failed', 'returned'] as const;
export const SIMULATED_PAYOUT_EVENT_TYPES = ['settled', 'failed', 'returned'] as const;

export type PayoutRail = (typeof PAYOUT_RAILS)[number];
export type PayoutCurrency = (typeof PAYOUT_CURRENCIES)[number];
/** A payout's status and, with the same names, the type of the event that brought it there. */
export type PayoutStatus = (typeof PAYOUT_STATUSES)[number];
export type SimulatedPayoutEventType = (typeof SIMULATED_PAYOUT_EVENT_TYPES)[number];

/** Which currency each rail carries. */
export const RAIL_CURRENCY: Readonly<Record<PayoutRail, PayoutCurrency>> = { sepa: 'EUR', fps: 'GBP', ngn_local: 'NGN' };

/**
 * Longest `reference` per rail: SEPA unstructured remittance information (140), the Faster Payments reference field
 * (18), a NIP narration (100).
 */
export const REFERENCE_MAX_LENGTH: Readonly<Record<PayoutRail, number>> = { sepa: 140, fps: 18, ngn_local: 100 };

const AMOUNT_MESSAGE = 'amount must be a positive decimal string with exactly two digits of precision, e.g. "10.00"';

/** The fields a rail needs (checked per rail in the service): sepa iban (+ bic), fps sort_code + account_number, ngn_local bank_code + account_number. */
export class PayoutBeneficiaryDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(140)
  name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  iban?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  bic?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  sort_code?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  account_number?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(64)
  bank_code?: string | null;
}

export class PayoutCreateDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  idempotency_key!: string;

  @IsIn(PAYOUT_RAILS)
  rail!: PayoutRail;

  @IsString()
  @Matches(/^(0|[1-9]\d{0,14})\.\d{2}$/, { message: AMOUNT_MESSAGE })
  amount!: string;

  /** Must be the rail's currency (checked in the service). */
  @IsIn(PAYOUT_CURRENCIES)
  iso_currency_code!: PayoutCurrency;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => PayoutBeneficiaryDto)
  beneficiary!: PayoutBeneficiaryDto;

  /** Shown to the beneficiary; at most REFERENCE_MAX_LENGTH[rail] characters (checked in the service). */
  @IsOptional()
  @IsString()
  @MaxLength(140)
  reference?: string | null;

  /** String values only, ASCII, at most 50 pairs, keys <= 40 and values <= 500 characters (checked in the service). */
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown> | null;
}

export class PayoutIdDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  payout_id!: string;
}

export class PayoutEventSyncDto extends EventSyncDto {}

export class PayoutFailureDto {
  /** The scheme's reason code, e.g. an ISO 20022 code such as AC01 (SEPA) or a NIP response code. */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z0-9]{2,8}$/, { message: 'failure_reason.code must be 2 to 8 upper-case letters or digits, e.g. AC01' })
  code?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  description?: string;
}

export class SandboxPayoutSimulateDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  payout_id!: string;

  @IsIn(SIMULATED_PAYOUT_EVENT_TYPES)
  event_type!: SimulatedPayoutEventType;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => PayoutFailureDto)
  failure_reason?: PayoutFailureDto | null;
}
