import { deciderSpec } from '../testing/decider-spec';
import { fold } from '../shared/decider';
import { DEFAULT_FUNDING_ASSETS } from './funding-assets';
import { assetAvailable, AssetBalanceEvent, assetBalanceDecider, formatAssetUnits, parseAssetAmount } from './asset-balance.decider';

const spec = deciderSpec(assetBalanceDecider);
const WEUR = DEFAULT_FUNDING_ASSETS[1];
const now = new Date('2026-03-10T16:00:00Z');
const thousand = 1_000n * 10n ** 18n; // 10^21: beyond a Postgres bigint and a float's exact range
const credit = (id: string, amount: bigint) => ({ type: 'CreditAsset' as const, data: { user_id: 'u-1', asset: WEUR, credit_id: id, amount }, now });
const hold = (id: string, amount: bigint) => ({ type: 'PlaceAssetHold' as const, data: { user_id: 'u-1', asset: WEUR, movement_id: id, amount }, now });
const events = (...commands: ReturnType<typeof credit | typeof hold>[]): AssetBalanceEvent[] =>
  commands.reduce<AssetBalanceEvent[]>((all, c) => [...all, ...assetBalanceDecider.decide(c, fold(assetBalanceDecider, all))], []);

describe('asset balance decider', () => {
  it('credits exact smallest units, idempotent by credit id, with the balances after each event', () => {
    const [credited] = assetBalanceDecider.decide(credit('c-1', thousand), assetBalanceDecider.initialState());
    expect(credited).toMatchObject({ type: 'AssetCredited', data: { amount: '1000000000000000000000', token_symbol: 'WEUR', decimals: 18, balances: { balance: '1000000000000000000000', held: '0', available: '1000000000000000000000' } } });
    spec.given([credited]).when(credit('c-1', thousand)).then([]);
    spec.given([credited]).when(credit('c-1', 1n)).thenThrows('ErrorInvalidState', 'credit_amount_mismatch');
  });

  it('holds only what is available; never negative', () => {
    const given = events(credit('c-1', thousand), hold('t-1', thousand - 1n));
    expect(assetAvailable(fold(assetBalanceDecider, given))).toBe(1n);
    spec.given(given).when(hold('t-2', 2n)).thenThrows('ErrorInsufficientFunds', 'insufficient_balance');
    spec.given(given).when(hold('t-1', thousand - 1n)).then([]);
  });

  it('capture lowers the balance; a failure after capture reverses it; a release before capture frees the hold', () => {
    const given = events(credit('c-1', thousand), hold('t-1', 460_850_000_000_000_000_000n), hold('t-2', 5n));
    const captured = assetBalanceDecider.decide({ type: 'CaptureAssetHold', data: { movement_id: 't-1' }, now }, fold(assetBalanceDecider, given));
    expect(captured[0].data.balances).toEqual({ balance: '539150000000000000000', held: '5', available: '539149999999999999995' });
    const after = [...given, ...captured];
    const reason = { code: 'R03', description: 'no account' };
    spec.given(after).when({ type: 'ReleaseAssetHold', data: { movement_id: 't-1', reason }, now }).thenThrows('ErrorInvalidState', 'asset_movement_state_conflict');
    const reversed = assetBalanceDecider.decide({ type: 'ReverseAssetDebit', data: { movement_id: 't-1', reason }, now }, fold(assetBalanceDecider, after));
    expect(reversed[0].data.balances).toEqual({ balance: '1000000000000000000000', held: '5', available: '999999999999999999995' });
    const released = assetBalanceDecider.decide({ type: 'ReleaseAssetHold', data: { movement_id: 't-2', reason }, now }, fold(assetBalanceDecider, after));
    expect(released[0].data.balances.available).toBe('539150000000000000000');
    spec.given(after).when({ type: 'CaptureAssetHold', data: { movement_id: 'nope' }, now }).thenThrows('ErrorNotFound');
  });

  it('parses and formats asset amounts exactly', () => {
    expect(parseAssetAmount('1000', 18)).toBe(thousand);
    expect(parseAssetAmount(0.5, 6)).toBe(500_000n);
    expect(() => parseAssetAmount('0.0000001', 6)).toThrow(/decimal places/);
    expect(() => parseAssetAmount('-1', 6)).toThrow();
    expect(() => parseAssetAmount('0', 6)).toThrow();
    expect(formatAssetUnits(460_850_000_000_000_000_000n, 18)).toBe('460.85');
    expect(formatAssetUnits(500_000_000n, 6)).toBe('500');
    expect(formatAssetUnits(1n, 18)).toBe('0.000000000000000001');
  });
});
