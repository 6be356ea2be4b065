/**
 * The Members report (DOMAIN.md 8 and 9): RFM scores by quintile, tier distribution, A/B/C/D
 * with the spend boundaries, and the lifecycle funnel. Pure, so head office's report
 * (headoffice/store/members-report.ts) and a test with hand-computed numbers agree.
 *
 *   measure  definition (as of `today`, a local date in the programme's zone)
 *   R        recency: days from the member's last sale to today
 *   F        frequency: the member's sales in the rolling 12 months (a sale counts once; its
 *            returns do not remove it)
 *   M        monetary: qualifying spend in the rolling 12 months, fen (the same rolling spend
 *            the A/B/C/D class ranks, core/ledger/state.ts rollingSpend: returns net it down)
 *
 * Decisions where DOMAIN.md is silent:
 * - Only active members are scored: at least one sale in the rolling 12 months (the same
 *   window the class uses). Everyone else is counted as `unscored` and has no RFM cell.
 * - Quintile rule: among the n scored members, a member's score is 5 − ⌊5·b / n⌋, b being how
 *   many scored members have a strictly better value (fewer days for R, more sales for F,
 *   more spend for M). Ties therefore share a score, the best their group reaches; with five
 *   distinct values the scores are 5, 4, 3, 2, 1; a lone member scores 5 5 5.
 * - The cell is written R<r>F<f>M<m>, e.g. R5F4M3.
 * - Class boundaries: the lowest and highest rolling spend inside each class (D includes the
 *   members who are not active, and active ones may have no qualifying spend, so a class's
 *   lower bound may be 0).
 */
import { assignClasses, lifecycle, type Lifecycle, type MemberClass } from './segments.js';
import { addMonthsClamped, daysBetween } from './time.js';

export const LIFECYCLES: readonly Lifecycle[] = ['new', 'active', 'at_risk', 'dormant'];
export const CLASSES: readonly MemberClass[] = ['A', 'B', 'C', 'D'];

export interface RfmInput {
  memberNo: string;
  tier: string;
  enrolledOn: string | null;
  firstSaleOn: string | null;
  lastSaleOn: string | null;
  /** F: sales in the rolling 12 months */
  sales12: number;
  /** M: rolling 12-month spend, fen */
  spend12: number;
}

export interface RfmMember {
  memberNo: string;
  tier: string;
  class: MemberClass;
  lifecycle: Lifecycle;
  /** R in days; null without any sale */
  recencyDays: number | null;
  frequency: number;
  monetary: number;
  /** 1-5 scores and the cell; null when the member is not scored (no sale in 12 months) */
  r: number | null;
  f: number | null;
  m: number | null;
  cell: string | null;
}

export interface MembersReport {
  asOf: string;
  members: number;
  /** members per tier code, in the programme's tier order when given */
  tiers: { tier: string; members: number }[];
  classes: { class: MemberClass; members: number; minSpend: number | null; maxSpend: number | null }[];
  lifecycle: { stage: Lifecycle; members: number }[];
  rfm: {
    scored: number;
    unscored: number;
    /** non-empty cells only, ordered by R, F, M descending */
    cells: { cell: string; r: number; f: number; m: number; members: number }[];
  };
}

/** Each value's score, 5 − ⌊5·b/n⌋ with b = how many values are strictly better. */
export function quintileScores(values: readonly number[], higherIsBetter: boolean): number[] {
  const n = values.length;
  const sorted = [...values].sort((a, b) => (higherIsBetter ? b - a : a - b));
  // best-first, the first index of a value is the count of values strictly better than it
  const better = new Map<number, number>();
  sorted.forEach((v, i) => {
    if (!better.has(v)) better.set(v, i);
  });
  return values.map((v) => 5 - Math.floor((5 * (better.get(v) ?? 0)) / n));
}

export const cellName = (r: number, f: number, m: number): string => `R${r}F${f}M${m}`;

/** Parses "R5F4M3"; null when it is no cell. */
export function parseCell(s: string): { r: number; f: number; m: number } | null {
  const x = /^R([1-5])F([1-5])M([1-5])$/.exec(s);
  return x ? { r: Number(x[1]), f: Number(x[2]), m: Number(x[3]) } : null;
}

/** Every member with class, lifecycle and (when active) RFM scores, in member number order. */
export function scoreMembers(today: string, input: readonly RfmInput[]): RfmMember[] {
  // One population for both: the active members are the ones scored and the ones the class ranks.
  const isScored = (m: RfmInput): boolean => m.sales12 > 0 && m.lastSaleOn !== null;
  const classes = assignClasses(
    input.map((m) => ({ memberNo: m.memberNo, rollingSpend: m.spend12, active: isScored(m) })),
  );
  const scored = input.filter(isScored);
  const recency = scored.map((m) => daysBetween(m.lastSaleOn as string, today));
  const rs = quintileScores(recency, false);
  const fs = quintileScores(
    scored.map((m) => m.sales12),
    true,
  );
  const ms = quintileScores(
    scored.map((m) => m.spend12),
    true,
  );
  const scores = new Map(scored.map((m, i) => [m.memberNo, [rs[i], fs[i], ms[i]] as [number, number, number]]));
  return input
    .map((m): RfmMember => {
      const s = scores.get(m.memberNo);
      return {
        memberNo: m.memberNo,
        tier: m.tier,
        class: classes.get(m.memberNo) ?? 'D',
        lifecycle: lifecycle(today, m),
        recencyDays: m.lastSaleOn === null ? null : daysBetween(m.lastSaleOn, today),
        frequency: m.sales12,
        monetary: m.spend12,
        r: s ? s[0] : null,
        f: s ? s[1] : null,
        m: s ? s[2] : null,
        cell: s ? cellName(...s) : null,
      };
    })
    .sort((a, b) => (a.memberNo < b.memberNo ? -1 : a.memberNo > b.memberNo ? 1 : 0));
}

/** The aggregates of scored members; `tierOrder` lists the programme's tiers lowest first. */
export function membersReport(
  today: string,
  members: readonly RfmMember[],
  tierOrder: readonly string[] = [],
): MembersReport {
  const tierCount = new Map<string, number>(tierOrder.map((t) => [t, 0]));
  for (const m of members) tierCount.set(m.tier, (tierCount.get(m.tier) ?? 0) + 1);
  const classes = CLASSES.map((c) => {
    const spends = members.filter((m) => m.class === c).map((m) => m.monetary);
    return {
      class: c,
      members: spends.length,
      minSpend: spends.length === 0 ? null : Math.min(...spends),
      maxSpend: spends.length === 0 ? null : Math.max(...spends),
    };
  });
  const cells = new Map<string, { cell: string; r: number; f: number; m: number; members: number }>();
  for (const m of members) {
    if (m.cell === null || m.r === null || m.f === null || m.m === null) continue;
    const c = cells.get(m.cell) ?? { cell: m.cell, r: m.r, f: m.f, m: m.m, members: 0 };
    c.members += 1;
    cells.set(m.cell, c);
  }
  const scored = members.filter((m) => m.cell !== null).length;
  return {
    asOf: today,
    members: members.length,
    tiers: [...tierCount.entries()].map(([tier, n]) => ({ tier, members: n })),
    classes,
    lifecycle: LIFECYCLES.map((stage) => ({ stage, members: members.filter((m) => m.lifecycle === stage).length })),
    rfm: {
      scored,
      unscored: members.length - scored,
      cells: [...cells.values()].sort((a, b) => b.r - a.r || b.f - a.f || b.m - a.m),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Tier movement, cohort retention and customer lifetime value (issue 13 item 3; DOMAIN.md 8, 9:
// "tier distribution and movement", "RFM scores and customer lifetime value for reporting").

/** A calendar month, YYYY-MM. */
export const monthOf = (date: string): string => date.slice(0, 7);

/** `month` moved by `n` months (YYYY-MM). */
export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const i = y * 12 + (m - 1) + n;
  return `${String(Math.floor(i / 12)).padStart(4, '0')}-${String((i % 12) + 1).padStart(2, '0')}`;
}

/** Months from `a` to `b` (YYYY-MM), b − a. */
export function monthsBetween(a: string, b: string): number {
  const [ya, ma] = a.split('-').map(Number) as [number, number];
  const [yb, mb] = b.split('-').map(Number) as [number, number];
  return yb * 12 + mb - (ya * 12 + ma);
}

/** A `tier` ledger entry as the movement reads it (data.fromTier / data.toTier, its local date). */
export interface TierChange {
  memberNo: string;
  date: string;
  fromTier: string | null;
  toTier: string;
}

export interface TierMovement {
  /** the months of the window, oldest first, with the members upgraded and downgraded in each */
  months: { month: string; upgrades: number; downgrades: number }[];
  /** from → to over the whole window: members moved, lowest from-tier first */
  flows: { from: string; to: string; direction: 'up' | 'down'; members: number }[];
  upgrades: number;
  downgrades: number;
}

/**
 * Upgrades and downgrades per month over the `months` calendar months ending with today's.
 *
 * - A move is a `tier` entry whose from-tier differs from its to-tier: a review that keeps the
 *   tier (from = to) and an entry without a from-tier are not moves.
 * - Up or down by the programme's tier order (lowest first); a tier code the order does not
 *   know ranks below the lowest.
 * - A member counts once per month and (from, to): two tills that both upgraded the member
 *   offline, or a review written again, are one move.
 */
export function tierMovement(
  today: string,
  changes: readonly TierChange[],
  tierOrder: readonly string[],
  months = 12,
): TierMovement {
  const last = monthOf(today);
  const first = addMonths(last, -(months - 1));
  const rank = (t: string): number => tierOrder.indexOf(t);
  const perMonth = new Map<string, { month: string; upgrades: number; downgrades: number }>();
  for (let i = 0; i < months; i++) {
    const month = addMonths(first, i);
    perMonth.set(month, { month, upgrades: 0, downgrades: 0 });
  }
  const seen = new Set<string>();
  const flows = new Map<string, { from: string; to: string; direction: 'up' | 'down'; members: number }>();
  for (const c of changes) {
    if (c.fromTier === null || c.fromTier === c.toTier) continue;
    const m = perMonth.get(monthOf(c.date));
    if (!m) continue;
    const key = JSON.stringify([m.month, c.memberNo, c.fromTier, c.toTier]);
    if (seen.has(key)) continue;
    seen.add(key);
    const direction = rank(c.toTier) > rank(c.fromTier) ? 'up' : 'down';
    if (direction === 'up') m.upgrades += 1;
    else m.downgrades += 1;
    const fk = JSON.stringify([c.fromTier, c.toTier]);
    const f = flows.get(fk) ?? { from: c.fromTier, to: c.toTier, direction, members: 0 };
    f.members += 1;
    flows.set(fk, f);
  }
  const list = [...perMonth.values()];
  return {
    months: list,
    flows: [...flows.values()].sort((a, b) => rank(a.from) - rank(b.from) || rank(a.to) - rank(b.to)),
    upgrades: list.reduce((n, m) => n + m.upgrades, 0),
    downgrades: list.reduce((n, m) => n + m.downgrades, 0),
  };
}

export interface CohortRow {
  /** enrolment month, YYYY-MM */
  cohort: string;
  /** members who enrolled that month */
  members: number;
  /** buyers[k]: the cohort's members with a sale in month cohort + k (k = 0 is the enrolment month), up to this month */
  buyers: number[];
  /** share[k] = buyers[k] / members (4 decimals) */
  share: number[];
}

/**
 * Cohort retention: members by enrolment month (their consent's local date), and for each month
 * since, the share of them with at least one sale in that month. The last `months` enrolment
 * months ending with today's, oldest first; each row runs to this month, so the table is a
 * triangle (the newest cohort has only its enrolment month). Members without an enrolment date
 * and sales before the window are ignored; a cohort with no members is listed with empty shares.
 */
export function cohortRetention(
  today: string,
  members: readonly { memberNo: string; enrolledOn: string | null }[],
  sales: readonly { memberNo: string; date: string }[],
  months = 12,
): CohortRow[] {
  const last = monthOf(today);
  const first = addMonths(last, -(months - 1));
  const cohortOf = new Map<string, string>();
  const size = new Map<string, number>();
  for (const m of members) {
    if (m.enrolledOn === null) continue;
    const c = monthOf(m.enrolledOn);
    if (c < first || c > last) continue;
    cohortOf.set(m.memberNo, c);
    size.set(c, (size.get(c) ?? 0) + 1);
  }
  // distinct (member, month) with a sale
  const bought = new Set<string>();
  for (const s of sales) {
    if (cohortOf.has(s.memberNo) && s.date <= today) bought.add(`${s.memberNo} ${monthOf(s.date)}`);
  }
  const buyers = new Map<string, number[]>();
  for (const key of bought) {
    const [memberNo, month] = key.split(' ') as [string, string];
    const c = cohortOf.get(memberNo) as string;
    const k = monthsBetween(c, month);
    if (k < 0) continue;
    const row = buyers.get(c) ?? new Array<number>(monthsBetween(c, last) + 1).fill(0);
    row[k] = (row[k] ?? 0) + 1;
    buyers.set(c, row);
  }
  const out: CohortRow[] = [];
  for (let i = 0; i < months; i++) {
    const cohort = addMonths(first, i);
    const n = size.get(cohort) ?? 0;
    const b = buyers.get(cohort) ?? new Array<number>(monthsBetween(cohort, last) + 1).fill(0);
    out.push({
      cohort,
      members: n,
      buyers: b,
      share: n === 0 ? [] : b.map((x) => Math.round((x / n) * 10_000) / 10_000),
    });
  }
  return out;
}

/** Longest expected lifetime the CLTV assumes, years (a churn near 0 would make it endless). */
export const CLTV_MAX_LIFETIME_YEARS = 10;

/** CLTV bucket edges, fen: ¥0, 100, 500, 1 000, 2 000, 5 000, 10 000 and above. */
export const CLTV_BUCKETS = [0, 10_000, 50_000, 100_000, 200_000, 500_000, 1_000_000] as const;

export interface CltvReport {
  /** members valued: a sale in the rolling 12 months (the RFM-scored members) */
  members: number;
  /** chain figures: average spend per purchase (fen), purchases per member per year */
  averageOrderValue: number | null;
  purchaseFrequency: number | null;
  /** last year's buyers (see cltv) and how many of them bought again in the last 12 months */
  churn: { base: number; retained: number; churned: number; rate: number | null };
  lifetimeYears: number;
  /** 'churn': 1 / churn rate; 'cap': capped at CLTV_MAX_LIFETIME_YEARS; 'unmeasured': no base yet, 1 year assumed */
  lifetimeBasis: 'churn' | 'cap' | 'unmeasured';
  /** fen */
  mean: number | null;
  median: number | null;
  /** members per value band, fen; max null for the last band */
  buckets: { min: number; max: number | null; members: number }[];
}

/**
 * Customer lifetime value (DOMAIN.md 8), one formula, stated on the Members page:
 *
 *   CLTV = average spend per purchase × purchases per year × expected lifetime in years
 *
 * per member over the rolling 12 months: spend per purchase = M / F and purchases per year = F,
 * so a member's CLTV is M × lifetime (M: rolling 12-month qualifying spend, net of returns, as
 * RFM and the class use it). The expected lifetime is 1 / the yearly churn rate, capped at
 * CLTV_MAX_LIFETIME_YEARS:
 *
 *   base     members whose first sale was on or before the day a year ago and whose last sale
 *            was after the day two years ago (last year's buyers, as far as first and last sale
 *            dates tell)
 *   churned  those whose last sale was on or before the day a year ago (no sale since)
 *   rate     churned / base
 *
 * With no base (a programme younger than a year) the lifetime is taken as 1 year: CLTV is then
 * the historical 12-month value, and the page says so. The chain's average CLTV equals the chain
 * average spend per purchase × purchases per member per year × lifetime.
 */
export function cltv(
  today: string,
  members: readonly Pick<RfmInput, 'firstSaleOn' | 'lastSaleOn' | 'sales12' | 'spend12'>[],
): CltvReport {
  const yearAgo = addMonthsClamped(today, -12);
  const twoYearsAgo = addMonthsClamped(today, -24);
  let base = 0;
  let churned = 0;
  for (const m of members) {
    if (m.firstSaleOn === null || m.lastSaleOn === null) continue;
    if (m.firstSaleOn > yearAgo || m.lastSaleOn <= twoYearsAgo) continue;
    base += 1;
    if (m.lastSaleOn <= yearAgo) churned += 1;
  }
  const rate = base === 0 ? null : Math.round((churned / base) * 10_000) / 10_000;
  let lifetimeYears = 1;
  let lifetimeBasis: CltvReport['lifetimeBasis'] = 'unmeasured';
  if (base > 0) {
    const l = churned === 0 ? Infinity : base / churned;
    lifetimeBasis = l > CLTV_MAX_LIFETIME_YEARS ? 'cap' : 'churn';
    lifetimeYears = Math.round(Math.min(l, CLTV_MAX_LIFETIME_YEARS) * 100) / 100;
  }
  const valued = members.filter((m) => m.sales12 > 0);
  const values = valued.map((m) => Math.round(Math.max(0, m.spend12) * lifetimeYears)).sort((a, b) => a - b);
  const spend = valued.reduce((n, m) => n + Math.max(0, m.spend12), 0);
  const purchases = valued.reduce((n, m) => n + m.sales12, 0);
  const n = values.length;
  const median =
    n === 0
      ? null
      : n % 2 === 1
        ? (values[(n - 1) / 2] as number)
        : Math.round(((values[n / 2 - 1] as number) + (values[n / 2] as number)) / 2);
  return {
    members: n,
    averageOrderValue: purchases === 0 ? null : Math.round(spend / purchases),
    purchaseFrequency: n === 0 ? null : Math.round((purchases / n) * 100) / 100,
    churn: { base, retained: base - churned, churned, rate },
    lifetimeYears,
    lifetimeBasis,
    mean: n === 0 ? null : Math.round(values.reduce((a, b) => a + b, 0) / n),
    median,
    buckets: CLTV_BUCKETS.map((min, i) => {
      const max = CLTV_BUCKETS[i + 1] ?? null;
      return { min, max, members: values.filter((v) => v >= min && (max === null || v < max)).length };
    }),
  };
}
