import { Controller, Get, Param } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { IsUUID } from 'class-validator';
import { DomainError, quoteAmount, recipientDisplayName, toJsonMajorAmount, TransferInitiatedData, TransferState, transferDecider, transferStreamId } from '@payments/domain';
import { CommandProcessor } from '@payments/event-store';
import { UserId } from '../../platform';

export class TransferIdParam {
  @ApiProperty() @IsUUID() id!: string;
}

type Step = { type: 'Initiated' | 'CryptoOut' | 'BankOut'; status: 'Pending' | 'Completed' | 'Failed'; created_at: string; completed_at: string | null };

/**
 * What an executed estimate that never got its TransferInitiated (the API crashed after the hold; the orphan-hold
 * sweep abandoned it and released the hold) looks like: the estimate with the quote of the asset that was held, the
 * Initiated step Failed. A fresh-amount request abandoned the same way has no details to show (its stream holds only
 * TransferAbandoned, and its id never reached the client): it stays 404.
 */
function abandonedAsInitiated(state: TransferState): TransferInitiatedData | undefined {
  if (state.status !== 'ABANDONED' || !state.estimate || !state.abandoned) return undefined;
  const e = state.estimate;
  const quote = e.estimated_amounts.find((q) => q.token_symbol === state.abandoned!.token_symbols[0]);
  if (!quote) return undefined;
  const { recipient, recipient_account, reference, account_id, amount_minor, currency, user_id } = e;
  return {
    transfer_id: e.estimation_id,
    user_id,
    account_id,
    estimation_id: e.estimation_id,
    amount_minor,
    currency,
    quote,
    recipient,
    recipient_account,
    ...(reference !== undefined ? { reference } : {}),
    initiated_at: e.estimated_at,
  };
}

/** The seed's activity shape ("Outgoing ACH Transfer" webhook body) for a transfer's folded state. */
export function transferActivityView(state: TransferState) {
  const abandoned = state.status === 'ABANDONED' ? state.abandoned : undefined;
  const t = (state.status === 'NONE' ? undefined : state.initiated) ?? abandonedAsInitiated(state);
  if (state.status === 'NONE' || !t) throw new Error('not a transfer');
  const { quote } = t;
  const tokenAmount = Number(quoteAmount(quote));
  const status = state.status === 'COMPLETED' ? 'Completed' : state.status === 'FAILED' || abandoned ? 'Failed' : 'Pending';
  const failedAt = state.failed?.step;
  const steps: Step[] = abandoned
    ? [{ type: 'Initiated', status: 'Failed', created_at: t.initiated_at, completed_at: abandoned.at }]
    : [{ type: 'Initiated', status: 'Completed', created_at: t.initiated_at, completed_at: t.initiated_at }];
  if (!abandoned) {
    steps.push({
      type: 'CryptoOut',
      status: state.cryptoOutAt ? 'Completed' : failedAt === 'CryptoOut' ? 'Failed' : 'Pending',
      created_at: t.initiated_at,
      completed_at: state.cryptoOutAt ?? (failedAt === 'CryptoOut' ? state.failed!.at : null),
    });
  }
  if (state.cryptoOutAt) {
    steps.push({
      type: 'BankOut',
      status: state.completedAt ? 'Completed' : failedAt === 'BankOut' ? 'Failed' : 'Pending',
      created_at: state.cryptoOutAt,
      completed_at: state.completedAt ?? (failedAt === 'BankOut' ? state.failed!.at : null),
    });
  }
  return {
    id: t.transfer_id,
    type: 'AchPush',
    status,
    direction: 'Outbound',
    source: { type: 'Wallet', wallet: { account_id: t.account_id } },
    destination: {
      type: 'AchBankAccount',
      bank_account: {
        account_number: `****${t.recipient_account.account_number.last4}`,
        routing_number: `****${t.recipient_account.routing_number.last4}`,
        owner_name: recipientDisplayName(t.recipient),
        is_business: t.recipient.company_name !== undefined,
        ...(t.recipient_account.bank_name !== undefined ? { bank_name: t.recipient_account.bank_name } : {}),
      },
    },
    source_amount: { amount: tokenAmount, precise_amount: quote.precise_amount, token_symbol: quote.token_symbol, token_address: quote.token_address },
    destination_amount: { amount: toJsonMajorAmount(BigInt(t.amount_minor), 'USD'), currency: 'USD' },
    operations: [
      {
        // No chain in the sandbox: the asset movement has no transaction hash.
        hash: null,
        operation_amount: { amount: -tokenAmount, precise_amount: `-${quote.precise_amount}`, token_symbol: quote.token_symbol, token_address: quote.token_address },
        rate: { ticker: `USD/${quote.token_symbol}`, rate: Number(quote.rate) },
      },
    ],
    ...(t.estimation_id !== undefined ? { estimation_id: t.estimation_id } : {}),
    ...(t.reference !== undefined ? { reference: t.reference } : {}),
    ...(state.failed ? { failure_reason: state.failed.reason } : abandoned ? { failure_reason: abandoned.reason } : {}),
    created_at: t.initiated_at,
    activity_steps: steps,
  };
}

@ApiTags('transfers')
@ApiHeader({ name: 'X-User-Id', required: true })
@Controller('api/v1/bank/transfer')
export class GetTransferController {
  constructor(private readonly commands: CommandProcessor) {}

  @Get(':id')
  @ApiOperation({ summary: "One of the user's ACH transfers in the seed's activity shape (folded from its stream: always current)." })
  async get(@UserId() userId: string, @Param() params: TransferIdParam) {
    const { state } = await this.commands.load(transferStreamId(params.id.toLowerCase()), transferDecider);
    const owner = state.status === 'NONE' ? undefined : (state.initiated?.user_id ?? (state.status === 'ABANDONED' && state.estimate ? state.abandoned?.user_id : undefined));
    if (state.status === 'NONE' || owner !== userId) throw DomainError.notFound('transfer', 'id');
    return transferActivityView(state);
  }
}
