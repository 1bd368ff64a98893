import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { RecipientName } from '../customer/capabilities';
import { convertAmount, formatRate, parseRate } from '../funding/exact-rate';
import { FundingAsset } from '../funding/funding-assets';
import { FxQuote } from '../funding/fx-rates';
import { formatAssetUnits } from '../funding/asset-balance.decider';
import { SealedValue } from '../recipient/recipient-account';
import { TransferLegalAddress } from './transfer-request';

/**
 * An ACH bank transfer funded from a funding asset (ARCHITECTURE §5, Transfer row; seed
 * ach-bank-transfer-estimate-execute.txt). One stream `transfer-{id}`:
 * - estimate: `TransferEstimated` (every quoted asset with its exact precise amount and the whole FX quote used, so a
 *   replay gives the same amounts whatever the rate table says later), id = estimation id;
 * - execute with that estimate: `TransferInitiated` on the SAME stream (the activity id is the estimation id), so an
 *   estimate is used at most once: the stream's revision serialises concurrent executes;
 * - execute with `amount`: a fresh stream whose `TransferInitiated` carries its own fresh quote;
 * - steps: `TransferCryptoOut` (asset captured), `TransferBankOutSubmitted` (provider ACH credit), then
 *   `TransferCompleted` or `TransferFailed` (the asset is returned);
 * - orphaned hold (the API held the asset, then crashed before TransferInitiated): the worker's sweep appends
 *   `TransferAbandoned` (AbandonTransfer succeeds only while the id is not initiated), which releases the hold; an
 *   execute of that id afterwards is refused (409 `transfer_abandoned`).
 */
export const transferStreamId = (transferId: string): string => `transfer-${transferId}`;

/** How long an estimate can be executed, unless configured otherwise. */
export const DEFAULT_ESTIMATE_TTL_SECONDS = 300;

/** One asset's quote for a USD amount. */
export interface AssetQuote {
  token_address: string;
  token_symbol: string;
  decimals: number;
  /** Smallest units the user pays, rounded UP (the service is never short). */
  precise_amount: string;
  /** Token per USD, exact decimal string. */
  rate: string;
  /** The FX quote the rate came from (USD → the asset's peg), stored whole. */
  fx_quote: FxQuote;
}

/** The recipient bank account as events hold it: numbers sealed (AES-GCM, last 4 kept), a keyed fingerprint to compare. */
export interface SealedTransferAccount {
  account_number: SealedValue;
  routing_number: SealedValue;
  bank_name?: string;
  legal_address: TransferLegalAddress;
  /** Keyed HMAC of routing + account number: execute compares it with the estimate's. */
  fingerprint: string;
}

export interface SealedTransferDetails {
  recipient: RecipientName;
  recipient_account: SealedTransferAccount;
  reference?: string;
}

export interface TransferEstimatedData extends SealedTransferDetails {
  estimation_id: string;
  user_id: string;
  account_id: string;
  amount_minor: string;
  currency: 'USD';
  estimated_amounts: AssetQuote[];
  estimated_at: string;
  expires_at: string;
}

export interface TransferInitiatedData extends SealedTransferDetails {
  transfer_id: string;
  user_id: string;
  account_id: string;
  estimation_id?: string;
  amount_minor: string;
  currency: 'USD';
  quote: AssetQuote;
  initiated_at: string;
}

export type TransferStep = 'Initiated' | 'CryptoOut' | 'BankOut';
export interface TransferFailureReason {
  code: string;
  description: string;
}
type Ref = { transfer_id: string; user_id: string };

export type TransferEvent =
  | DomainEvent<'TransferEstimated', TransferEstimatedData>
  | DomainEvent<'TransferInitiated', TransferInitiatedData>
  | DomainEvent<'TransferCryptoOut', Ref & { token_symbol: string; precise_amount: string; at: string }>
  | DomainEvent<'TransferBankOutSubmitted', Ref & { provider: string; provider_transfer_id: string; at: string }>
  | DomainEvent<'TransferCompleted', Ref & { at: string }>
  /** `crypto_out`: whether the asset had been captured (then it is returned by reversing the debit, else released). */
  | DomainEvent<'TransferFailed', Ref & { step: TransferStep; crypto_out: boolean; reason: TransferFailureReason; at: string }>
  /** An id held for but never initiated (orphaned hold): `token_symbol`'s hold of movement `transfer_id` is released. */
  | DomainEvent<'TransferAbandoned', Ref & { token_symbol: string; reason: TransferFailureReason; at: string }>;

export const TRANSFER_EVENT_TYPES: readonly TransferEvent['type'][] = [
  'TransferEstimated',
  'TransferInitiated',
  'TransferCryptoOut',
  'TransferBankOutSubmitted',
  'TransferCompleted',
  'TransferFailed',
  'TransferAbandoned',
];

export type TransferCommand =
  | CommandEnvelope<'EstimateTransfer', Omit<TransferEstimatedData, 'estimated_at'>>
  | CommandEnvelope<
      'ExecuteTransfer',
      {
        transfer_id: string;
        user_id: string;
        token_address: string;
        /** Execute an estimate (this stream's TransferEstimated): details must match it (by fingerprint). */
        estimation_id?: string;
        fingerprint: string;
        /** Execute with a fresh quote: everything the initiation needs. */
        fresh?: Omit<TransferInitiatedData, 'transfer_id' | 'user_id' | 'initiated_at' | 'estimation_id'>;
      }
    >
  | CommandEnvelope<'RecordCryptoOut', Record<string, never>>
  | CommandEnvelope<'RecordBankOutSubmitted', { provider: string; provider_transfer_id: string }>
  | CommandEnvelope<'CompleteTransfer', Record<string, never>>
  | CommandEnvelope<'FailTransfer', { reason: TransferFailureReason }>
  /** The orphan-hold sweep: abandon an id whose asset hold (in `token_symbol`) never got its TransferInitiated. */
  | CommandEnvelope<'AbandonTransfer', Ref & { token_symbol: string; reason: TransferFailureReason }>;

export type TransferStatus = 'ESTIMATED' | 'INITIATED' | 'CRYPTO_OUT' | 'BANK_OUT' | 'COMPLETED' | 'FAILED' | 'ABANDONED';

export type TransferState =
  | { status: 'NONE' }
  | {
      status: TransferStatus;
      estimate?: TransferEstimatedData;
      initiated?: TransferInitiatedData;
      cryptoOutAt?: string;
      bankOut?: { provider: string; provider_transfer_id: string; at: string };
      completedAt?: string;
      failed?: { step: TransferStep; crypto_out: boolean; reason: TransferFailureReason; at: string };
      /** Never initiated: the orphaned holds released (normally one asset), why, and when. */
      abandoned?: { user_id: string; token_symbols: string[]; reason: TransferFailureReason; at: string };
    };
type Existing = Exclude<TransferState, { status: 'NONE' }>;

/**
 * Quotes `amountMinor` US cents in `asset`: precise = cents × (token per USD) in the asset's smallest unit, rounded up.
 * The rate is the FX quote USD → the asset's pegged currency (the asset is pegged 1:1).
 */
export function quoteAsset(amountMinor: bigint, asset: FundingAsset, fx: FxQuote): AssetQuote {
  if (fx.base !== 'USD' || fx.quote !== asset.peggedTo) throw new Error(`quote ${fx.base}/${fx.quote} cannot price ${asset.symbol}`);
  const rate = parseRate(fx.rate);
  return {
    token_address: asset.address,
    token_symbol: asset.symbol,
    decimals: asset.decimals,
    precise_amount: convertAmount(amountMinor, 2, rate, asset.decimals, 'up').toString(),
    rate: formatRate(rate),
    fx_quote: fx,
  };
}

/** The human-readable token amount of a quote ("460.85"). */
export const quoteAmount = (quote: AssetQuote): string => formatAssetUnits(BigInt(quote.precise_amount), quote.decimals);

const refused = (field: string, issue: string, description: string) =>
  new DomainError('ErrorInvalidField', description, 'CategoryValidationFailure', [
    { key: 'field', details: field },
    { key: 'issue', details: issue },
  ]);

function existing(state: TransferState): Existing & { initiated: TransferInitiatedData } {
  if (state.status === 'NONE' || !state.initiated) throw DomainError.notFound('transfer', 'id');
  return state as Existing & { initiated: TransferInitiatedData };
}

function decideExecute(command: Extract<TransferCommand, { type: 'ExecuteTransfer' }>, state: TransferState): TransferEvent[] {
  const { transfer_id, user_id, estimation_id, fingerprint, token_address, fresh } = command.data;
  const initiated_at = command.now.toISOString();
  if (state.status === 'ABANDONED' && state.abandoned?.user_id === user_id) {
    throw DomainError.invalidState(
      'this transfer request was abandoned (it did not complete in time) and its hold released; request a new estimate or send a new request',
      'transfer_abandoned',
    );
  }
  if (estimation_id === undefined) {
    if (!fresh) throw new Error('ExecuteTransfer needs an estimation_id or a fresh quote');
    if (state.status !== 'NONE') {
      if (state.initiated?.user_id === user_id && state.initiated.quote.token_address === fresh.quote.token_address && state.initiated.amount_minor === fresh.amount_minor) return [];
      throw DomainError.invalidState(`transfer ${transfer_id} already exists with other details`, 'transfer_id_conflict');
    }
    return [{ type: 'TransferInitiated', data: { transfer_id, user_id, ...fresh, initiated_at } }];
  }
  const estimate = state.status === 'NONE' ? undefined : state.estimate;
  if (!estimate || estimate.user_id !== user_id) {
    throw new DomainError('ErrorNotFound', 'estimate not found', 'CategoryNotFound', [
      { key: 'field', details: 'estimation_id' },
      { key: 'issue', details: 'not_found' },
    ]);
  }
  if (state.status !== 'ESTIMATED') throw refused('estimation_id', 'estimate_already_used', 'this estimate was already used for a transfer; request a new estimate');
  if (command.now.getTime() > new Date(estimate.expires_at).getTime()) {
    throw refused('estimation_id', 'estimate_expired', `this estimate expired at ${estimate.expires_at}; request a new estimate`);
  }
  if (fingerprint !== estimate.recipient_account.fingerprint) {
    throw refused('recipient_account', 'does_not_match_estimate', 'recipient_account must be the account the estimate was made for');
  }
  const quote = estimate.estimated_amounts.find((q) => q.token_address.toLowerCase() === token_address.toLowerCase());
  if (!quote) throw refused('token_address', 'not_estimated', 'the estimate has no quote for this token; estimate with it first');
  const { recipient, recipient_account, reference, account_id, amount_minor, currency } = estimate;
  return [
    {
      type: 'TransferInitiated',
      data: { transfer_id, user_id, account_id, estimation_id, amount_minor, currency, quote, recipient, recipient_account, ...(reference !== undefined ? { reference } : {}), initiated_at },
    },
  ];
}

export const transferDecider: Decider<TransferState, TransferCommand, TransferEvent> = {
  initialState: () => ({ status: 'NONE' }),

  decide(command, state) {
    const at = command.now.toISOString();
    switch (command.type) {
      case 'EstimateTransfer':
        if (state.status !== 'NONE') {
          if (state.estimate?.estimation_id === command.data.estimation_id && state.estimate.user_id === command.data.user_id) return [];
          throw DomainError.invalidState(`estimate ${command.data.estimation_id} already exists`, 'estimation_id_conflict');
        }
        return [{ type: 'TransferEstimated', data: { ...command.data, estimated_at: at } }];
      case 'ExecuteTransfer':
        return decideExecute(command, state);
      case 'RecordCryptoOut': {
        const t = existing(state);
        if (t.status !== 'INITIATED') return [];
        const { transfer_id, user_id, quote } = t.initiated;
        return [{ type: 'TransferCryptoOut', data: { transfer_id, user_id, token_symbol: quote.token_symbol, precise_amount: quote.precise_amount, at } }];
      }
      case 'RecordBankOutSubmitted': {
        const t = existing(state);
        if (t.bankOut) {
          if (t.bankOut.provider_transfer_id !== command.data.provider_transfer_id) throw DomainError.invalidState(`transfer ${t.initiated.transfer_id} was sent as another provider transfer`, 'provider_transfer_mismatch');
          return [];
        }
        if (t.status !== 'CRYPTO_OUT') return [];
        return [{ type: 'TransferBankOutSubmitted', data: { transfer_id: t.initiated.transfer_id, user_id: t.initiated.user_id, ...command.data, at } }];
      }
      case 'CompleteTransfer': {
        const t = existing(state);
        if (t.status === 'COMPLETED') return [];
        if (t.status !== 'BANK_OUT') throw DomainError.invalidState(`cannot complete transfer ${t.initiated.transfer_id}: it is ${t.status}`, 'transfer_outcome_conflict');
        return [{ type: 'TransferCompleted', data: { transfer_id: t.initiated.transfer_id, user_id: t.initiated.user_id, at } }];
      }
      case 'FailTransfer': {
        const t = existing(state);
        if (t.status === 'FAILED') return [];
        if (t.status === 'COMPLETED') throw DomainError.invalidState(`cannot fail transfer ${t.initiated.transfer_id}: it is COMPLETED`, 'transfer_outcome_conflict');
        const step: TransferStep = t.status === 'INITIATED' ? 'CryptoOut' : 'BankOut';
        return [
          {
            type: 'TransferFailed',
            data: { transfer_id: t.initiated.transfer_id, user_id: t.initiated.user_id, step, crypto_out: t.cryptoOutAt !== undefined, reason: command.data.reason, at },
          },
        ];
      }
      case 'AbandonTransfer': {
        // Only an id that was never initiated can be abandoned; a transfer that exists carries on (its steps own the hold).
        if (state.status !== 'NONE' && state.status !== 'ESTIMATED' && state.status !== 'ABANDONED') return [];
        if (state.status === 'ABANDONED' && state.abandoned?.token_symbols.includes(command.data.token_symbol)) return [];
        return [{ type: 'TransferAbandoned', data: { ...command.data, at } }];
      }
      default:
        return assertNever(command, 'transfer command');
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'TransferEstimated':
        return { status: 'ESTIMATED', estimate: event.data };
      case 'TransferInitiated':
        return { ...(state.status === 'NONE' ? {} : state), status: 'INITIATED', initiated: event.data };
      case 'TransferCryptoOut':
        return state.status === 'NONE' ? state : { ...state, status: 'CRYPTO_OUT', cryptoOutAt: event.data.at };
      case 'TransferBankOutSubmitted':
        return state.status === 'NONE' ? state : { ...state, status: 'BANK_OUT', bankOut: { provider: event.data.provider, provider_transfer_id: event.data.provider_transfer_id, at: event.data.at } };
      case 'TransferCompleted':
        return state.status === 'NONE' ? state : { ...state, status: 'COMPLETED', completedAt: event.data.at };
      case 'TransferFailed':
        return state.status === 'NONE' ? state : { ...state, status: 'FAILED', failed: { step: event.data.step, crypto_out: event.data.crypto_out, reason: event.data.reason, at: event.data.at } };
      case 'TransferAbandoned': {
        if (state.status !== 'NONE' && state.status !== 'ESTIMATED' && state.status !== 'ABANDONED') return state;
        const before = state.status === 'NONE' ? {} : state;
        const symbols = state.status === 'ABANDONED' ? (state.abandoned?.token_symbols ?? []) : [];
        const { user_id, token_symbol, reason, at } = event.data;
        return { ...before, status: 'ABANDONED', abandoned: { user_id, token_symbols: [...symbols, token_symbol], reason, at } };
      }
      default:
        return assertNever(event, 'transfer event');
    }
  },
};
