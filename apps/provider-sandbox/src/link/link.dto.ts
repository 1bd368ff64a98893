import { Type } from 'class-transformer';
import {
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUrl,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { CountryCode, Products } from 'plaid';
import { PlaidRequestDto } from '../common/plaid-request.dto';

const URL_OPTIONS = { require_tld: false, require_protocol: true, protocols: ['http', 'https'] };
const LANGUAGES = ['da', 'de', 'en', 'es', 'et', 'fr', 'hi', 'it', 'ja', 'lt', 'lv', 'nl', 'no', 'pl', 'pt', 'ro', 'sv', 'vi'];

export class LinkTokenUserDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  client_user_id!: string;
}

export class HostedLinkDto {
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  completion_redirect_uri?: string;

  @IsOptional()
  @IsInt()
  @Min(60)
  url_lifetime_seconds?: number;

  @IsOptional()
  @IsIn(['sms', 'email'])
  delivery_method?: string;

  @IsOptional()
  @IsBoolean()
  is_mobile_app?: boolean;
}

/** The subset of /link/token/create the sandbox supports; other Plaid fields get UNKNOWN_FIELDS. */
export class LinkTokenCreateDto extends PlaidRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(30)
  client_name!: string;

  @IsString()
  @IsIn(LANGUAGES)
  language!: string;

  @IsArray()
  @ArrayNotEmpty()
  @IsIn(Object.values(CountryCode), { each: true })
  country_codes!: string[];

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => LinkTokenUserDto)
  user!: LinkTokenUserDto;

  @IsOptional()
  @IsArray()
  @IsIn(Object.values(Products), { each: true })
  products?: string[];

  /** Where SESSION_FINISHED is sent. */
  @IsOptional()
  @IsUrl(URL_OPTIONS)
  webhook?: string;

  @IsOptional()
  @IsUrl(URL_OPTIONS)
  redirect_uri?: string;

  /** Present (even `{}`) -> the response carries `hosted_link_url`, as with Plaid's Hosted Link. */
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => HostedLinkDto)
  hosted_link?: HostedLinkDto;
}

/**
 * Sandbox-only: finishes a Link session without a browser (the Link page posts the same body).
 * Authorised by possession of the link token, like Plaid Link's client side; no client_id/secret.
 */
export class LinkCompleteDto {
  @IsString()
  @IsNotEmpty()
  link_token!: string;

  @IsIn(['success', 'failure'])
  outcome!: 'success' | 'failure';

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  institution_id?: string;

  /** Failure only: a Plaid error code such as INVALID_CREDENTIALS (the default), ITEM_LOCKED, INSTITUTION_DOWN. */
  @IsOptional()
  @Matches(/^[A-Z][A-Z0-9_]{0,63}$/, { message: 'error_code must be an upper-case Plaid error code' })
  error_code?: string;

  @IsOptional()
  @IsString()
  @MaxLength(500)
  error_message?: string;
}
