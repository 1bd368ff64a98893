/**
 * Plaid's amounts (bank transfers, payment rails payouts) are decimal strings with exactly two digits after the point ("10.00").
 * The sandbox keeps them as bigint minor units (cents) so balances never go through floats.
 */
const AMOUNT = /^(0|[1-9]\d{0,14})\.(\d{2})$/;

/** "12.34" -> 1234n; null when the string is not a 2-decimal amount (no sign, no exponent, no spaces). */
export function parseAmount(value: string): bigint | null {
  const match = AMOUNT.exec(value);
  if (!match) return null;
  return BigInt(match[1]!) * 100n + BigInt(match[2]!);
}

/** 1234n -> "12.34"; -1234n -> "-12.34". */
export function formatAmount(minor: bigint): string {
  const negative = minor < 0n;
  const abs = negative ? -minor : minor;
  const cents = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${abs / 100n}.${cents}`;
}
