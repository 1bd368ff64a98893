import type { SettlementRail } from '@payments/domain';
import { ProviderError } from '../provider-error';

/** The provider's payment rails (USD payouts are ACH credits through the bank transfer API instead). */
export type RailsPayoutRail = Exclude<SettlementRail, 'ACH'>;
export type RailsPayoutCurrency = 'EUR' | 'GBP' | 'NGN';

/** The currency each rail carries. */
export const RAILS_PAYOUT_CURRENCY: Readonly<Record<RailsPayoutRail, RailsPayoutCurrency>> = { SEPA: 'EUR', FPS: 'GBP', NGN_LOCAL: 'NGN' };

/**
 * Our names for a provider payout's status; an event's type is the status it moved the payout to. Each provider
 * value maps to exactly one: a payout that failed before settling (FAILED) and one the beneficiary bank sent back
 * after settling (RETURNED) stay apart.
 */
export const ProviderPayoutStatus = {
  Pending: 'PENDING',
  Settled: 'SETTLED',
  Failed: 'FAILED',
  Returned: 'RETURNED',
} as const;
export type ProviderPayoutStatus = (typeof ProviderPayoutStatus)[keyof typeof ProviderPayoutStatus];

/** The provider's wire values. */
const WIRE_STATUSES = ['pending', 'settled', 'failed', 'returned'] as const;
type WireStatus = (typeof WIRE_STATUSES)[number];
const WIRE_RAILS = ['sepa', 'fps', 'ngn_local'] as const;
type WireRail = (typeof WIRE_RAILS)[number];

export const badProviderResponse = (message: string): ProviderError =>
  new ProviderError({ code: 'PROVIDER_BAD_RESPONSE', message: `payment rails: ${message}`, httpStatus: 502, retryable: false });

const isOneOf = <T extends string>(values: readonly T[], value: unknown): value is T => typeof value === 'string' && (values as readonly string[]).includes(value);

/**
 * Provider payout status (or event type) -> ours. Exhaustive: a wire value added to WIRE_STATUSES fails compilation
 * here until it is mapped; a value the provider sends that we do not know is a PROVIDER_BAD_RESPONSE, never a default.
 */
export function toProviderPayoutStatus(value: unknown): ProviderPayoutStatus {
  if (!isOneOf(WIRE_STATUSES, value)) throw badProviderResponse(`unknown payout status ${JSON.stringify(value)}`);
  const status: WireStatus = value;
  switch (status) {
    case 'pending':
      return ProviderPayoutStatus.Pending;
    case 'settled':
      return ProviderPayoutStatus.Settled;
    case 'failed':
      return ProviderPayoutStatus.Failed;
    case 'returned':
      return ProviderPayoutStatus.Returned;
    default: {
      const unknown: never = status;
      throw badProviderResponse(`unknown payout status ${JSON.stringify(unknown)}`);
    }
  }
}

/** Provider rail name -> ours, exhaustive in the same way. */
export function toRailsPayoutRail(value: unknown): RailsPayoutRail {
  if (!isOneOf(WIRE_RAILS, value)) throw badProviderResponse(`unknown rail ${JSON.stringify(value)}`);
  const rail: WireRail = value;
  switch (rail) {
    case 'sepa':
      return 'SEPA';
    case 'fps':
      return 'FPS';
    case 'ngn_local':
      return 'NGN_LOCAL';
    default: {
      const unknown: never = rail;
      throw badProviderResponse(`unknown rail ${JSON.stringify(unknown)}`);
    }
  }
}

/** Our rail -> the provider's name for it. */
export function toWireRail(rail: RailsPayoutRail): WireRail {
  switch (rail) {
    case 'SEPA':
      return 'sepa';
    case 'FPS':
      return 'fps';
    case 'NGN_LOCAL':
      return 'ngn_local';
    default: {
      const unknown: never = rail;
      throw new RangeError(`unknown payout rail ${JSON.stringify(unknown)}`);
    }
  }
}
