import { convertAmount, crossRate, divideRounded, formatRate, parseRate } from './exact-rate';

describe('exact rates', () => {
  it('parses and formats decimal rates exactly, one form per value', () => {
    expect(parseRate('0.9217')).toEqual({ units: 9217n, scale: 4 });
    expect(formatRate(parseRate('1.000'))).toBe('1');
    expect(formatRate(parseRate('0.000000000000000001'))).toBe('0.000000000000000001');
    expect(formatRate(parseRate('15700'))).toBe('15700');
    for (const bad of ['0', '0.000', '-1', '1e3', '.5', '1.', ' 1', '0.1234567890123456789', 'abc']) expect(() => parseRate(bad)).toThrow();
  });

  it("converts the seed's $500.00 into each token's smallest unit without floats", () => {
    // WUSD: 6 decimals at 1 → 500000000 (the seed's precise_amount).
    expect(convertAmount(50_000n, 2, parseRate('1'), 6, 'up')).toBe(500_000_000n);
    // WEUR: 18 decimals at 0.9217 → 460.85 tokens exactly.
    expect(convertAmount(50_000n, 2, parseRate('0.9217'), 18, 'up')).toBe(460_850_000_000_000_000_000n);
  });

  it('rounds once, in the direction asked', () => {
    // 0.01 USD at 0.333 into 2 decimals = 0.00333 → down 0, up 1, half-even 0.
    expect(convertAmount(1n, 2, parseRate('0.333'), 2, 'down')).toBe(0n);
    expect(convertAmount(1n, 2, parseRate('0.333'), 2, 'up')).toBe(1n);
    expect(convertAmount(1n, 2, parseRate('0.333'), 2, 'half-even')).toBe(0n);
    expect(divideRounded(5n, 2n, 'half-even')).toBe(2n);
    expect(divideRounded(7n, 2n, 'half-even')).toBe(4n);
    expect(divideRounded(6n, 4n, 'half-even')).toBe(2n);
    expect(divideRounded(4n, 2n, 'up')).toBe(2n);
  });

  it('computes cross rates through a common base, rounded half-even to the scale', () => {
    // NGN → PKR with 1550 NGN and 278.5 PKR per USD: 278.5 / 1550 = 0.17967741935...
    expect(formatRate(crossRate(parseRate('1550'), parseRate('278.5'), 10))).toBe('0.1796774194');
    // EUR → USD: 1 / 0.9217 = 1.08495172...
    expect(formatRate(crossRate(parseRate('0.9217'), parseRate('1'), 8))).toBe('1.08495172');
    expect(() => crossRate(parseRate('1000000'), parseRate('0.0001'), 4)).toThrow(/zero/);
  });
});
