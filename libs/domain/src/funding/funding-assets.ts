import { DomainError } from '../shared/domain-error';
import { Currency, isCurrency } from '../shared/money';

/**
 * A funding asset a user can hold and spend (seed: ach-bank-transfer-estimate-execute.txt, the
 * `estimated_amounts[]` tokens): an address-style identifier, a symbol, the number of decimals of
 * its smallest unit and the fiat currency it is pegged to 1:1. Balances are exact integers in the
 * smallest unit (bigint); 18 decimals do not fit a float.
 */
export interface FundingAsset {
  /** `0x` + 40 hex digits; compared case-insensitively, reported as configured. */
  address: string;
  symbol: string;
  decimals: number;
  peggedTo: Currency;
}

/** The sandbox defaults: the two tokens of the seed's estimate example. */
export const DEFAULT_FUNDING_ASSETS: readonly FundingAsset[] = [
  { address: '0x0774164DC20524Bb239b39D1DC42573C3E4C6976', symbol: 'WUSD', decimals: 6, peggedTo: 'USD' },
  { address: '0x5c55F314624718019A326F16a62A05D6C6d8C8A2', symbol: 'WEUR', decimals: 18, peggedTo: 'EUR' },
];

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const SYMBOL = /^[A-Z][A-Z0-9]{1,11}$/;

export const isAssetAddress = (value: unknown): value is string => typeof value === 'string' && ADDRESS.test(value);

/** The configured assets, looked up by address (case-insensitive) or symbol. */
export class FundingAssetRegistry {
  private readonly byAddress = new Map<string, FundingAsset>();
  private readonly bySymbol = new Map<string, FundingAsset>();

  constructor(assets: readonly FundingAsset[]) {
    for (const asset of assets) {
      if (!ADDRESS.test(asset.address)) throw new Error(`funding asset ${asset.symbol}: address must be 0x followed by 40 hex digits`);
      if (!SYMBOL.test(asset.symbol)) throw new Error(`funding asset ${asset.address}: symbol must be 2-12 upper-case letters or digits`);
      if (!Number.isInteger(asset.decimals) || asset.decimals < 0 || asset.decimals > 36) throw new Error(`funding asset ${asset.symbol}: decimals must be an integer 0-36`);
      if (!isCurrency(asset.peggedTo)) throw new Error(`funding asset ${asset.symbol}: peggedTo must be a supported currency`);
      const key = asset.address.toLowerCase();
      if (this.byAddress.has(key) || this.bySymbol.has(asset.symbol)) throw new Error(`funding asset ${asset.symbol} is configured twice`);
      this.byAddress.set(key, asset);
      this.bySymbol.set(asset.symbol, asset);
    }
  }

  all(): readonly FundingAsset[] {
    return [...this.byAddress.values()];
  }

  byAddressOrNull(address: string): FundingAsset | null {
    return this.byAddress.get(address.toLowerCase()) ?? null;
  }

  bySymbolOrNull(symbol: string): FundingAsset | null {
    return this.bySymbol.get(symbol) ?? null;
  }

  /** The asset at `address`, or the seed's `ErrorInvalidField` on `field`. */
  require(address: unknown, field = 'token_address'): FundingAsset {
    const asset = typeof address === 'string' && ADDRESS.test(address) ? this.byAddressOrNull(address) : null;
    if (!asset) {
      throw new DomainError('ErrorInvalidField', 'token address is invalid', 'CategoryValidationFailure', [
        { key: 'field', details: field },
        { key: 'issue', details: typeof address === 'string' && ADDRESS.test(address) ? 'unknown_token' : 'invalid_format' },
      ]);
    }
    return asset;
  }
}

/** Parses `FUNDING_ASSETS` JSON: `[{address, symbol, decimals, peggedTo}]`. */
export function parseFundingAssets(json: string): FundingAsset[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value)) throw new Error('FUNDING_ASSETS must be a JSON array');
  const assets = value.map((entry: unknown) => {
    const e = entry as Partial<FundingAsset>;
    return { address: String(e.address), symbol: String(e.symbol), decimals: Number(e.decimals), peggedTo: e.peggedTo as Currency };
  });
  new FundingAssetRegistry(assets); // validates
  return assets;
}
