import { IsOptional, IsString } from 'class-validator';

/** Every authenticated Plaid request may carry the credentials in its body instead of headers. */
export abstract class PlaidRequestDto {
  @IsOptional()
  @IsString()
  client_id?: string;

  @IsOptional()
  @IsString()
  secret?: string;
}
