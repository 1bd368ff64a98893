import { assertNever } from '../shared/decider';
import { AssetBalanceEvent } from './asset-balance.decider';

/**
 * The double-entry ledger of funding assets, one unit per asset symbol (smallest units; no conversion ever happens
 * inside a transaction, so each transaction sums to zero in its unit). Per user and asset:
 *
 * | ledger account                          | balance (credits − debits)                                    |
 * |-----------------------------------------|---------------------------------------------------------------|
 * | asset:{user}:{SYMBOL}:balance           | the user's asset balance                                      |
 * | asset:{user}:{SYMBOL}:holds             | minus the user's active holds                                 |
 * | platform:asset_issuance:{SYMBOL}        | minus what ops credited in the sandbox                        |
 * | platform:asset_transfer_clearing:{SYMBOL} | held and captured transfer amounts (returned ones go back)  |
 *
 * So balance = balance account; held = −holds; available = balance + holds.
 */
export type AssetLedgerAccountKind = 'ASSET_BALANCE' | 'ASSET_HOLDS' | 'ASSET_ISSUANCE' | 'ASSET_TRANSFER_CLEARING';

export interface AssetLedgerEntryDraft {
  code: string;
  kind: AssetLedgerAccountKind;
  user_id?: string;
  direction: 'DEBIT' | 'CREDIT';
  /** Positive smallest units. */
  amount: bigint;
}

export interface AssetLedgerTransactionDraft {
  kind: AssetBalanceEvent['type'];
  user_id: string;
  movement_id: string;
  unit: string;
  amount: bigint;
  description: string;
  entries: AssetLedgerEntryDraft[];
}

export function assetLedgerTransactionFor(event: AssetBalanceEvent): AssetLedgerTransactionDraft {
  const { user_id, token_symbol: unit, movement_id } = event.data;
  const amount = BigInt(event.data.amount);
  const balance: Omit<AssetLedgerEntryDraft, 'direction' | 'amount'> = { code: `asset:${user_id}:${unit}:balance`, kind: 'ASSET_BALANCE', user_id };
  const holds: Omit<AssetLedgerEntryDraft, 'direction' | 'amount'> = { code: `asset:${user_id}:${unit}:holds`, kind: 'ASSET_HOLDS', user_id };
  const issuance: Omit<AssetLedgerEntryDraft, 'direction' | 'amount'> = { code: `platform:asset_issuance:${unit}`, kind: 'ASSET_ISSUANCE' };
  const clearing: Omit<AssetLedgerEntryDraft, 'direction' | 'amount'> = { code: `platform:asset_transfer_clearing:${unit}`, kind: 'ASSET_TRANSFER_CLEARING' };
  const pair = (debit: typeof balance, credit: typeof balance): AssetLedgerEntryDraft[] => [
    { ...debit, direction: 'DEBIT', amount },
    { ...credit, direction: 'CREDIT', amount },
  ];
  const base = { kind: event.type, user_id, movement_id, unit, amount };
  switch (event.type) {
    case 'AssetCredited':
      return { ...base, description: `${unit} credited (sandbox)`, entries: pair(issuance, balance) };
    case 'AssetHoldPlaced':
      return { ...base, description: `${unit} held for transfer`, entries: pair(holds, clearing) };
    case 'AssetHoldCaptured':
      return { ...base, description: `${unit} sent for transfer (CryptoOut)`, entries: pair(balance, holds) };
    case 'AssetHoldReleased':
      return { ...base, description: `${unit} hold released (${event.data.reason.code})`, entries: pair(clearing, holds) };
    case 'AssetDebitReversed':
      return { ...base, description: `${unit} returned after failed transfer (${event.data.reason.code})`, entries: pair(clearing, balance) };
    default:
      return assertNever(event, 'asset balance event');
  }
}
