/** The retry schedule of outbound webhooks (OUTBOUND_WEBHOOK_* configuration). */
export interface RetrySchedule {
  /** Wait after the first failed attempt; doubles after each further failure. */
  retryBaseMs: number;
  /** Longest wait between two attempts. */
  retryMaxMs: number;
  /** A delivery still failing this long after its first attempt (or a manual redelivery) becomes `failed`. */
  giveUpAfterMs: number;
}

/** ±10 % around the nominal wait, so endpoints that failed together do not all retry in the same second. */
const JITTER = 0.1;

/** The wait after the `failures`-th consecutive failure (1-based): base × 2^(failures−1), capped, with jitter. */
export function retryDelayMs(failures: number, schedule: Pick<RetrySchedule, 'retryBaseMs' | 'retryMaxMs'>, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 40);
  const nominal = Math.min(schedule.retryBaseMs * 2 ** exponent, schedule.retryMaxMs);
  return Math.max(1, Math.round(nominal * (1 - JITTER + 2 * JITTER * random())));
}

/**
 * When to try again after a failed attempt at `now`, or null when the delivery has been retried long enough.
 * The last retry is pulled in to the deadline (window start + giveUpAfterMs), so a delivery is always tried at the
 * deadline itself before it is given up.
 */
export function nextAttemptAt(failures: number, windowStartedAt: Date, now: Date, schedule: RetrySchedule, random: () => number = Math.random): Date | null {
  const deadline = windowStartedAt.getTime() + schedule.giveUpAfterMs;
  if (now.getTime() >= deadline) return null;
  return new Date(Math.min(now.getTime() + retryDelayMs(failures, schedule, random), deadline));
}
