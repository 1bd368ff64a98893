import { nextAttemptAt, retryDelayMs, RetrySchedule } from './backoff';

const DEFAULTS: RetrySchedule = { retryBaseMs: 30_000, retryMaxMs: 3_600_000, giveUpAfterMs: 25 * 3_600_000 };
const HOUR = 3_600_000;

/** Every attempt time (ms after the first) of a delivery that always fails, with a fixed jitter draw. */
function attemptTimes(schedule: RetrySchedule, random: () => number): number[] {
  const start = new Date(0);
  const times = [0];
  let now = start;
  for (let failures = 1; ; failures += 1) {
    const next = nextAttemptAt(failures, start, now, schedule, random);
    if (!next) return times;
    times.push(next.getTime());
    now = next;
    if (times.length > 1000) throw new Error('never gives up');
  }
}

describe('outbound webhook retry schedule', () => {
  it('starts at 30 s and doubles up to one hour between attempts', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => retryDelayMs(n, DEFAULTS, mid))).toEqual([
      30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000,
    ]);
  });

  it('adds at most ±10 % jitter', () => {
    expect(retryDelayMs(1, DEFAULTS, () => 0)).toBe(27_000);
    expect(retryDelayMs(1, DEFAULTS, () => 1)).toBe(33_000);
    expect(retryDelayMs(20, DEFAULTS, () => 1)).toBe(3_960_000);
  });

  it.each([
    ['shortest jitter', () => 0],
    ['no jitter', () => 0.5],
    ['longest jitter', () => 1],
  ])('keeps retrying for at least 24 hours, then gives up at 25 hours (%s)', (_label, random) => {
    const times = attemptTimes(DEFAULTS, random);
    const last = times[times.length - 1]!;
    expect(last).toBeGreaterThanOrEqual(24 * HOUR);
    expect(last).toBe(25 * HOUR);
    for (let i = 1; i < times.length; i += 1) expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(1.1 * HOUR);
    expect(times.length).toBeGreaterThan(25);
  });

  it('runs the same shape at any base, so tests can shrink it', () => {
    const times = attemptTimes({ retryBaseMs: 50, retryMaxMs: 200, giveUpAfterMs: 1_000 }, () => 0.5);
    expect(times.slice(0, 4)).toEqual([0, 50, 150, 350]);
    expect(times[times.length - 1]).toBe(1_000);
  });
});
