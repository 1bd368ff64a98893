import {
  addBusinessDays,
  addCalendarDays,
  ALWAYS_OPEN_CALENDAR,
  dayOfWeek,
  easterSunday,
  federalReserveHolidays,
  isBusinessDay,
  localDate,
  onOrNextBusinessDay,
  parseIsoDate,
  SETTLEMENT_RAILS,
  SettlementRail,
  settlementWindow,
  TARGET2_CALENDAR,
  target2Holidays,
} from './business-days';

const observedClosures = (year: number) => federalReserveHolidays(year).flatMap((h) => (h.observed ? [h.observed] : []));

describe('Federal Reserve holidays', () => {
  // Federal Reserve K.8 "Holidays Observed by the Federal Reserve System 2026-2030" and the Reserve Banks' 2025 schedule.
  it.each([
    [
      2025,
      [
        ["New Year's Day", '2025-01-01'],
        ['Birthday of Martin Luther King, Jr.', '2025-01-20'],
        ["Washington's Birthday", '2025-02-17'],
        ['Memorial Day', '2025-05-26'],
        ['Juneteenth National Independence Day', '2025-06-19'],
        ['Independence Day', '2025-07-04'],
        ['Labor Day', '2025-09-01'],
        ['Columbus Day', '2025-10-13'],
        ['Veterans Day', '2025-11-11'],
        ['Thanksgiving Day', '2025-11-27'],
        ['Christmas Day', '2025-12-25'],
      ],
    ],
    [
      2026,
      [
        ["New Year's Day", '2026-01-01'],
        ['Birthday of Martin Luther King, Jr.', '2026-01-19'],
        ["Washington's Birthday", '2026-02-16'],
        ['Memorial Day', '2026-05-25'],
        ['Juneteenth National Independence Day', '2026-06-19'],
        ['Independence Day', '2026-07-04'],
        ['Labor Day', '2026-09-07'],
        ['Columbus Day', '2026-10-12'],
        ['Veterans Day', '2026-11-11'],
        ['Thanksgiving Day', '2026-11-26'],
        ['Christmas Day', '2026-12-25'],
      ],
    ],
    [
      2027,
      [
        ["New Year's Day", '2027-01-01'],
        ['Birthday of Martin Luther King, Jr.', '2027-01-18'],
        ["Washington's Birthday", '2027-02-15'],
        ['Memorial Day', '2027-05-31'],
        ['Juneteenth National Independence Day', '2027-06-19'],
        ['Independence Day', '2027-07-04'],
        ['Labor Day', '2027-09-06'],
        ['Columbus Day', '2027-10-11'],
        ['Veterans Day', '2027-11-11'],
        ['Thanksgiving Day', '2027-11-25'],
        ['Christmas Day', '2027-12-25'],
      ],
    ],
  ])('%i: the published dates, in order', (year, published) => {
    expect(federalReserveHolidays(year).map((h) => [h.name, h.date])).toEqual(published);
  });

  it('2025: every holiday falls on a weekday and is observed on its own date', () => {
    expect(federalReserveHolidays(2025).every((h) => h.observed === h.date)).toBe(true);
  });

  it('a holiday on a Saturday is not observed: the Reserve Banks open the Friday before (2026-07-03, 2027-06-18, 2027-12-24)', () => {
    const saturdays = [...federalReserveHolidays(2026), ...federalReserveHolidays(2027)].filter((h) => h.observed === null);
    expect(saturdays.map((h) => h.date)).toEqual(['2026-07-04', '2027-06-19', '2027-12-25']);
    for (const friday of ['2026-07-03', '2027-06-18', '2027-12-24']) {
      expect(dayOfWeek(friday)).toBe(5);
      expect(isBusinessDay(friday)).toBe(true);
    }
    // New Year's Day 2028 is a Saturday: 31 December 2027 stays open.
    expect(federalReserveHolidays(2028)[0]).toEqual({ name: "New Year's Day", date: '2028-01-01', observed: null });
    expect(isBusinessDay('2027-12-31')).toBe(true);
  });

  it('a holiday on a Sunday is observed the following Monday (2027-07-05, 2022-06-20, 2029-11-12, 2023-01-02)', () => {
    expect(federalReserveHolidays(2027).find((h) => h.name === 'Independence Day')).toEqual({ name: 'Independence Day', date: '2027-07-04', observed: '2027-07-05' });
    expect(federalReserveHolidays(2022).find((h) => h.name.startsWith('Juneteenth'))?.observed).toBe('2022-06-20');
    expect(federalReserveHolidays(2029).find((h) => h.name === 'Veterans Day')?.observed).toBe('2029-11-12');
    expect(federalReserveHolidays(2023)[0]?.observed).toBe('2023-01-02');
    for (const monday of ['2027-07-05', '2022-06-20', '2029-11-12', '2023-01-02']) expect(isBusinessDay(monday)).toBe(false);
  });

  it('Juneteenth is a Fed holiday from 2022 only', () => {
    expect(federalReserveHolidays(2021).map((h) => h.name)).not.toContain('Juneteenth National Independence Day');
    expect(federalReserveHolidays(2021)).toHaveLength(10);
    expect(federalReserveHolidays(2022)).toHaveLength(11);
    expect(isBusinessDay('2021-06-18')).toBe(true);
  });

  it('holds the rules for every year 1990-2200: the right weekday in the right days of the month, observed on a weekday', () => {
    for (let year = 1990; year <= 2200; year++) {
      const byName = new Map(federalReserveHolidays(year).map((h) => [h.name, h]));
      const check = (name: string, weekday: number, firstDay: number, lastDay: number, month: number) => {
        const { date } = byName.get(name)!;
        const parts = parseIsoDate(date);
        expect([parts.month, dayOfWeek(date), parts.day >= firstDay && parts.day <= lastDay]).toEqual([month, weekday, true]);
      };
      check('Birthday of Martin Luther King, Jr.', 1, 15, 21, 1);
      check("Washington's Birthday", 1, 15, 21, 2);
      check('Memorial Day', 1, 25, 31, 5);
      check('Labor Day', 1, 1, 7, 9);
      check('Columbus Day', 1, 8, 14, 10);
      check('Thanksgiving Day', 4, 22, 28, 11);
      for (const holiday of byName.values()) {
        if (holiday.observed !== null) expect([0, 6]).not.toContain(dayOfWeek(holiday.observed));
        if (dayOfWeek(holiday.date) === 6) expect(holiday.observed).toBeNull();
      }
    }
  });

  it('refuses a year outside 1-9999 or not an integer', () => {
    expect(() => federalReserveHolidays(0)).toThrow(RangeError);
    expect(() => federalReserveHolidays(2025.5)).toThrow(RangeError);
  });
});

describe('isBusinessDay (Federal Reserve calendar)', () => {
  it('is false on weekends and observed holidays, true on other weekdays', () => {
    expect(isBusinessDay('2025-11-29')).toBe(false); // Saturday
    expect(isBusinessDay('2025-11-30')).toBe(false); // Sunday
    expect(isBusinessDay('2025-11-27')).toBe(false); // Thanksgiving
    expect(isBusinessDay('2025-11-28')).toBe(true); // Friday after Thanksgiving: the Fed is open
    expect(isBusinessDay('2025-12-24')).toBe(true);
    expect(isBusinessDay('2025-12-25')).toBe(false);
    expect(isBusinessDay('2026-01-01')).toBe(false);
    expect(isBusinessDay('2026-01-02')).toBe(true);
  });

  it('matches the published closures day by day for 2025-2027', () => {
    const published = new Set([
      ...['2025-01-01', '2025-01-20', '2025-02-17', '2025-05-26', '2025-06-19', '2025-07-04', '2025-09-01', '2025-10-13', '2025-11-11', '2025-11-27', '2025-12-25'],
      ...['2026-01-01', '2026-01-19', '2026-02-16', '2026-05-25', '2026-06-19', '2026-09-07', '2026-10-12', '2026-11-11', '2026-11-26', '2026-12-25'],
      ...['2027-01-01', '2027-01-18', '2027-02-15', '2027-05-31', '2027-07-05', '2027-09-06', '2027-10-11', '2027-11-11', '2027-11-25'],
    ]);
    expect(new Set([2025, 2026, 2027].flatMap(observedClosures))).toEqual(published);
    let businessDays = 0;
    for (let day = '2025-01-01'; day <= '2027-12-31'; day = addCalendarDays(day, 1)) {
      const weekend = [0, 6].includes(dayOfWeek(day));
      expect([day, isBusinessDay(day)]).toEqual([day, !weekend && !published.has(day)]);
      if (isBusinessDay(day)) businessDays++;
    }
    // 783 weekdays in 2025-2027, less the 30 closures above.
    expect(businessDays).toBe(753);
  });

  it('refuses what is not a calendar date', () => {
    for (const bad of ['2025-02-29', '2025-13-01', '2025-00-10', '2025-1-01', '20250101', '2025-01-01T00:00:00Z', '']) {
      expect(() => isBusinessDay(bad)).toThrow(RangeError);
    }
    expect(isBusinessDay('2024-02-29')).toBe(true);
  });
});

describe('addBusinessDays', () => {
  it.each([
    ['Wednesday before Thanksgiving + 1 is the Friday after', '2025-11-26', 1, '2025-11-28'],
    ['Wednesday before Thanksgiving + 2 skips the weekend', '2025-11-26', 2, '2025-12-01'],
    ['Christmas Eve + 1 skips Christmas', '2025-12-24', 1, '2025-12-26'],
    ['23 December + 3 crosses Christmas and a weekend', '2025-12-23', 3, '2025-12-29'],
    ["New Year's Eve + 1 skips New Year's Day", '2025-12-31', 1, '2026-01-02'],
    ["New Year's Eve + 2 lands after the weekend", '2025-12-31', 2, '2026-01-05'],
    ['a Saturday + 1 is the Monday', '2025-11-29', 1, '2025-12-01'],
    ['the Friday before a Saturday holiday counts as a business day', '2026-07-02', 1, '2026-07-03'],
    ['a Sunday holiday observed on Monday is skipped', '2027-07-02', 1, '2027-07-06'],
    ['0 leaves the date as it is, even on a holiday', '2025-12-25', 0, '2025-12-25'],
    ['a negative count goes back over holidays', '2026-01-02', -1, '2025-12-31'],
    ['going back over Thanksgiving', '2025-11-28', -1, '2025-11-26'],
    ['a year of business days', '2025-01-02', 250, '2026-01-02'],
  ])('%s', (_label, from, n, expected) => {
    expect(addBusinessDays(from, n)).toBe(expected);
  });

  it('equals n single steps and always lands on a business day', () => {
    for (let start = '2025-11-20'; start <= '2026-01-10'; start = addCalendarDays(start, 1)) {
      let stepped = start;
      for (let n = 1; n <= 5; n++) {
        stepped = addBusinessDays(stepped, 1);
        expect(addBusinessDays(start, n)).toBe(stepped);
        expect(isBusinessDay(stepped)).toBe(true);
      }
    }
  });

  it('refuses a non-integer count', () => {
    expect(() => addBusinessDays('2025-01-02', 1.5)).toThrow(RangeError);
    expect(() => addBusinessDays('2025-01-02', Number.NaN)).toThrow(RangeError);
  });

  it('onOrNextBusinessDay keeps a business day and moves a closed day forward', () => {
    expect(onOrNextBusinessDay('2025-11-26')).toBe('2025-11-26');
    expect(onOrNextBusinessDay('2025-11-27')).toBe('2025-11-28');
    expect(onOrNextBusinessDay('2027-07-03')).toBe('2027-07-06');
  });
});

describe('TARGET2 calendar (SEPA)', () => {
  it.each([
    [1818, '1818-03-22'],
    [2000, '2000-04-23'],
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2038, '2038-04-25'],
  ])('Easter Sunday %i is %s', (year, date) => {
    expect(easterSunday(year)).toBe(date);
  });

  it('closes on 1 January, Good Friday, Easter Monday, 1 May, 25 and 26 December, and on no US holiday', () => {
    expect(target2Holidays(2025).map((h) => h.date)).toEqual(['2025-01-01', '2025-04-18', '2025-04-21', '2025-05-01', '2025-12-25', '2025-12-26']);
    for (const closed of ['2025-04-18', '2025-04-21', '2025-05-01', '2025-12-26']) expect(isBusinessDay(closed, TARGET2_CALENDAR)).toBe(false);
    for (const open of ['2025-11-27', '2025-07-04', '2025-01-20']) expect(isBusinessDay(open, TARGET2_CALENDAR)).toBe(true);
  });

  it('does not move a closing day that falls on a weekend', () => {
    // 26 December 2026 is a Saturday: Monday 28 December is open.
    expect(target2Holidays(2026).find((h) => h.date === '2026-12-26')?.observed).toBeNull();
    expect(isBusinessDay('2026-12-28', TARGET2_CALENDAR)).toBe(true);
  });

  it('the always-open calendar (FPS, NIP) has no closed day', () => {
    for (const day of ['2025-12-25', '2025-11-29', '2026-01-01']) expect(isBusinessDay(day, ALWAYS_OPEN_CALENDAR)).toBe(true);
    expect(addBusinessDays('2025-12-24', 2, ALWAYS_OPEN_CALENDAR)).toBe('2025-12-26');
  });
});

describe('localDate', () => {
  it('reads the date in the named zone, daylight saving included', () => {
    expect(localDate(new Date('2025-11-27T03:00:00Z'), 'America/New_York')).toBe('2025-11-26'); // EST, UTC-5
    expect(localDate(new Date('2025-07-05T03:59:00Z'), 'America/New_York')).toBe('2025-07-04'); // EDT, UTC-4
    expect(localDate(new Date('2025-07-05T04:00:00Z'), 'America/New_York')).toBe('2025-07-05');
    expect(localDate(new Date('2025-07-04T23:30:00Z'), 'Europe/London')).toBe('2025-07-05'); // BST
    expect(localDate(new Date('2025-12-31T23:30:00Z'), 'Europe/London')).toBe('2025-12-31'); // GMT
    expect(localDate(new Date('2025-12-31T23:30:00Z'), 'Africa/Lagos')).toBe('2026-01-01'); // WAT, UTC+1
  });

  it('refuses an invalid instant', () => {
    expect(() => localDate(new Date(Number.NaN), 'UTC')).toThrow(RangeError);
  });
});

describe('settlementWindow', () => {
  const window = (rail: SettlementRail, at: string) => {
    const { processingDate, earliest, latest } = settlementWindow(rail, new Date(at));
    return { processingDate, earliest, latest };
  };

  describe('ACH: 2-3 Federal Reserve business days, 20:30 New York cut-off', () => {
    it.each([
      ['a Monday before Thanksgiving: Wednesday to the Friday after Thanksgiving', '2025-11-24T17:00:00Z', '2025-11-24', '2025-11-26', '2025-11-28'],
      ['the Wednesday before Thanksgiving, 20:29 EST: still that day', '2025-11-27T01:29:00Z', '2025-11-26', '2025-12-01', '2025-12-02'],
      ['the Wednesday before Thanksgiving, 20:30 EST: the cut-off has passed, so the Friday', '2025-11-27T01:30:00Z', '2025-11-28', '2025-12-02', '2025-12-03'],
      ['Thanksgiving Day itself: the Friday', '2025-11-27T15:00:00Z', '2025-11-28', '2025-12-02', '2025-12-03'],
      ['23 December: over Christmas', '2025-12-23T15:00:00Z', '2025-12-23', '2025-12-26', '2025-12-29'],
      ["30 December: over New Year's Day", '2025-12-30T15:00:00Z', '2025-12-30', '2026-01-02', '2026-01-05'],
      ['a Saturday holiday (Fed open the Friday before): Friday counts', '2026-07-03T16:00:00Z', '2026-07-03', '2026-07-07', '2026-07-08'],
      ['on the Saturday holiday itself: from Monday', '2026-07-04T16:00:00Z', '2026-07-06', '2026-07-08', '2026-07-09'],
      ['the Friday before a Sunday holiday observed Monday', '2027-07-02T16:00:00Z', '2027-07-02', '2027-07-07', '2027-07-08'],
      ['a Friday evening after the cut-off (EDT): from Monday', '2025-06-14T00:45:00Z', '2025-06-16', '2025-06-18', '2025-06-20'],
    ])('%s', (_label, at, processingDate, earliest, latest) => {
      // 2025-06-20 is the day after Juneteenth (Thursday 19 June), so +3 from Monday 16 June skips it.
      expect(window('ACH', at)).toEqual({ processingDate, earliest, latest });
    });
  });

  describe('SEPA: same day to 1 TARGET2 business day, 15:00 Brussels cut-off', () => {
    it.each([
      ['a Monday morning: that day or the next', '2025-11-24T09:00:00Z', '2025-11-24', '2025-11-24', '2025-11-25'],
      ['US Thanksgiving does not stop SEPA', '2025-11-27T09:00:00Z', '2025-11-27', '2025-11-27', '2025-11-28'],
      ['Good Friday: after Easter Monday', '2025-04-18T08:00:00Z', '2025-04-22', '2025-04-22', '2025-04-23'],
      ['Christmas Eve before the cut-off: over Christmas and the weekend', '2025-12-24T13:59:00Z', '2025-12-24', '2025-12-24', '2025-12-29'],
      ['Christmas Eve after the cut-off: the Monday after', '2025-12-24T14:00:00Z', '2025-12-29', '2025-12-29', '2025-12-30'],
      ['summer time: 15:00 CEST is 13:00 UTC', '2025-07-01T13:00:00Z', '2025-07-02', '2025-07-02', '2025-07-03'],
    ])('%s', (_label, at, processingDate, earliest, latest) => {
      expect(window('SEPA', at)).toEqual({ processingDate, earliest, latest });
    });
  });

  describe('FPS and NGN local: same day, every day (24/7 schemes), in the rail zone', () => {
    it.each([
      ['FPS', 'Christmas Day', '2025-12-25T12:00:00Z', '2025-12-25'],
      ['FPS', 'a Saturday night (GMT)', '2025-12-27T23:30:00Z', '2025-12-27'],
      ['FPS', 'after 23:00 UTC in British Summer Time is the next day', '2025-07-04T23:30:00Z', '2025-07-05'],
      ['NGN_LOCAL', 'Lagos is UTC+1', '2025-12-25T23:30:00Z', '2025-12-26'],
      ['NGN_LOCAL', 'a Sunday', '2025-11-30T10:00:00Z', '2025-11-30'],
    ] as [SettlementRail, string, string, string][])('%s: %s', (rail, _label, at, day) => {
      expect(window(rail, at)).toEqual({ processingDate: day, earliest: day, latest: day });
    });
  });

  it('every rail: earliest <= latest, both open days of the rail, not before the submission day', () => {
    for (const rail of SETTLEMENT_RAILS) {
      for (let hour = 0; hour < 24 * 40; hour += 5) {
        const at = new Date(Date.UTC(2025, 11, 15, hour, 17));
        const result = settlementWindow(rail, at);
        expect(result.rail).toBe(rail);
        expect(result.earliest <= result.latest).toBe(true);
        expect(result.processingDate <= result.earliest).toBe(true);
        expect(result.processingDate >= addCalendarDays(at.toISOString().slice(0, 10), -1)).toBe(true);
      }
    }
  });

  it('refuses an unknown rail', () => {
    expect(() => settlementWindow('SWIFT' as SettlementRail, new Date('2025-01-02T12:00:00Z'))).toThrow(RangeError);
  });
});
