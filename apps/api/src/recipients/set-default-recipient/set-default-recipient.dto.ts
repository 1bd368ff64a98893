import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsUUID } from 'class-validator';

/**
 * The seed's `PATCH /user/bank-account/remote` ("set a specific recipient as the default destination for payouts")
 * has no path parameter, so the recipient is named in the body.
 */
export class SetDefaultRecipientRequest {
  @ApiProperty({ description: 'the recipient to make the default' })
  @IsUUID()
  uuid!: string;

  @ApiPropertyOptional({ description: 'true (default): make it the default recipient; false: if it is the default, the user has none afterwards', default: true })
  @IsOptional()
  @IsBoolean()
  main_recipient?: boolean;
}
