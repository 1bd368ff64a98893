import { assertNever, PayoutCommand, TransferCommand } from '@payments/domain';
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

/**
 * The transfer command a bank transfer event means for an ACH bank transfer's BankOut credit (issue 5), or undefined
 * (PENDING changes nothing): POSTED → completed; FAILED, CANCELLED → failed (the asset is returned); REVERSED → failed
 * too, refused by the transfer once it completed (a return after completion needs ops: logged, skipped).
 */
export function transferCommandForBankTransferEvent(event: ProviderBankTransferEvent, now: Date): TransferCommand | undefined {
  const reason = (fallback: string) => ({ code: event.failure?.achReturnCode ?? fallback, description: event.failure?.description ?? `the provider reported the transfer ${fallback.toLowerCase()}` });
  switch (event.type) {
    case 'PENDING':
      return undefined;
    case 'POSTED':
      return { type: 'CompleteTransfer', data: {}, now };
    case 'FAILED':
      return { type: 'FailTransfer', data: { reason: reason('FAILED') }, now };
    case 'REVERSED':
      return { type: 'FailTransfer', data: { reason: reason('REVERSED') }, now };
    case 'CANCELLED':
      return { type: 'FailTransfer', data: { reason: { code: 'CANCELLED', description: 'the provider cancelled the transfer before it was sent' } }, now };
    default:
      return assertNever(event.type, 'provider bank transfer event type');
  }
}
