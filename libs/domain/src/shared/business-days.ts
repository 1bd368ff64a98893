/**
 * Business days and payout settlement windows. Pure: every function takes the dates or instants it works on
 * (from the Clock port at the edge), never reads the time itself.
 *
 * Dates are calendar dates without a time or zone, written `YYYY-MM-DD` (IsoDate). An instant becomes a date only
 * in a named time zone (`localDate`), because "the day a payout was submitted" depends on the rail's zone.
 *
 * Calendars:
 * - FEDERAL_RESERVE_CALENDAR (ACH): Monday to Friday except the Federal Reserve's holidays, computed by rule for
 *   any year. The Fed's observance rule: a holiday on a Sunday is observed (Banks closed) the following Monday; a
 *   holiday on a Saturday is NOT moved: the Reserve Banks are open the preceding Friday (only the Board of Governors
 *   closes). Source: Federal Reserve K.8 "Holidays Observed by the Federal Reserve System", e.g. 2026-07-03 (Friday
 *   before a Saturday Independence Day) is a business day, 2027-07-05 (Monday after a Sunday one) is not.
 * - TARGET2_CALENDAR (SEPA): Monday to Friday except the TARGET2 closing days (1 January, Good Friday, Easter Monday,
 *   1 May, 25 and 26 December), never moved when they fall on a weekend. US holidays do not stop SEPA.
 * - ALWAYS_OPEN_CALENDAR (FPS, NGN NIP): instant-payment schemes that run 24/7/365.
 */

/** A calendar date `YYYY-MM-DD` (proleptic Gregorian, no time, no zone). */
export type IsoDate = string;

export interface CalendarDateParts {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Splits and checks a `YYYY-MM-DD` date; throws a RangeError on anything else (2025-02-29 included). */
export function parseIsoDate(date: IsoDate): CalendarDateParts {
  const match = ISO_DATE.exec(date);
  if (match) {
    const parts = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
    if (parts.year >= 1 && fromUtc(toUtc(parts)) === date) return parts;
  }
  throw new RangeError(`not a calendar date (YYYY-MM-DD): ${JSON.stringify(date)}`);
}

export function formatIsoDate({ year, month, day }: CalendarDateParts): IsoDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function toUtc({ year, month, day }: CalendarDateParts): Date {
  const date = new Date(Date.UTC(2000, month - 1, day));
  date.setUTCFullYear(year);
  return date;
}

function fromUtc(date: Date): IsoDate {
  return formatIsoDate({ year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() });
}

/** 0 = Sunday ... 6 = Saturday. */
export function dayOfWeek(date: IsoDate): number {
  return toUtc(parseIsoDate(date)).getUTCDay();
}

export function isWeekend(date: IsoDate): boolean {
  const weekday = dayOfWeek(date);
  return weekday === 0 || weekday === 6;
}

/** The date `days` calendar days later (earlier when negative). */
export function addCalendarDays(date: IsoDate, days: number): IsoDate {
  if (!Number.isSafeInteger(days)) throw new RangeError(`days must be an integer, got ${days}`);
  return fromUtc(new Date(toUtc(parseIsoDate(date)).getTime() + days * DAY_MS));
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

function zoneFormat(timeZone: string): Intl.DateTimeFormat {
  let format = zoneFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    zoneFormats.set(timeZone, format);
  }
  return format;
}

/** The wall-clock date and minute of the day of `instant` in an IANA time zone (daylight saving included). */
export function localDateTime(instant: Date, timeZone: string): { date: IsoDate; minuteOfDay: number } {
  if (Number.isNaN(instant.getTime())) throw new RangeError('invalid instant');
  const parts = Object.fromEntries(
    zoneFormat(timeZone)
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  const date = formatIsoDate({ year: Number(parts['year']), month: Number(parts['month']), day: Number(parts['day']) });
  return { date, minuteOfDay: Number(parts['hour']) * 60 + Number(parts['minute']) };
}

/** The calendar date of `instant` in an IANA time zone: localDate(2025-11-27T03:00Z, 'America/New_York') is 2025-11-26. */
export function localDate(instant: Date, timeZone: string): IsoDate {
  return localDateTime(instant, timeZone).date;
}

// ---------------------------------------------------------------------------------------------------------------
// Holidays
// ---------------------------------------------------------------------------------------------------------------

export interface Holiday {
  name: string;
  /** The holiday's own date. */
  date: IsoDate;
  /** The weekday the calendar is closed for it, or null when it is not observed (a Fed holiday on a Saturday). */
  observed: IsoDate | null;
}

/** The n-th (1-based) given weekday (0 = Sunday) of a month; n = -1 for the last one. */
function nthWeekday(year: number, month: number, weekday: number, n: number): IsoDate {
  if (n === -1) {
    const nextMonth = month === 12 ? { year: year + 1, month: 1, day: 1 } : { year, month: month + 1, day: 1 };
    const lastDay = new Date(toUtc(nextMonth).getTime() - DAY_MS);
    return fromUtc(new Date(lastDay.getTime() - ((lastDay.getUTCDay() - weekday + 7) % 7) * DAY_MS));
  }
  const first = toUtc({ year, month, day: 1 });
  const forward = (weekday - first.getUTCDay() + 7) % 7;
  return fromUtc(new Date(first.getTime() + (forward + (n - 1) * 7) * DAY_MS));
}

const MONDAY = 1;
const THURSDAY = 4;

function checkYear(year: number): void {
  if (!Number.isSafeInteger(year) || year < 1 || year > 9999) throw new RangeError(`year must be an integer from 1 to 9999, got ${year}`);
}

/** Fed rule: Sunday -> the following Monday; Saturday -> not observed (the Reserve Banks open on the Friday). */
function fedObserved(date: IsoDate): IsoDate | null {
  switch (dayOfWeek(date)) {
    case 0:
      return addCalendarDays(date, 1);
    case 6:
      return null;
    default:
      return date;
  }
}

/**
 * The eleven holidays of the Federal Reserve System for a year (Juneteenth from 2022, when the Reserve Banks first
 * closed for it; Martin Luther King Jr.'s birthday from 1986), in calendar order, with the day the Reserve Banks are
 * closed for each. The rules are the ones in force today (5 U.S.C. 6103); earlier rule changes are not modelled.
 */
export function federalReserveHolidays(year: number): Holiday[] {
  checkYear(year);
  const fixed = (month: number, day: number) => formatIsoDate({ year, month, day });
  const dates: [string, IsoDate][] = [
    ["New Year's Day", fixed(1, 1)],
    ...(year >= 1986 ? ([['Birthday of Martin Luther King, Jr.', nthWeekday(year, 1, MONDAY, 3)]] as [string, IsoDate][]) : []),
    ["Washington's Birthday", nthWeekday(year, 2, MONDAY, 3)],
    ['Memorial Day', nthWeekday(year, 5, MONDAY, -1)],
    ...(year >= 2022 ? ([['Juneteenth National Independence Day', fixed(6, 19)]] as [string, IsoDate][]) : []),
    ['Independence Day', fixed(7, 4)],
    ['Labor Day', nthWeekday(year, 9, MONDAY, 1)],
    ['Columbus Day', nthWeekday(year, 10, MONDAY, 2)],
    ['Veterans Day', fixed(11, 11)],
    ['Thanksgiving Day', nthWeekday(year, 11, THURSDAY, 4)],
    ['Christmas Day', fixed(12, 25)],
  ];
  return dates.map(([name, date]) => ({ name, date, observed: fedObserved(date) }));
}

/** Easter Sunday (Gregorian, anonymous algorithm of Meeus/Jones/Butcher). */
export function easterSunday(year: number): IsoDate {
  checkYear(year);
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return formatIsoDate({ year, month, day });
}

/** The TARGET2 closing days of a year (never moved: one on a weekend is simply not an extra closing). */
export function target2Holidays(year: number): Holiday[] {
  checkYear(year);
  const easter = easterSunday(year);
  const fixed = (month: number, day: number) => formatIsoDate({ year, month, day });
  const dates: [string, IsoDate][] = [
    ["New Year's Day", fixed(1, 1)],
    ['Good Friday', addCalendarDays(easter, -2)],
    ['Easter Monday', addCalendarDays(easter, 1)],
    ['Labour Day', fixed(5, 1)],
    ['Christmas Day', fixed(12, 25)],
    ['Christmas Holiday', fixed(12, 26)],
  ];
  return dates.map(([name, date]) => ({ name, date, observed: isWeekend(date) ? null : date }));
}

// ---------------------------------------------------------------------------------------------------------------
// Calendars
// ---------------------------------------------------------------------------------------------------------------

export interface BusinessCalendar {
  readonly name: string;
  /** The closed weekdays of a year beyond weekends (empty for a calendar open every day). */
  closures(year: number): ReadonlySet<IsoDate>;
  /** Whether weekends are closed. */
  readonly closedOnWeekends: boolean;
}

function holidayCalendar(name: string, holidays: (year: number) => Holiday[]): BusinessCalendar {
  const byYear = new Map<number, ReadonlySet<IsoDate>>();
  return {
    name,
    closedOnWeekends: true,
    closures(year) {
      let set = byYear.get(year);
      if (!set) {
        // No closure crosses into another year: the Fed moves only Sunday holidays, one day forward (1 January to
        // 2 January, 25 December to 26 December), and TARGET2 moves none.
        set = new Set(holidays(year).flatMap((h) => (h.observed === null ? [] : [h.observed])));
        byYear.set(year, set);
      }
      return set;
    },
  };
}

export const FEDERAL_RESERVE_CALENDAR: BusinessCalendar = holidayCalendar('federal-reserve', federalReserveHolidays);
export const TARGET2_CALENDAR: BusinessCalendar = holidayCalendar('target2', target2Holidays);
const NO_CLOSURES: ReadonlySet<IsoDate> = new Set();
export const ALWAYS_OPEN_CALENDAR: BusinessCalendar = { name: 'always-open', closedOnWeekends: false, closures: () => NO_CLOSURES };

/** A weekday on which the calendar is not closed for a holiday. Default calendar: the Federal Reserve's. */
export function isBusinessDay(date: IsoDate, calendar: BusinessCalendar = FEDERAL_RESERVE_CALENDAR): boolean {
  const { year } = parseIsoDate(date);
  if (calendar.closedOnWeekends && isWeekend(date)) return false;
  return !calendar.closures(year).has(date);
}

/** `date` itself when it is a business day, else the next business day. */
export function onOrNextBusinessDay(date: IsoDate, calendar: BusinessCalendar = FEDERAL_RESERVE_CALENDAR): IsoDate {
  let day = date;
  while (!isBusinessDay(day, calendar)) day = addCalendarDays(day, 1);
  return day;
}

/**
 * The date `n` business days after `date` (before it when n < 0); each step moves to the next (previous) business
 * day, so the start need not be one: Saturday + 1 is Monday, Wednesday before Thanksgiving + 1 is the Friday after.
 * n = 0 returns `date` unchanged.
 */
export function addBusinessDays(date: IsoDate, n: number, calendar: BusinessCalendar = FEDERAL_RESERVE_CALENDAR): IsoDate {
  if (!Number.isSafeInteger(n)) throw new RangeError(`n must be an integer, got ${n}`);
  parseIsoDate(date);
  const step = n < 0 ? -1 : 1;
  let day = date;
  for (let left = Math.abs(n); left > 0; left--) {
    do day = addCalendarDays(day, step);
    while (!isBusinessDay(day, calendar));
  }
  return day;
}

// ---------------------------------------------------------------------------------------------------------------
// Settlement windows
// ---------------------------------------------------------------------------------------------------------------

/** The payout rails: USD ACH, EUR SEPA credit transfer, GBP Faster Payments, NGN local (NIBSS Instant Payment). */
export const SETTLEMENT_RAILS = ['ACH', 'SEPA', 'FPS', 'NGN_LOCAL'] as const;
export type SettlementRail = (typeof SETTLEMENT_RAILS)[number];

export interface SettlementRule {
  rail: SettlementRail;
  /** The zone in which the submission day and the cut-off are read. */
  timeZone: string;
  calendar: BusinessCalendar;
  /** Local time after which (inclusive) a submission counts as made on the next business day; null: no cut-off. */
  cutoff: { hour: number; minute: number } | null;
  /** Business days from the processing day to the earliest and latest expected settlement. */
  earliestBusinessDays: number;
  latestBusinessDays: number;
}

/**
 * The windows of the seed (accounts-api-recipients-pulls-ledger.txt, "Recipient Types": ACH push 2-3 business days,
 * SEPA same day to 1 business day, FPS same day) and, for NGN, which the seed gives no time for: same day, as NIBSS
 * Instant Payment credits the beneficiary within seconds, at any hour. (The seed's "Payment Rails Supported" list says
 * SEPA 1-2 business days; the Recipient Types figure is used, as the issue states it.)
 *
 * Cut-offs are modelled where the rail has one: ACH 20:30 New York time (Plaid's documented standard ACH cut-off);
 * SEPA 15:00 Brussels time (a bank's usual same-day cut-off for SEPA credit transfers; an assumption, not a scheme
 * rule). FPS and NIP run 24/7 and have none.
 */
export const SETTLEMENT_RULES: Readonly<Record<SettlementRail, SettlementRule>> = {
  ACH: {
    rail: 'ACH',
    timeZone: 'America/New_York',
    calendar: FEDERAL_RESERVE_CALENDAR,
    cutoff: { hour: 20, minute: 30 },
    earliestBusinessDays: 2,
    latestBusinessDays: 3,
  },
  SEPA: {
    rail: 'SEPA',
    timeZone: 'Europe/Brussels',
    calendar: TARGET2_CALENDAR,
    cutoff: { hour: 15, minute: 0 },
    earliestBusinessDays: 0,
    latestBusinessDays: 1,
  },
  FPS: { rail: 'FPS', timeZone: 'Europe/London', calendar: ALWAYS_OPEN_CALENDAR, cutoff: null, earliestBusinessDays: 0, latestBusinessDays: 0 },
  NGN_LOCAL: { rail: 'NGN_LOCAL', timeZone: 'Africa/Lagos', calendar: ALWAYS_OPEN_CALENDAR, cutoff: null, earliestBusinessDays: 0, latestBusinessDays: 0 },
};

export interface SettlementWindow {
  rail: SettlementRail;
  /**
   * The business day the rail takes the payout on: the submission's local date, or the next business day when it
   * was submitted on a closed day or at/after the cut-off.
   */
  processingDate: IsoDate;
  /** Earliest and latest expected settlement dates (local to the rail's zone), inclusive. */
  earliest: IsoDate;
  latest: IsoDate;
}

export function isSettlementRail(value: unknown): value is SettlementRail {
  return typeof value === 'string' && (SETTLEMENT_RAILS as readonly string[]).includes(value);
}

/** When a payout submitted at `submittedAt` is expected to settle on `rail`. */
export function settlementWindow(rail: SettlementRail, submittedAt: Date): SettlementWindow {
  const rule = ruleFor(rail);
  const local = localDateTime(submittedAt, rule.timeZone);
  const afterCutoff = rule.cutoff !== null && local.minuteOfDay >= rule.cutoff.hour * 60 + rule.cutoff.minute;
  const processingDate = afterCutoff ? addBusinessDays(local.date, 1, rule.calendar) : onOrNextBusinessDay(local.date, rule.calendar);
  return {
    rail,
    processingDate,
    earliest: addBusinessDays(processingDate, rule.earliestBusinessDays, rule.calendar),
    latest: addBusinessDays(processingDate, rule.latestBusinessDays, rule.calendar),
  };
}

function ruleFor(rail: SettlementRail): SettlementRule {
  if (!isSettlementRail(rail)) throw new RangeError(`unknown settlement rail ${JSON.stringify(rail)}`);
  return SETTLEMENT_RULES[rail];
}
