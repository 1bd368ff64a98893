import type { RecordedEvent } from '@payments/event-store';
import { MINOR_UNIT_EXPONENT, isCurrency } from '@payments/domain';
import { CatalogEntry, envelope, PublicEvent } from './public-event';

type Data = Record<string, unknown>;
const str = (event: RecordedEvent, key: string): string | undefined => {
  const value = (event.data as Data)[key];
  return typeof value === 'string' ? value : undefined;
};
const obj = (event: RecordedEvent, key: string): Data => {
  const value = (event.data as Data)[key];
  return value !== null && typeof value === 'object' ? (value as Data) : {};
};
/** A decimal string from a minor-unit string with `exponent` digits after the point ("1050" → "10.50"). */
export function minorToDecimal(minor: string, exponent: number): string {
  const negative = minor.startsWith('-');
  const digits = (negative ? minor.slice(1) : minor).padStart(exponent + 1, '0');
  const whole = exponent === 0 ? digits : digits.slice(0, -exponent);
  return `${negative ? '-' : ''}${whole}${exponent === 0 ? '' : `.${digits.slice(-exponent)}`}`;
}
/** The amount in major units of the event's currency ("25.00" USD, "1500" JPY). */
const amountOf = (event: RecordedEvent, minorKey: string, currencyKey = 'currency'): string => {
  const currency = str(event, currencyKey);
  const exponent = isCurrency(currency) ? MINOR_UNIT_EXPONENT[currency] : 2;
  return minorToDecimal(str(event, minorKey) ?? '0', exponent);
};
const money = (minorKey = 'amount_minor', currencyKey = 'currency') => (e: RecordedEvent): Data => ({
  amount: amountOf(e, minorKey, currencyKey),
  currency: str(e, currencyKey),
});
const reason = (e: RecordedEvent): Data => {
  const r = obj(e, 'reason');
  return { reason: { code: r.code, description: r.description } };
};
const none = (): Data => ({});

/** Builds a mapper: the listed id fields copied as they are, `status`, then `extra`. */
const shape =
  (ids: readonly string[], status: string | undefined, ...extras: ((e: RecordedEvent) => Data)[]) =>
  (event: RecordedEvent): Data => {
    const data: Data = {};
    for (const key of ids) data[key] = str(event, key);
    if (status !== undefined) data.status = status;
    for (const extra of extras) Object.assign(data, extra(event));
    return data;
  };

const PULL = ['pull_id', 'user_id'] as const;
const PAYOUT = ['payout_id', 'user_id'] as const;
const TRANSFER = ['transfer_id', 'user_id'] as const;
const LINK = ['link_id', 'user_id'] as const;
const REMITTANCE = ['remittance_id', 'user_id'] as const;
const ACCOUNT_MOVE = ['account_id', 'user_id', 'movement_id'] as const;
const ASSET_MOVE = ['user_id', 'movement_id', 'token_symbol', 'token_address'] as const;

const balances = (e: RecordedEvent): Data => {
  const b = obj(e, 'balances');
  const currency = str(e, 'currency');
  const exponent = isCurrency(currency) ? MINOR_UNIT_EXPONENT[currency] : 2;
  const dec = (key: string): string => minorToDecimal(typeof b[key] === 'string' ? (b[key] as string) : '0', exponent);
  return { balances: { posted: dec('posted_minor'), pending: dec('pending_minor'), available: dec('available_minor'), overdrawn: b.overdrawn === true } };
};
const accountMove = (extra: (e: RecordedEvent) => Data = none) => shape(ACCOUNT_MOVE, undefined, money(), (e) => ({ purpose: str(e, 'purpose') ?? str(e, 'source') }), balances, extra);
const assetMove = (extra: (e: RecordedEvent) => Data = none) =>
  shape(ASSET_MOVE, undefined, (e) => {
    const b = obj(e, 'balances');
    const digits = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
    return {
      precise_amount: str(e, 'amount'),
      decimals: (e.data as Data).decimals,
      balances: Object.fromEntries(Object.entries(b).map(([k, v]) => [k, digits(v) ?? v])),
    };
  }, extra);

/**
 * The public event catalog: internal event type → public type, version and payload. Internal events without an entry
 * are not published (customer profile/KYC changes, recipient-index bookkeeping, cancel requests). The seed names the
 * ACH pull webhooks `ach_pull.initiated|pending|completed|failed|returned`; the rest follow its `aggregate.action`
 * style. Amounts are decimal strings in major units of their currency (exact: derived from minor-unit strings);
 * asset amounts are `precise_amount` strings in the token's smallest unit. Account numbers never appear: bank links
 * and recipients show the last 4 at most. Schemas: `schemas/<type>.v<version>.json`; list: README.md here.
 */
export const CATALOG: readonly CatalogEntry[] = [
  // ACH pulls (seed webhook names)
  { internalType: 'AchPullRequested', publicType: 'ach_pull.initiated', version: 1, data: shape(PULL, 'INITIATED', money()) },
  { internalType: 'AchPullSubmitted', publicType: 'ach_pull.submitted', version: 1, data: shape([...PULL, 'provider_transfer_id'], 'SUBMITTED') },
  { internalType: 'AchPullPending', publicType: 'ach_pull.pending', version: 1, data: shape(PULL, 'PENDING') },
  { internalType: 'AchPullSettled', publicType: 'ach_pull.completed', version: 1, data: shape(PULL, 'COMPLETED', money()) },
  { internalType: 'AchPullFailed', publicType: 'ach_pull.failed', version: 1, data: shape(PULL, 'FAILED', reason) },
  {
    internalType: 'AchPullReturned',
    publicType: 'ach_pull.returned',
    version: 1,
    data: shape(PULL, 'RETURNED', money(), (e) => ({ ach_return_code: str(e, 'ach_return_code'), description: str(e, 'description') })),
  },
  { internalType: 'AchPullCancelled', publicType: 'ach_pull.cancelled', version: 1, data: shape(PULL, 'CANCELLED') },
  // Payouts
  {
    internalType: 'PayoutRequested',
    publicType: 'payout.requested',
    version: 1,
    data: shape([...PAYOUT, 'recipient_id', 'rail'], 'PENDING', money(), (e) => ({ expected_settlement: obj(e, 'expected_settlement'), requested_at: str(e, 'requested_at') })),
  },
  { internalType: 'PayoutSubmitted', publicType: 'payout.submitted', version: 1, data: shape(PAYOUT, 'SUBMITTED') },
  { internalType: 'PayoutSettled', publicType: 'payout.settled', version: 1, data: shape(PAYOUT, 'SETTLED', money()) },
  { internalType: 'PayoutFailed', publicType: 'payout.failed', version: 1, data: shape(PAYOUT, 'FAILED', reason) },
  { internalType: 'PayoutReturned', publicType: 'payout.returned', version: 1, data: shape(PAYOUT, 'RETURNED', money(), reason) },
  { internalType: 'PayoutAbandoned', publicType: 'payout.abandoned', version: 1, data: shape(PAYOUT, 'FAILED', (e) => ({ currency: str(e, 'currency') }), reason) },
  // Transfers (estimate / execute and their steps)
  {
    internalType: 'TransferEstimated',
    publicType: 'transfer.estimated',
    version: 1,
    data: shape(['estimation_id', 'user_id', 'account_id'], 'ESTIMATED', money(), (e) => ({
      estimated_amounts: ((e.data as Data).estimated_amounts as Data[] | undefined ?? []).map((q) => ({
        token_address: q.token_address,
        token_symbol: q.token_symbol,
        precise_amount: q.precise_amount,
        rate: q.rate,
      })),
      expires_at: str(e, 'expires_at'),
    })),
  },
  {
    internalType: 'TransferInitiated',
    publicType: 'transfer.initiated',
    version: 1,
    data: shape([...TRANSFER, 'account_id'], 'Pending', money(), (e) => {
      const q = obj(e, 'quote');
      return { estimation_id: str(e, 'estimation_id') ?? null, token_symbol: q.token_symbol, token_address: q.token_address, precise_amount: q.precise_amount, rate: q.rate };
    }),
  },
  { internalType: 'TransferCryptoOut', publicType: 'transfer.crypto_out', version: 1, data: shape([...TRANSFER, 'token_symbol', 'precise_amount', 'at'], 'Pending') },
  { internalType: 'TransferBankOutSubmitted', publicType: 'transfer.bank_out_submitted', version: 1, data: shape([...TRANSFER, 'at'], 'Pending') },
  { internalType: 'TransferCompleted', publicType: 'transfer.completed', version: 1, data: shape([...TRANSFER, 'at'], 'Completed') },
  {
    internalType: 'TransferFailed',
    publicType: 'transfer.failed',
    version: 1,
    data: shape([...TRANSFER, 'step', 'at'], 'Failed', (e) => ({ crypto_out: (e.data as Data).crypto_out === true }), reason),
  },
  // Bank links (the mask is the provider's last 4; the access token never leaves)
  { internalType: 'BankLinkRequested', publicType: 'bank_link.requested', version: 1, data: shape(LINK, 'PENDING', (e) => ({ expires_at: str(e, 'expires_at') })) },
  {
    internalType: 'BankLinkActivated',
    publicType: 'bank_link.activated',
    version: 1,
    data: shape([...LINK, 'bank_name', 'account_name', 'account_subtype'], 'ACTIVE', (e) => ({ account_mask: str(e, 'mask') })),
  },
  {
    internalType: 'BankLinkFailed',
    publicType: 'bank_link.failed',
    version: 1,
    data: shape(LINK, 'ERROR', (e) => {
      const err = obj(e, 'last_error');
      return { last_error: { error_code: err.error_code, error_message: err.error_message } };
    }),
  },
  { internalType: 'BankLinkUnlinked', publicType: 'bank_link.unlinked', version: 1, data: shape([...LINK, 'previous_status'], 'UNLINKED') },
  // Accounts and their ledger movements
  { internalType: 'AccountOpened', publicType: 'account.opened', version: 1, data: shape(['account_id', 'user_id', 'currency', 'account_type'], 'OPEN') },
  { internalType: 'AccountCreditPending', publicType: 'account.credit_pending', version: 1, data: accountMove() },
  { internalType: 'AccountCreditPosted', publicType: 'account.credit_posted', version: 1, data: accountMove() },
  { internalType: 'AccountPendingCreditReversed', publicType: 'account.pending_credit_reversed', version: 1, data: accountMove((e) => ({ outcome: str(e, 'outcome'), ...reason(e) })) },
  { internalType: 'AccountCreditReversed', publicType: 'account.credit_reversed', version: 1, data: accountMove(reason) },
  { internalType: 'AccountHoldPlaced', publicType: 'account.hold_placed', version: 1, data: accountMove() },
  { internalType: 'AccountHoldReleased', publicType: 'account.hold_released', version: 1, data: accountMove((e) => ({ outcome: str(e, 'outcome'), ...reason(e) })) },
  { internalType: 'AccountHoldCaptured', publicType: 'account.hold_captured', version: 1, data: accountMove() },
  { internalType: 'AccountDebitReversed', publicType: 'account.debit_reversed', version: 1, data: accountMove(reason) },
  // Recipients (numbers: last 4 only)
  {
    internalType: 'RecipientAdded',
    publicType: 'recipient.added',
    version: 1,
    data: shape(['recipient_id', 'user_id', 'account_name', 'added_at'], 'ACTIVE', (e) => {
      const account = obj(e, 'account');
      // Sealed fields are {ciphertext, last4}: only the last 4 of the account number (or IBAN) leaves.
      const sealed = (account.account_number ?? account.iban) as { last4?: unknown } | undefined;
      return { currency: account.currency, transfer_method: account.transfer_method, account_last4: typeof sealed?.last4 === 'string' ? sealed.last4 : null };
    }),
  },
  { internalType: 'RecipientRemoved', publicType: 'recipient.removed', version: 1, data: shape(['recipient_id', 'user_id', 'removed_at'], 'DELETED') },
  // Funding-asset balances
  { internalType: 'AssetCredited', publicType: 'asset_balance.credited', version: 1, data: assetMove() },
  { internalType: 'AssetHoldPlaced', publicType: 'asset_balance.hold_placed', version: 1, data: assetMove() },
  { internalType: 'AssetHoldCaptured', publicType: 'asset_balance.hold_captured', version: 1, data: assetMove() },
  { internalType: 'AssetHoldReleased', publicType: 'asset_balance.hold_released', version: 1, data: assetMove(reason) },
  { internalType: 'AssetDebitReversed', publicType: 'asset_balance.debit_reversed', version: 1, data: assetMove(reason) },
  // Remittances
  {
    internalType: 'RemittanceQuoted',
    publicType: 'remittance.quoted',
    version: 1,
    data: shape([...REMITTANCE, 'source_currency', 'target_currency', 'fixed_side', 'expires_at'], 'QUOTED', (e) => ({
      source_amount: amountOf(e, 'source_amount_minor', 'source_currency'),
      target_amount: amountOf(e, 'target_amount_minor', 'target_currency'),
      rate: obj(e, 'fx').rate,
    })),
  },
  {
    internalType: 'RemittanceStarted',
    publicType: 'remittance.started',
    version: 1,
    data: shape([...REMITTANCE, 'source_currency'], 'PENDING', (e) => {
      const d = obj(e, 'destination');
      return {
        source_amount: amountOf(e, 'source_amount_minor', 'source_currency'),
        destination: d.kind === 'recipient' ? { kind: 'recipient', recipient_id: d.recipient_id } : { kind: 'beneficiary', country: d.country, account_last4: d.account_last4 },
      };
    }),
  },
  { internalType: 'RemittanceSubmitted', publicType: 'remittance.submitted', version: 1, data: shape(REMITTANCE, 'SUBMITTED') },
  {
    internalType: 'RemittanceSettled',
    publicType: 'remittance.settled',
    version: 1,
    data: shape([...REMITTANCE, 'source_currency'], 'SETTLED', (e) => ({ source_amount: amountOf(e, 'source_amount_minor', 'source_currency') })),
  },
  { internalType: 'RemittanceFailed', publicType: 'remittance.failed', version: 1, data: shape([...REMITTANCE, 'source_currency'], 'FAILED', reason) },
  { internalType: 'RemittanceAbandoned', publicType: 'remittance.abandoned', version: 1, data: shape([...REMITTANCE, 'source_currency', 'at'], 'FAILED', reason) },
  // Bookkeeping a downstream ledger may still want to mirror (no names, e-mail or fingerprints leave the service).
  { internalType: 'AchPullCancelRequested', publicType: 'ach_pull.cancel_requested', version: 1, data: shape(PULL, 'CANCEL_REQUESTED') },
  { internalType: 'AchPullCancelDeclined', publicType: 'ach_pull.cancel_declined', version: 1, data: shape([...PULL, 'reason'], 'CANCEL_DECLINED') },
  {
    internalType: 'CustomerRegistered',
    publicType: 'customer.registered',
    version: 1,
    data: (e) => ({ user_id: str(e, 'customer_id'), customer_type: str(e, 'type'), kyc_status: str(e, 'kyc_status') }),
  },
  {
    internalType: 'CustomerKycStatusChanged',
    publicType: 'customer.kyc_status_changed',
    version: 1,
    data: (e) => ({ user_id: str(e, 'customer_id'), kyc_status: str(e, 'kyc_status'), previous_kyc_status: str(e, 'previous') }),
  },
  { internalType: 'CustomerCapabilityGranted', publicType: 'customer.capability_granted', version: 1, data: (e) => ({ user_id: str(e, 'customer_id'), capability: str(e, 'capability') }) },
  { internalType: 'CustomerCapabilityRevoked', publicType: 'customer.capability_revoked', version: 1, data: (e) => ({ user_id: str(e, 'customer_id'), capability: str(e, 'capability') }) },
  { internalType: 'RecipientRegistered', publicType: 'recipient.registered', version: 1, data: shape(['recipient_id', 'user_id', 'registered_at'], undefined) },
  { internalType: 'RecipientReleased', publicType: 'recipient.released', version: 1, data: shape(['recipient_id', 'user_id'], undefined) },
  {
    internalType: 'DefaultRecipientChanged',
    publicType: 'recipient.default_changed',
    version: 1,
    data: (e) => ({ user_id: str(e, 'user_id'), recipient_id: str(e, 'recipient_id') ?? null, previous_recipient_id: str(e, 'previous_recipient_id') ?? null }),
  },
  { internalType: 'TransferAbandoned', publicType: 'transfer.abandoned', version: 1, data: shape([...TRANSFER, 'token_symbol', 'at'], 'FAILED', reason) },
];

const BY_INTERNAL_TYPE = new Map(CATALOG.map((entry) => [entry.internalType, entry]));

/** The public event for a recorded domain event, or null when the catalog does not publish its type. */
export function toPublicEvent(event: RecordedEvent): PublicEvent | null {
  const entry = BY_INTERNAL_TYPE.get(event.type);
  return entry ? envelope(entry, event) : null;
}

export const PUBLIC_EVENT_TYPES: readonly string[] = [...new Set(CATALOG.map((entry) => entry.publicType))];
