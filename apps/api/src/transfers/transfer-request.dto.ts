import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Allow } from 'class-validator';

/**
 * The seed's request bodies. Fields are only declared here (so unknown top-level fields are still refused); every
 * rule of the seed's Validation Errors table is checked in the domain (parseEstimateTransferRequest /
 * parseExecuteTransferRequest), which names the seed's exact fields (e.g. `legal_address.state`).
 */
class TransferDetailsRequest {
  @ApiProperty({ example: '1334726cbd7641c09b4124e3e52f53fe:8d5a65eb59d94afea64374d45591fe9f', description: '{account_id}:{details_id}: `ach_account_id` of GET /api/v2/balances' })
  @Allow()
  account_id?: unknown;

  @ApiProperty({ example: { first_name: 'Alex', last_name: 'Grey' }, description: 'first_name + last_name, or company_name' })
  @Allow()
  recipient?: unknown;

  @ApiProperty({
    example: { account_number: '123456789012', routing_number: '026073150', bank_name: 'Bank of America', legal_address: { line1: '123 Main Street', city: 'New York', state: 'NY', zip_code: '10001', country: 'US' } },
  })
  @Allow()
  recipient_account?: unknown;

  @ApiPropertyOptional({ example: 'Invoice #12345', description: 'at most 100 characters' })
  @Allow()
  reference?: unknown;
}

export class EstimateTransferRequest extends TransferDetailsRequest {
  @ApiProperty({ example: 500, description: 'USD, at most 2 decimals' })
  @Allow()
  amount?: unknown;

  @ApiPropertyOptional({ type: [String], description: 'token addresses to quote; all configured assets when omitted' })
  @Allow()
  tokens?: unknown;
}

export class ExecuteTransferRequest extends TransferDetailsRequest {
  @ApiProperty({ example: '0x5c55F314624718019A326F16a62A05D6C6d8C8A2' })
  @Allow()
  token_address?: unknown;

  @ApiPropertyOptional({ description: 'from the estimate; exactly one of estimation_id and amount' })
  @Allow()
  estimation_id?: unknown;

  @ApiPropertyOptional({ description: 'USD; exactly one of estimation_id and amount' })
  @Allow()
  amount?: unknown;
}
