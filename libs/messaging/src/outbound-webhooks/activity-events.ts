import { PUBLIC_EVENT_TYPES } from '../public-events';

/**
 * Transfer (activity) events sent as outbound webhooks, whose `data` is the seed's activity shape ("Outgoing ACH
 * Transfer"). Kept here, apart from the public catalog, until the catalog gets its transfer entries (issue 6 item 1);
 * the worker folds the transfer's stream up to the event to build the body.
 */
export const TRANSFER_ACTIVITY_TYPES: Readonly<Record<string, string>> = {
  TransferInitiated: 'transfer.initiated',
  TransferCryptoOut: 'transfer.crypto_out',
  TransferBankOutSubmitted: 'transfer.bank_out_submitted',
  TransferCompleted: 'transfer.completed',
  TransferFailed: 'transfer.failed',
};

/** Every type an endpoint may subscribe to (besides `*`). */
export const WEBHOOK_EVENT_TYPES: readonly string[] = [...new Set([...PUBLIC_EVENT_TYPES, ...Object.values(TRANSFER_ACTIVITY_TYPES)])];
