import { DomainError } from '../shared/domain-error';
import { DEFAULT_FUNDING_ASSETS, FundingAssetRegistry, parseFundingAssets } from './funding-assets';

describe('funding asset registry', () => {
  const registry = new FundingAssetRegistry(DEFAULT_FUNDING_ASSETS);

  it('finds the seed tokens by address, case-insensitively, and by symbol', () => {
    expect(registry.require('0x0774164dc20524bb239b39d1dc42573c3e4c6976')).toMatchObject({ symbol: 'WUSD', decimals: 6, peggedTo: 'USD' });
    expect(registry.bySymbolOrNull('WEUR')).toMatchObject({ decimals: 18, peggedTo: 'EUR' });
  });

  it("refuses a malformed or unknown token address with the seed's ErrorInvalidField on token_address", () => {
    for (const [address, issue] of [
      ['0x123', 'invalid_format'],
      [42, 'invalid_format'],
      ['0x' + 'a'.repeat(40), 'unknown_token'],
    ] as const) {
      try {
        registry.require(address);
        throw new Error('expected a refusal');
      } catch (error) {
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).reason).toBe('ErrorInvalidField');
        expect((error as DomainError).details).toEqual([
          { key: 'field', details: 'token_address' },
          { key: 'issue', details: issue },
        ]);
      }
    }
  });

  it('rejects a bad configuration', () => {
    expect(() => parseFundingAssets('{}')).toThrow(/array/);
    expect(() => parseFundingAssets(JSON.stringify([{ address: '0x1', symbol: 'X1', decimals: 6, peggedTo: 'USD' }]))).toThrow(/address/);
    expect(() => parseFundingAssets(JSON.stringify([{ ...DEFAULT_FUNDING_ASSETS[0], peggedTo: 'XXX' }]))).toThrow(/peggedTo/);
    expect(() => parseFundingAssets(JSON.stringify([DEFAULT_FUNDING_ASSETS[0], DEFAULT_FUNDING_ASSETS[0]]))).toThrow(/twice/);
    expect(parseFundingAssets(JSON.stringify(DEFAULT_FUNDING_ASSETS))).toHaveLength(2);
  });
});
