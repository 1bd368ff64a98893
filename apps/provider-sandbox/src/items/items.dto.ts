import { ArrayNotEmpty, IsArray, IsIn, IsNotEmpty, IsObject, IsOptional, IsString } from 'class-validator';
import { CountryCode } from 'plaid';
import { PlaidRequestDto } from '../common/plaid-request.dto';

export class ItemPublicTokenExchangeDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  public_token!: string;
}

export class AccountsGetDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  access_token!: string;

  /** Accepted for SDK compatibility (`options.account_ids`); filters the returned accounts. */
  @IsOptional()
  @IsObject()
  options?: { account_ids?: string[] };
}

export class InstitutionsGetByIdDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  institution_id!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(Object.values(CountryCode), { each: true })
  country_codes!: string[];

  @IsOptional()
  @IsObject()
  options?: Record<string, unknown>;
}
