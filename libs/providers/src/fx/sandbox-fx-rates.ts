import { CURRENCIES, Currency, ExactRate, FxQuote, FxRatePort, crossRate, formatRate, parseRate } from '@payments/domain';

/**
 * Units of each currency one US dollar buys in the sandbox. EUR is the seed's example rate
 * (0.9217); the others are round sandbox figures, not market data.
 */
export const DEFAULT_SANDBOX_RATES_PER_USD: Readonly<Record<Currency, string>> = {
  USD: '1',
  EUR: '0.9217',
  GBP: '0.79',
  NGN: '1550',
  PKR: '278.5',
  INR: '83.3',
  TRY: '32.5',
  MXN: '17.1',
  BRL: '5.05',
  ARS: '870',
  IDR: '15700',
  PHP: '56.2',
  AED: '3.6725',
  OMR: '0.385',
  QAR: '3.64',
  VND: '24500',
  COP: '3900',
  GHS: '12.5',
  JPY: '150.2',
  GTQ: '7.8',
};

/** Digits after the point in a cross rate (neither side USD). */
export const CROSS_RATE_SCALE = 10;

/**
 * The sandbox FX-rate port: a table of "units per USD", changeable at run time (ops endpoint,
 * tests). USD→X is the table entry; X→USD and X→Y are cross rates rounded half-even to
 * CROSS_RATE_SCALE decimals. Each quote carries the time it was taken.
 */
export class SandboxFxRates implements FxRatePort {
  private readonly perUsd = new Map<Currency, ExactRate>();

  constructor(
    table: Partial<Record<Currency, string>> = {},
    private readonly now: () => Date = () => new Date(),
  ) {
    for (const currency of CURRENCIES) this.perUsd.set(currency, parseRate(table[currency] ?? DEFAULT_SANDBOX_RATES_PER_USD[currency]));
  }

  /** Sets how many units of `currency` one USD buys from now on. USD itself stays 1. */
  setRatePerUsd(currency: Currency, rate: string): void {
    if (currency === 'USD') throw new Error('USD is the base of the sandbox table; its rate is always 1');
    this.perUsd.set(currency, parseRate(rate));
  }

  /** The current table as decimal strings. */
  table(): Record<Currency, string> {
    return Object.fromEntries(CURRENCIES.map((c) => [c, formatRate(this.rateOf(c))])) as Record<Currency, string>;
  }

  private rateOf(currency: Currency): ExactRate {
    const rate = this.perUsd.get(currency);
    if (!rate) throw new Error(`no sandbox rate for ${currency}`);
    return rate;
  }

  async quote(base: Currency, quote: Currency): Promise<FxQuote> {
    const rate = base === quote ? '1' : base === 'USD' ? formatRate(this.rateOf(quote)) : formatRate(crossRate(this.rateOf(base), this.rateOf(quote), CROSS_RATE_SCALE));
    return { base, quote, rate, as_of: this.now().toISOString(), source: 'sandbox' };
  }
}
