import { Type } from 'class-transformer';
import {
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsRFC3339,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { EventSyncDto } from '../common/event-sync.dto';
import { PlaidRequestDto } from '../common/plaid-request.dto';

export const BANK_TRANSFER_TYPES = ['debit', 'credit'] as const;
export const BANK_TRANSFER_NETWORKS = ['ach', 'same-day-ach', 'wire'] as const;
export const ACH_CLASSES = ['ccd', 'ppd', 'tel', 'web'] as const;
export const BANK_TRANSFER_EVENT_TYPES = ['pending', 'cancelled', 'failed', 'posted', 'reversed'] as const;
export const SIMULATED_EVENT_TYPES = ['posted', 'failed', 'reversed'] as const;
export const DIRECTIONS = ['outbound', 'inbound', 'null'] as const;

export type BankTransferType = (typeof BANK_TRANSFER_TYPES)[number];
export type BankTransferNetwork = (typeof BANK_TRANSFER_NETWORKS)[number];
export type AchClass = (typeof ACH_CLASSES)[number];
export type BankTransferEventType = (typeof BANK_TRANSFER_EVENT_TYPES)[number];
export type SimulatedEventType = (typeof SIMULATED_EVENT_TYPES)[number];

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const AMOUNT_MESSAGE = 'amount must be a positive decimal string with exactly two digits of precision, e.g. "10.00"';

export class BankTransferUserDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  legal_name!: string;

  @IsOptional()
  @IsString()
  @MaxLength(254)
  email_address?: string | null;
}

export class BankTransferCreateDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(50)
  idempotency_key!: string;

  @IsString()
  @IsNotEmpty()
  access_token!: string;

  @IsString()
  @IsNotEmpty()
  account_id!: string;

  @IsIn(BANK_TRANSFER_TYPES)
  type!: BankTransferType;

  @IsIn(BANK_TRANSFER_NETWORKS)
  network!: BankTransferNetwork;

  /** Checked in the service too (positive, at most 15 integer digits); the pattern rejects "10", "10.0", "10.001", "1e3", "-5.00". */
  @IsString()
  @Matches(/^(0|[1-9]\d{0,14})\.\d{2}$/, { message: AMOUNT_MESSAGE })
  amount!: string;

  @IsString()
  @IsIn(['USD'], { message: 'iso_currency_code must be "USD"' })
  iso_currency_code!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(10)
  description!: string;

  /** Required for ach and same-day-ach (checked in the service). */
  @IsOptional()
  @IsIn(ACH_CLASSES)
  ach_class?: AchClass;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => BankTransferUserDto)
  user!: BankTransferUserDto;

  @IsOptional()
  @IsString()
  @MaxLength(100)
  custom_tag?: string | null;

  /** String values only, ASCII, at most 50 pairs, keys <= 40 and values <= 500 characters (checked in the service). */
  @IsOptional()
  @IsObject()
  metadata?: Record<string, unknown> | null;

  @IsOptional()
  @IsString()
  origination_account_id?: string | null;
}

export class BankTransferIdDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  bank_transfer_id!: string;
}

export class BankTransferListDto extends PlaidRequestDto {
  @IsOptional()
  @IsRFC3339()
  start_date?: string | null;

  @IsOptional()
  @IsRFC3339()
  end_date?: string | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(25)
  count?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  offset?: number;

  @IsOptional()
  @IsString()
  origination_account_id?: string | null;

  @IsOptional()
  @IsIn(DIRECTIONS)
  direction?: (typeof DIRECTIONS)[number] | null;
}

export class BankTransferEventListDto extends PlaidRequestDto {
  @IsOptional()
  @IsRFC3339()
  start_date?: string | null;

  @IsOptional()
  @IsRFC3339()
  end_date?: string | null;

  @IsOptional()
  @IsString()
  bank_transfer_id?: string | null;

  @IsOptional()
  @IsString()
  account_id?: string | null;

  @IsOptional()
  @IsIn([...BANK_TRANSFER_TYPES, 'null'])
  bank_transfer_type?: BankTransferType | 'null' | null;

  @IsOptional()
  @IsArray()
  @IsIn(BANK_TRANSFER_EVENT_TYPES, { each: true })
  event_types?: BankTransferEventType[];

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(25)
  count?: number | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  offset?: number | null;

  @IsOptional()
  @IsString()
  origination_account_id?: string | null;

  @IsOptional()
  @IsIn(DIRECTIONS)
  direction?: (typeof DIRECTIONS)[number] | null;
}

export class BankTransferEventSyncDto extends EventSyncDto {}

export class BankTransferMigrateAccountDto extends PlaidRequestDto {
  @IsString()
  @Matches(/^\d{4,17}$/, { message: 'account_number must be 4 to 17 digits' })
  account_number!: string;

  @IsString()
  @Matches(/^\d{9}$/, { message: 'routing_number must be 9 digits' })
  routing_number!: string;

  @IsOptional()
  @IsString()
  @Matches(/^\d{9}$/, { message: 'wire_routing_number must be 9 digits' })
  wire_routing_number?: string;

  @IsIn(['checking', 'savings'])
  account_type!: 'checking' | 'savings';
}

export class BankTransferBalanceGetDto extends PlaidRequestDto {
  @IsOptional()
  @IsString()
  origination_account_id?: string | null;
}

export class BankTransferFailureDto {
  @IsOptional()
  @IsString()
  @Matches(/^R\d{2}$/, { message: 'ach_return_code must be an ACH return code such as R01' })
  ach_return_code?: string | null;

  @IsOptional()
  @IsString()
  @MaxLength(255)
  description?: string;
}

export class SandboxBankTransferSimulateDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  bank_transfer_id!: string;

  @IsIn(SIMULATED_EVENT_TYPES)
  event_type!: SimulatedEventType;

  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => BankTransferFailureDto)
  failure_reason?: BankTransferFailureDto | null;
}

export class SandboxBankTransferFireWebhookDto extends PlaidRequestDto {
  @IsUrl(URL_OPTIONS)
  webhook!: string;
}
