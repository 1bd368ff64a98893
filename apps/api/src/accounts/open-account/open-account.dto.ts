import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { ACCOUNT_CURRENCIES, ACCOUNT_TYPES, AccountCurrency, AccountType } from '@payments/domain';

export class OpenAccountRequest {
  @ApiProperty({ enum: ACCOUNT_CURRENCIES })
  @IsIn(ACCOUNT_CURRENCIES)
  currency!: AccountCurrency;

  @ApiProperty({ enum: ACCOUNT_TYPES })
  @IsIn(ACCOUNT_TYPES)
  account_type!: AccountType;
}
