import { Currency } from '../shared/money';

/**
 * One exchange-rate quote: how many units of `quote` one unit of `base` buys, as an exact decimal
 * string (parse with `parseRate`). Whatever decides an amount from a rate stores this whole object
 * in its event, so a replay reproduces the amount after the rate table has changed.
 */
export interface FxQuote {
  base: Currency;
  quote: Currency;
  rate: string;
  as_of: string;
  source: string;
}

/** The FX-rate port. The sandbox implementation is a configured table that tests can change at run time. */
export interface FxRatePort {
  quote(base: Currency, quote: Currency): Promise<FxQuote>;
}
