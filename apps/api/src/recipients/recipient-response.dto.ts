import { ApiProperty } from '@nestjs/swagger';

/** OpenAPI shape of a recipient in responses (RecipientView from the read models). */
export class RecipientResponse {
  @ApiProperty() uuid!: string;
  @ApiProperty() account_name!: string;
  @ApiProperty({ description: 'the user\'s default recipient for payouts' }) main_recipient!: boolean;
  @ApiProperty({ enum: ['ACTIVE'] }) status!: 'ACTIVE';
  @ApiProperty({
    description:
      'currency, transfer_method, account_type, recipient_relationship, bic and bank_code as saved; account_number, routing_number, iban and sort_code as their last 4 only ("****5498")',
    example: { currency: 'USD', transfer_method: 'ACH', account_number: '****5498', routing_number: '****9593', account_type: 'Checking', recipient_relationship: 'Customer' },
  })
  account_details!: Record<string, string>;
  @ApiProperty() created_at!: string;
}

export class RemovedRecipientResponse {
  @ApiProperty() uuid!: string;
  @ApiProperty({ enum: ['DELETED'] }) status!: 'DELETED';
}
