/**
 * The overview's period measures beyond the daily sums (issue 13 item 2), pure so they can be
 * checked by hand:
 *
 *   churn            members who lapsed to dormant in the period (their 180th day without a
 *                    sale, DOMAIN.md 8, fell on a date of it) / members active at its start
 *                    (a sale within the 180 days before it: new, active or at risk). Read off
 *                    the end-of-day run's daily snapshots: the start is the snapshot of the
 *                    day before `from`; days of the period without a run are reported, their
 *                    lapses are missing. Chain-wide (a member is not one store's).
 *   referral rate    enrolments another member referred / enrolments (members.referrer_member_no)
 *   repurchase rate  members who bought at least twice in the period / members who bought
 *   targets          member share 50-60 %, repurchase +10 % and CLV +20 % on a baseline: the
 *                    guides' figures as defaults, set by the programme team (stored at head office)
 *   granularity      day / week (ISO, Monday first) / month buckets of the daily series
 */
import { addDay, ratio, type DayMeasures } from './analytics.js';
import { addDays, daysBetween } from './time.js';

export interface LapseSnapshot {
  date: string;
  /** members with a sale within the 180 days before `date` */
  live: number;
  /** members whose 180th day without a sale is `date` */
  lapsed: number;
}

export interface Churn {
  /** members active at the start (the snapshot of the day before `from`), null without one */
  activeAtStart: number | null;
  lapsed: number;
  rate: number | null;
  /** dates of the period the end-of-day run left no snapshot for */
  daysWithoutSnapshot: number;
}

export function churn(from: string, to: string, snapshots: readonly LapseSnapshot[]): Churn {
  const byDate = new Map(snapshots.map((s) => [s.date, s]));
  const start = byDate.get(addDays(from, -1)) ?? null;
  let lapsed = 0;
  let missing = 0;
  // Counted by index, not by comparing date strings: past 9999-12-31 addDays gives
  // "10000-01-01", which sorts before it, and a string-compared loop would never end.
  const days = daysBetween(from, to);
  for (let i = 0; i <= days; i++) {
    const s = byDate.get(addDays(from, i));
    if (s) lapsed += s.lapsed;
    else missing += 1;
  }
  const activeAtStart = start?.live ?? null;
  return {
    activeAtStart,
    lapsed,
    rate: activeAtStart === null ? null : ratio(lapsed, activeAtStart),
    daysWithoutSnapshot: missing,
  };
}

export interface Repurchase {
  buyers: number;
  repeaters: number;
  rate: number | null;
}

/** From each buying member's count of sales in the period. */
export function repurchase(salesPerBuyer: Iterable<number>): Repurchase {
  let buyers = 0;
  let repeaters = 0;
  for (const n of salesPerBuyer) {
    if (n < 1) continue;
    buyers += 1;
    if (n >= 2) repeaters += 1;
  }
  return { buyers, repeaters, rate: ratio(repeaters, buyers) };
}

export interface Targets {
  /** member share of sales: the band the guides want */
  memberShare: { low: number; high: number };
  /** repurchase rate: this much above the previous period's */
  repurchaseLift: number;
  /** customer lifetime value: this much above the baseline */
  clvLift: number;
  /** the CLV (fen) the lift is measured from; null until the programme team sets it */
  clvBaselineFen: number | null;
}

export const DEFAULT_TARGETS: Targets = {
  memberShare: { low: 0.5, high: 0.6 },
  repurchaseLift: 0.1,
  clvLift: 0.2,
  clvBaselineFen: null,
};

/** The repurchase rate to reach: the previous period's raised by the lift (null without a previous rate). */
export function repurchaseTarget(previous: number | null, t: Targets): number | null {
  return previous === null ? null : Math.round(previous * (1 + t.repurchaseLift) * 10_000) / 10_000;
}

/** The CLV (fen) to reach: the baseline raised by the lift, null without a baseline. */
export function clvTarget(t: Targets): number | null {
  return t.clvBaselineFen === null ? null : Math.round(t.clvBaselineFen * (1 + t.clvLift));
}

export type Granularity = 'day' | 'week' | 'month';
export const GRANULARITIES: readonly Granularity[] = ['day', 'week', 'month'];

/** The bucket a date falls in: itself, the Monday of its ISO week, or its month (YYYY-MM). */
export function bucketOf(date: string, g: Granularity): string {
  switch (g) {
    case 'day':
      return date;
    case 'week': {
      const [y, m, d] = date.split('-').map(Number) as [number, number, number];
      const dow = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // Monday 0
      return addDays(date, -dow);
    }
    case 'month':
      return date.slice(0, 7);
    default: {
      const never: never = g;
      throw new Error(`unknown granularity ${String(never)}`);
    }
  }
}

/** The daily series summed per bucket (a bucket's `date` is its key), in date order. */
export function bucketed(days: readonly DayMeasures[], g: Granularity): DayMeasures[] {
  const out = new Map<string, DayMeasures>();
  for (const d of days) {
    const key = bucketOf(d.date, g);
    const b = out.get(key);
    if (b) addDay(b, d);
    else out.set(key, { ...d, date: key });
  }
  return [...out.values()];
}

/** Length of [from, to] in days (inclusive). */
export function periodDays(from: string, to: string): number {
  return daysBetween(from, to) + 1;
}
