import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CURRENCIES, formatMinor, RemittanceState } from '@payments/domain';

export class BeneficiaryResponse {
  @ApiProperty() first_name!: string;
  @ApiProperty() last_name!: string;
  @ApiProperty({ example: 'PK' }) country!: string;
  @ApiProperty({ example: '****4321', description: 'last four only' }) account_number!: string;
}

export class RemittanceResponse {
  @ApiProperty({ description: 'the remittance id, the same as the quote id' }) uuid!: string;
  @ApiProperty() quote_id!: string;
  @ApiProperty({ enum: ['QUOTED', 'PENDING', 'SUBMITTED', 'SETTLED', 'FAILED'] }) status!: string;
  @ApiProperty({ enum: CURRENCIES }) source_currency!: string;
  @ApiProperty({ enum: CURRENCIES }) target_currency!: string;
  @ApiProperty({ example: '10000.00', description: 'what the user pays, in the source currency (decimal string, its minor-unit precision)' }) source_amount!: string;
  @ApiProperty({ example: '1796.77', description: 'what the recipient gets, in the target currency' }) target_amount!: string;
  @ApiProperty({ enum: ['source', 'target'], description: 'the amount the user fixed; the other was computed (source → target rounds down, target → source rounds up)' })
  fixed_side!: string;
  @ApiProperty({ example: '0.1796774194', description: 'target units per source unit, exact decimal string from the FX source' }) rate!: string;
  @ApiProperty({ example: 'sandbox' }) rate_source!: string;
  @ApiProperty() rate_as_of!: string;
  @ApiProperty() expires_at!: string;
  @ApiProperty() created_at!: string;
  @ApiPropertyOptional() recipient_uuid?: string;
  @ApiPropertyOptional({ type: BeneficiaryResponse }) beneficiary?: BeneficiaryResponse;
  @ApiPropertyOptional({ nullable: true }) started_at?: string | null;
}

/** The command side's view of a remittance (quote and start answers): from the stream just written, not a read model. */
export function remittanceResponse(state: Exclude<RemittanceState, { status: 'NONE' }>): RemittanceResponse {
  const q = state.quote;
  const destination = state.destination;
  return {
    uuid: q.remittance_id,
    quote_id: q.remittance_id,
    status: state.status,
    source_currency: q.source_currency,
    target_currency: q.target_currency,
    source_amount: formatMinor(BigInt(q.source_amount_minor), q.source_currency),
    target_amount: formatMinor(BigInt(q.target_amount_minor), q.target_currency),
    fixed_side: q.fixed_side,
    rate: q.fx.rate,
    rate_source: q.fx.source,
    rate_as_of: q.fx.as_of,
    expires_at: q.expires_at,
    created_at: q.quoted_at,
    ...(destination?.kind === 'recipient' ? { recipient_uuid: destination.recipient_id } : {}),
    ...(destination?.kind === 'beneficiary'
      ? { beneficiary: { first_name: destination.first_name, last_name: destination.last_name, country: destination.country, account_number: `****${destination.account_last4}` } }
      : {}),
    started_at: state.startedAt ?? null,
  };
}
