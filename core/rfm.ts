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
 * - Class boundaries: the lowest and highest rolling spend inside each class (D includes
 *   members with no spend, so its lower bound is 0 when it has any).
 */
import { assignClasses, lifecycle, type Lifecycle, type MemberClass } from './segments.js';
import { daysBetween } from './time.js';

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
  const classes = assignClasses(input.map((m) => ({ memberNo: m.memberNo, rollingSpend: m.spend12 })));
  const scored = input.filter((m) => m.sales12 > 0 && m.lastSaleOn !== null);
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
