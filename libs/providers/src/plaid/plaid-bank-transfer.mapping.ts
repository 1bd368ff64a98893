import { BankTransferEventType, BankTransferStatus } from 'plaid';
import { ProviderError } from '../provider-error';

/** Our own names for a provider bank transfer's status. Each provider status maps to exactly one. */
export const ProviderTransferStatus = {
  Pending: 'PENDING',
  Posted: 'POSTED',
  Cancelled: 'CANCELLED',
  Failed: 'FAILED',
  Reversed: 'REVERSED',
} as const;
export type ProviderTransferStatus = (typeof ProviderTransferStatus)[keyof typeof ProviderTransferStatus];

/** Our own names for a provider bank transfer event. Each provider event type maps to exactly one. */
export const ProviderTransferEventType = {
  Pending: 'PENDING',
  Cancelled: 'CANCELLED',
  Failed: 'FAILED',
  Posted: 'POSTED',
  Reversed: 'REVERSED',
} as const;
export type ProviderTransferEventType = (typeof ProviderTransferEventType)[keyof typeof ProviderTransferEventType];

const unknownValue = (what: string, value: unknown): ProviderError =>
  new ProviderError({
    code: 'PROVIDER_BAD_RESPONSE',
    message: `provider sent an unknown bank transfer ${what}: ${JSON.stringify(value)}`,
    httpStatus: 502,
    retryable: false,
  });

/**
 * Plaid bank transfer status -> ours. Exhaustive: a status added to the SDK fails compilation here; a value
 * the SDK does not know (sent at run time) is a PROVIDER_BAD_RESPONSE, never a silent default.
 */
export function toProviderTransferStatus(status: BankTransferStatus): ProviderTransferStatus {
  switch (status) {
    case BankTransferStatus.Pending:
      return ProviderTransferStatus.Pending;
    case BankTransferStatus.Posted:
      return ProviderTransferStatus.Posted;
    case BankTransferStatus.Cancelled:
      return ProviderTransferStatus.Cancelled;
    case BankTransferStatus.Failed:
      return ProviderTransferStatus.Failed;
    case BankTransferStatus.Reversed:
      return ProviderTransferStatus.Reversed;
    default: {
      const unknown: never = status;
      throw unknownValue('status', unknown);
    }
  }
}

/** Plaid bank transfer event type -> ours. Exhaustive in the same way as toProviderTransferStatus. */
export function toProviderTransferEventType(eventType: BankTransferEventType): ProviderTransferEventType {
  switch (eventType) {
    case BankTransferEventType.Pending:
      return ProviderTransferEventType.Pending;
    case BankTransferEventType.Cancelled:
      return ProviderTransferEventType.Cancelled;
    case BankTransferEventType.Failed:
      return ProviderTransferEventType.Failed;
    case BankTransferEventType.Posted:
      return ProviderTransferEventType.Posted;
    case BankTransferEventType.Reversed:
      return ProviderTransferEventType.Reversed;
    default: {
      const unknown: never = eventType;
      throw unknownValue('event type', unknown);
    }
  }
}

/**
 * Minor units (cents) -> Plaid's amount string with exactly two decimals: 2500n -> "25.00", 5n -> "0.05".
 * Integer arithmetic only; negative amounts are refused (Plaid amounts are unsigned, the direction is `type`).
 */
export function minorUnitsToPlaidAmount(amountMinor: bigint): string {
  if (amountMinor < 0n) throw new RangeError('a Plaid bank transfer amount cannot be negative');
  return `${amountMinor / 100n}.${(amountMinor % 100n).toString().padStart(2, '0')}`;
}

const PLAID_AMOUNT = /^(-?)(\d+)(?:\.(\d{1,2}))?$/;

/**
 * Plaid's decimal amount string -> minor units without floats: "25.00" -> 2500n, "0.5" -> 50n, "-1.25" -> -125n.
 * More than two decimals, exponents or anything else is a PROVIDER_BAD_RESPONSE.
 */
export function plaidAmountToMinorUnits(amount: string): bigint {
  const match = PLAID_AMOUNT.exec(amount);
  if (!match) throw unknownValue('amount', amount);
  const minor = BigInt(match[2]!) * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -minor : minor;
}
