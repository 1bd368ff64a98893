import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { FundingAsset } from './funding-assets';
import { PersistentMap } from '../shared/persistent-map';

/**
 * A user's balance in one funding asset (issue 5): exact integers in the asset's smallest unit (an 18-decimal token
 * does not fit a float, nor a Postgres bigint: 1,000 WEUR is 10^21). The consistency boundary for asset money, as the
 * Account is for fiat: a transfer can only hold what is available, and nothing ever goes negative.
 *
 * balance = credits − captured debits + reversed debits; held = active holds; available = balance − held.
 */
export const assetBalanceStreamId = (userId: string, symbol: string): string => `asset-balance-${userId}-${symbol}`;

/** Balances after an event, smallest units as decimal strings (JSON-safe). */
export interface AssetBalancesData {
  balance: string;
  held: string;
  available: string;
}

interface AssetEventBase {
  user_id: string;
  token_symbol: string;
  token_address: string;
  decimals: number;
  /** The credit id or the movement (transfer) id. */
  movement_id: string;
  /** Smallest units, positive. */
  amount: string;
  balances: AssetBalancesData;
}

export interface AssetMovementReason {
  code: string;
  description: string;
}

export type AssetBalanceEvent =
  /** Sandbox funding through the ops endpoint (idempotent by the caller's credit id). */
  | DomainEvent<'AssetCredited', AssetEventBase & { source: 'OPS_SANDBOX'; reference?: string }>
  /** Reserved for a transfer: available falls. */
  | DomainEvent<'AssetHoldPlaced', AssetEventBase>
  /** The transfer's CryptoOut step: the held amount leaves, balance falls. */
  | DomainEvent<'AssetHoldCaptured', AssetEventBase>
  /** The transfer failed before CryptoOut: available rises back. */
  | DomainEvent<'AssetHoldReleased', AssetEventBase & { reason: AssetMovementReason }>
  /** The transfer failed after CryptoOut: the captured amount is returned to the balance. */
  | DomainEvent<'AssetDebitReversed', AssetEventBase & { reason: AssetMovementReason }>;

export const ASSET_BALANCE_EVENT_TYPES: readonly AssetBalanceEvent['type'][] = ['AssetCredited', 'AssetHoldPlaced', 'AssetHoldCaptured', 'AssetHoldReleased', 'AssetDebitReversed'];

export type AssetBalanceCommand =
  | CommandEnvelope<'CreditAsset', { user_id: string; asset: FundingAsset; credit_id: string; amount: bigint; reference?: string }>
  | CommandEnvelope<'PlaceAssetHold', { user_id: string; asset: FundingAsset; movement_id: string; amount: bigint }>
  | CommandEnvelope<'CaptureAssetHold', { movement_id: string }>
  | CommandEnvelope<'ReleaseAssetHold', { movement_id: string; reason: AssetMovementReason }>
  | CommandEnvelope<'ReverseAssetDebit', { movement_id: string; reason: AssetMovementReason }>;

export type AssetHoldStatus = 'HELD' | 'CAPTURED' | 'RELEASED' | 'REVERSED';

export interface AssetBalanceState {
  userId?: string;
  asset?: Pick<FundingAsset, 'symbol' | 'address' | 'decimals'>;
  balance: bigint;
  held: bigint;
  credits: ReadonlyMap<string, bigint>;
  holds: ReadonlyMap<string, { amount: bigint; status: AssetHoldStatus }>;
}

export const assetAvailable = (state: Pick<AssetBalanceState, 'balance' | 'held'>): bigint => state.balance - state.held;

/** A decimal string of `units` smallest units with the asset's decimals, trailing zeros dropped ("460.85"). */
export function formatAssetUnits(units: bigint, decimals: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(decimals + 1, '0');
  const whole = decimals === 0 ? digits : digits.slice(0, -decimals);
  const fraction = decimals === 0 ? '' : digits.slice(-decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
}

/**
 * A human-readable asset amount from a request ("1000", "0.5", 12.25) into smallest units, exactly (no float
 * arithmetic: a JSON number goes through its shortest decimal string). Positive, at most `decimals` decimals.
 */
export function parseAssetAmount(value: unknown, decimals: number, field = 'amount'): bigint {
  if (value === undefined || value === null) throw DomainError.missingField(field);
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : typeof value === 'string' ? value : undefined;
  const match = text === undefined ? null : /^(0|[1-9][0-9]{0,29})(?:\.([0-9]+))?$/.exec(text);
  if (!match) throw DomainError.invalidField(field, 'not_a_decimal', `${field} must be a positive decimal such as 1000.50`);
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals) throw DomainError.invalidField(field, 'too_many_decimals', `${field} must have at most ${decimals} decimal places`);
  const units = BigInt(match[1] + fraction.padEnd(decimals, '0'));
  if (units <= 0n) throw DomainError.invalidField(field, 'not_positive', `${field} must be greater than zero`);
  return units;
}

/** ErrorInsufficientFunds (CategoryUnprocessable → 422) for an asset: nothing is held. */
export function insufficientAssetBalance(asset: Pick<FundingAsset, 'symbol' | 'decimals'>, requested: bigint, available: bigint): DomainError {
  const shown = available < 0n ? 0n : available;
  return new DomainError(
    'ErrorInsufficientFunds',
    `insufficient ${asset.symbol} balance: ${formatAssetUnits(requested, asset.decimals)} ${asset.symbol} needed, ${formatAssetUnits(shown, asset.decimals)} ${asset.symbol} available`,
    'CategoryUnprocessable',
    [
      { key: 'field', details: 'token_address' },
      { key: 'issue', details: 'insufficient_balance' },
      { key: 'available', details: shown.toString() },
    ],
  );
}

const conflict = (movementId: string, what: string, status: string): DomainError =>
  DomainError.invalidState(`cannot ${what}: asset movement ${movementId} is ${status}`, 'asset_movement_state_conflict');

function balancesOf(state: Pick<AssetBalanceState, 'balance' | 'held'>): AssetBalancesData {
  return { balance: state.balance.toString(), held: state.held.toString(), available: assetAvailable(state).toString() };
}

export const assetBalanceDecider: Decider<AssetBalanceState, AssetBalanceCommand, AssetBalanceEvent> = {
  initialState: () => ({ balance: 0n, held: 0n, credits: PersistentMap.empty(), holds: PersistentMap.empty() }),

  decide(command, state) {
    const emit = (type: AssetBalanceEvent['type'], base: Omit<AssetEventBase, 'balances'>, extra: Record<string, unknown> = {}): AssetBalanceEvent[] => {
      const draft = { type, data: { ...base, ...extra, balances: balancesOf(state) } } as AssetBalanceEvent;
      const after = assetBalanceDecider.evolve(state, draft);
      return [{ ...draft, data: { ...draft.data, balances: balancesOf(after) } } as AssetBalanceEvent];
    };
    switch (command.type) {
      case 'CreditAsset':
      case 'PlaceAssetHold': {
        const { user_id, asset, amount } = command.data;
        if (amount <= 0n) throw DomainError.invalidField('amount', 'not_positive', 'amount must be greater than zero');
        if (state.asset && state.asset.address.toLowerCase() !== asset.address.toLowerCase()) throw new Error(`asset stream of ${state.asset.symbol} used for ${asset.symbol}`);
        const base = { user_id, token_symbol: asset.symbol, token_address: asset.address, decimals: asset.decimals, amount: amount.toString() };
        if (command.type === 'CreditAsset') {
          const known = state.credits.get(command.data.credit_id);
          if (known !== undefined) {
            if (known !== amount) throw DomainError.invalidState(`credit ${command.data.credit_id} was recorded with another amount`, 'credit_amount_mismatch');
            return [];
          }
          const reference = command.data.reference;
          return emit('AssetCredited', { ...base, movement_id: command.data.credit_id }, { source: 'OPS_SANDBOX', ...(reference !== undefined ? { reference } : {}) });
        }
        const hold = state.holds.get(command.data.movement_id);
        if (hold) {
          if (hold.amount !== amount) throw DomainError.invalidState(`movement ${command.data.movement_id} was held with another amount`, 'movement_amount_mismatch');
          return [];
        }
        const available = assetAvailable(state);
        if (amount > available) throw insufficientAssetBalance(asset, amount, available);
        return emit('AssetHoldPlaced', { ...base, movement_id: command.data.movement_id });
      }
      case 'CaptureAssetHold':
      case 'ReleaseAssetHold':
      case 'ReverseAssetDebit': {
        const { movement_id } = command.data;
        const hold = state.holds.get(movement_id);
        if (!hold || !state.asset || !state.userId) throw DomainError.notFound(`asset hold for movement ${movement_id}`, 'movement_id');
        const base = { user_id: state.userId, token_symbol: state.asset.symbol, token_address: state.asset.address, decimals: state.asset.decimals, movement_id, amount: hold.amount.toString() };
        switch (command.type) {
          case 'CaptureAssetHold':
            if (hold.status === 'CAPTURED' || hold.status === 'REVERSED') return [];
            if (hold.status !== 'HELD') throw conflict(movement_id, 'capture the hold', hold.status);
            return emit('AssetHoldCaptured', base);
          case 'ReleaseAssetHold':
            if (hold.status === 'RELEASED') return [];
            if (hold.status !== 'HELD') throw conflict(movement_id, 'release the hold', hold.status);
            return emit('AssetHoldReleased', base, { reason: command.data.reason });
          case 'ReverseAssetDebit':
            if (hold.status === 'REVERSED') return [];
            if (hold.status !== 'CAPTURED') throw conflict(movement_id, 'reverse the debit', hold.status);
            return emit('AssetDebitReversed', base, { reason: command.data.reason });
          default:
            return assertNever(command, 'asset hold command');
        }
      }
      default:
        return assertNever(command, 'asset balance command');
    }
  },

  evolve(state, event) {
    const amount = BigInt(event.data.amount);
    const id = event.data.movement_id;
    const known = { userId: event.data.user_id, asset: { symbol: event.data.token_symbol, address: event.data.token_address, decimals: event.data.decimals } };
    const withHold = (status: AssetHoldStatus) => (state.holds as PersistentMap<{ amount: bigint; status: AssetHoldStatus }>).with(id, { amount, status });
    switch (event.type) {
      case 'AssetCredited':
        return { ...state, ...known, balance: state.balance + amount, credits: (state.credits as PersistentMap<bigint>).with(id, amount) };
      case 'AssetHoldPlaced':
        return { ...state, ...known, held: state.held + amount, holds: withHold('HELD') };
      case 'AssetHoldCaptured':
        return { ...state, ...known, held: state.held - amount, balance: state.balance - amount, holds: withHold('CAPTURED') };
      case 'AssetHoldReleased':
        return { ...state, ...known, held: state.held - amount, holds: withHold('RELEASED') };
      case 'AssetDebitReversed':
        return { ...state, ...known, balance: state.balance + amount, holds: withHold('REVERSED') };
      default:
        return assertNever(event, 'asset balance event');
    }
  },
};
