/**
 * Exact decimal arithmetic for exchange rates. A rate is a decimal string ("0.9217") or its exact
 * form units / 10^scale; conversions multiply and divide bigints and round once, at the end, in
 * the direction the caller names. No floats anywhere on the money path.
 */
export interface ExactRate {
  units: bigint;
  scale: number;
}

export type Rounding = 'up' | 'down' | 'half-even';

/** At most this many digits after the decimal point in a stored or quoted rate. */
export const MAX_RATE_SCALE = 18;

const DECIMAL = /^(\d{1,24})(?:\.(\d{1,18}))?$/;

/** Parses a positive decimal rate string; throws on anything else (zero, negative, exponent, too precise). */
export function parseRate(text: string): ExactRate {
  const match = DECIMAL.exec(text);
  if (!match) throw new Error(`rate "${text}" must be a positive decimal with at most ${MAX_RATE_SCALE} decimals`);
  const fraction = match[2] ?? '';
  const units = BigInt(match[1] + fraction);
  if (units === 0n) throw new Error('rate must be greater than zero');
  return normalize({ units, scale: fraction.length });
}

/** Drops trailing zeros so equal rates have one form. */
function normalize(rate: ExactRate): ExactRate {
  let { units, scale } = rate;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale -= 1;
  }
  return { units, scale };
}

/** The shortest decimal string of the rate ("1", "0.9217"). */
export function formatRate(rate: ExactRate): string {
  const { units, scale } = normalize(rate);
  if (scale === 0) return units.toString();
  const digits = units.toString().padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

const pow10 = (n: number): bigint => 10n ** BigInt(n);

/** n / d rounded as asked; d > 0, n >= 0. */
export function divideRounded(n: bigint, d: bigint, rounding: Rounding): bigint {
  if (d <= 0n || n < 0n) throw new Error('divideRounded expects n >= 0 and d > 0');
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  switch (rounding) {
    case 'down':
      return q;
    case 'up':
      return q + 1n;
    case 'half-even': {
      const twice = 2n * r;
      if (twice > d) return q + 1n;
      if (twice < d) return q;
      return q % 2n === 0n ? q : q + 1n;
    }
  }
}

/**
 * Converts `amount` smallest units of something with `fromDecimals` into smallest units of
 * something with `toDecimals`, at `rate` (target per source, in major units):
 * amount × rate × 10^toDecimals / 10^fromDecimals, rounded once.
 *
 * Example: $500.00 (50000, 2 decimals) at 0.9217 into an 18-decimal token → 460850000000000000000.
 */
export function convertAmount(amount: bigint, fromDecimals: number, rate: ExactRate, toDecimals: number, rounding: Rounding): bigint {
  if (amount < 0n) throw new Error('convertAmount expects a non-negative amount');
  return divideRounded(amount * rate.units * pow10(toDecimals), pow10(rate.scale + fromDecimals), rounding);
}

/**
 * The cross rate to/from when both are quoted against one base ("units per USD"):
 * toPerBase / fromPerBase, rounded half-even to `scale` decimals.
 */
export function crossRate(fromPerBase: ExactRate, toPerBase: ExactRate, scale = 10): ExactRate {
  const n = toPerBase.units * pow10(fromPerBase.scale + scale);
  const d = fromPerBase.units * pow10(toPerBase.scale);
  const units = divideRounded(n, d, 'half-even');
  if (units === 0n) throw new Error('cross rate rounds to zero at this scale');
  return normalize({ units, scale });
}
