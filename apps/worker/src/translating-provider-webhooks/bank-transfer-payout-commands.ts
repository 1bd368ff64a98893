import { assertNever, PayoutCommand } from '@payments/domain';
import { ProviderBankTransferEvent } from '@payments/providers/plaid';

/**
 * The payout command a bank transfer event means for a USD payout (a Plaid `credit`), or undefined when it changes
 * nothing (PENDING: the payout is already SUBMITTED). Exhaustive over the provider's event types:
 * POSTED -> settled; FAILED -> failed; REVERSED -> returned; CANCELLED -> failed (code CANCELLED: the money never left).
 */
export function payoutCommandForBankTransferEvent(event: ProviderBankTransferEvent, now: Date): PayoutCommand | undefined {
  const reason = (fallback: string) => ({ code: event.failure?.achReturnCode ?? fallback, description: event.failure?.description ?? `the provider reported the transfer ${fallback.toLowerCase()}` });
  switch (event.type) {
    case 'PENDING':
      return undefined;
    case 'POSTED':
      return { type: 'MarkSettled', data: {}, now };
    case 'FAILED':
      return { type: 'MarkFailed', data: { reason: reason('FAILED') }, now };
    case 'REVERSED':
      return { type: 'MarkReturned', data: { reason: reason('REVERSED') }, now };
    case 'CANCELLED':
      return { type: 'MarkFailed', data: { reason: { code: 'CANCELLED', description: 'the provider cancelled the transfer before it was sent' } }, now };
    default:
      return assertNever(event.type, 'provider bank transfer event type');
  }
}
