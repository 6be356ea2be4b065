/**
 * Programme measures (DOMAIN.md 9), computed on request from the
 * tables; member states are folded already, so this is one pass over members.
 *
 * Definitions (DOMAIN.md is silent on them):
 * - issued, redeemed and expired as core/analytics.ts defines them (issued net of returns'
 *   reversals and operators' debit adjustments, redeemed net of returns' restores), so
 *   issued - redeemed - expired is the sum of every entry's signed points.
 * - liability = the positive shown balances (expired points excluded), summed per tier and each
 *   sum valued at that tier's redemption ratio in the latest rule set (core/engine/redeem.ts
 *   redemptionValue, what the till pays out: Diamond's 100 points = ¥1.20), floor to the fen;
 *   a tier the rule set no longer has at the lowest tier's ratio. A negative balance (a double
 *   spend) is a receivable, not negative liability, so it is reported apart.
 * - sales figures are over every sale head office holds, except the average spend per active
 *   member: the member sales of the rolling 12 months (the read model's days after the day a
 *   year ago, up to today) over the members active in those 12 months, one population and one
 *   window (a member with a sale in the window is active; a lapsed member's old spend is not
 *   divided among today's active members).
 *
 * Points by kind, sales and per-store / per-staff figures come from the read model
 * (store/aggregates.ts); the member measures (lifecycle, liability, tiers) are still one pass
 * over member states, and repurchase one GROUP BY over member sales (docs/decisions.md).
 */
import { HQ_STORE_ID, HQ_TILL_ID } from '../domain/decisions.js';
import { lowestTier } from '../../core/engine/tiers.js';
import { redemptionValue } from '../../core/engine/redeem.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { visibleBalance, type MemberState } from '../../core/ledger/state.js';
import { addMonthsClamped, localDate } from '../../core/time.js';
import { lifecycle, type Lifecycle } from '../../core/segments.js';
import { byKind as kindsOf, type Measures } from '../../core/aggregates.js';
import { pointsExpired, pointsIssued, pointsRedeemed, ratio } from '../../core/analytics.js';
import { measuresOf, sums as sumsOf } from './aggregates.js';
import { feedbackCounts } from './feedback.js';
import { npsAllTime } from './surveys.js';
import { storeNames } from './tills.js';
import type { RuleSetCache } from './rulesets.js';
import { all, get, type Sql } from '../../storage/sql.js';
import type { DoubleSpendCase, SummaryReport } from './types.js';

export function* memberStates(): Sql<MemberState[]> {
  return ((yield* all('SELECT state FROM member_state')) as { state: string }[]).map(
    (r) => JSON.parse(r.state) as MemberState,
  );
}

function count(keys: Iterable<string>, start: Record<string, number> = {}): Record<string, number> {
  const out = { ...start };
  for (const k of keys) out[k] = (out[k] ?? 0) + 1;
  return out;
}

/** The class order the report lists: DOMAIN.md 8's A to D, then members not yet classified. */
const CLASS_ORDER: readonly string[] = ['A', 'B', 'C', 'D', 'unclassified'];

/**
 * `counts` with its keys in `order`, then any others by code. The counts are built in the order
 * rows come back, which differs between the stores (PostgreSQL answers in heap order, where an
 * updated row moves to the end), and the dashboard lists the keys as they come. (An integer-like
 * key, e.g. a tier coded "1", still comes first: JavaScript enumerates those before the rest.)
 */
function ordered(counts: Record<string, number>, order: readonly string[]): Record<string, number> {
  const rank = new Map(order.map((k, i) => [k, i]));
  const at = (k: string): number => rank.get(k) ?? order.length;
  const keys = Object.keys(counts).sort((a, b) => at(a) - at(b) || (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(keys.map((k) => [k, counts[k] as number]));
}

interface MemberMeasures {
  members: SummaryReport['members'];
  outstanding: number;
  negativeBalances: SummaryReport['points']['negativeBalances'];
  liabilityFen: number;
}

function* memberMeasures(rules: RuleSetCache, today: string): Sql<MemberMeasures> {
  const rs = yield* rules.latest();
  const states = yield* memberStates();
  const byNo = new Map(states.map((s) => [s.memberNo, s]));
  const enrolled = (yield* all('SELECT member_no, consent_at FROM members')) as {
    member_no: string;
    consent_at: string;
  }[];
  const enrolledOn = new Map(enrolled.map((m) => [m.member_no, localDate(m.consent_at, rs.timeZone).date]));
  const firstSale = new Map(
    (
      (yield* all(
        "SELECT member_no, min(local_date) AS d FROM ledger WHERE kind = 'earn' AND sale_id IS NOT NULL GROUP BY member_no",
      )) as { member_no: string; d: string }[]
    ).map((r) => [r.member_no, r.d]),
  );
  const everyone = new Set([...byNo.keys(), ...enrolledOn.keys()]);
  const yearAgo = addMonthsClamped(today, -12);
  const cycles: Lifecycle[] = [];
  let active = 0;
  for (const no of everyone) {
    const s = byNo.get(no);
    const lastSaleOn = s?.lastSaleOn ?? null;
    if (lastSaleOn !== null && lastSaleOn > yearAgo) active += 1;
    cycles.push(
      lifecycle(today, { firstSaleOn: firstSale.get(no) ?? null, lastSaleOn, enrolledOn: enrolledOn.get(no) ?? null }),
    );
  }
  const owed = outstandingByTier(states, today);
  const outstanding = [...owed.values()].reduce((a, b) => a + b, 0);
  const negative = states.filter((s) => s.balance < 0);
  const firstTier = lowestTier(rs).code;
  // Tiers by the rule set's rank, lowest first; a code it no longer has after them.
  const tiers = ordered(
    count([...everyone].map((no) => byNo.get(no)?.tier ?? firstTier)),
    rs.tiers.map((t) => t.code),
  );
  const classes = ordered(
    count(
      ((yield* all('SELECT class FROM members')) as { class: string | null }[]).map((r) => r.class ?? 'unclassified'),
    ),
    CLASS_ORDER,
  );
  return {
    members: {
      enrolled: enrolled.length,
      active,
      withLedger: states.length,
      lifecycle: count(cycles, { new: 0, active: 0, at_risk: 0, dormant: 0 }) as Record<Lifecycle, number>,
      tiers,
      classes,
    },
    outstanding,
    negativeBalances: { members: negative.length, points: negative.reduce((a, s) => a - s.balance, 0) },
    liabilityFen: liabilityFen(rs, owed),
  };
}

/** The positive shown balances (expired points excluded) summed per tier code. */
function outstandingByTier(states: readonly MemberState[], today: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of states) {
    const shown = visibleBalance(s, today);
    if (shown > 0) out.set(s.tier, (out.get(s.tier) ?? 0) + shown);
  }
  return out;
}

/** Each tier's points at its own redemption ratio (the till's redemptionValue), summed. */
function liabilityFen(rs: RuleSet, owed: ReadonlyMap<string, number>): number {
  const known = new Set(rs.tiers.map((t) => t.code));
  let fen = 0;
  for (const [tier, points] of owed) {
    // a tier the latest rule set dropped has no ratio of its own left: value it at the base one
    fen += redemptionValue(rs, known.has(tier) ? tier : lowestTier(rs).code, points);
  }
  return fen;
}

/** Member sales total (fen) of the rolling 12 months: local dates after the day a year ago, to today. */
function* memberSpend12(today: string): Sql<number> {
  const r = (yield* get(
    `SELECT coalesce(sum(member_sales_total), 0) AS t FROM agg_daily
     WHERE staff_id = '' AND local_date > ? AND local_date <= ?`,
    addMonthsClamped(today, -12),
    today,
  )) as { t: number | string };
  return Number(r.t);
}

function* salesMeasures(sums: Measures, activeMembers: number, today: string): Sql<SummaryReport['sales']> {
  // Counts and totals from the read model; mismatches change after the fact (a pending sale's
  // entries arrive), so they are counted on the sales and returns through their partial indexes.
  const t = {
    n: sums.sales,
    total: sums.sales_total,
    mn: sums.member_sales,
    mtotal: sums.member_sales_total,
    mismatches: Number(
      (
        (yield* get(
          `SELECT (SELECT count(*) FROM sales WHERE mismatch = 1) + (SELECT count(*) FROM returns WHERE mismatch = 1) AS n`,
        )) as { n: number }
      ).n,
    ),
  };
  const buyers = (yield* get(
    `SELECT count(*) AS buyers, coalesce(sum(CASE WHEN n >= 2 THEN 1 ELSE 0 END), 0) AS repeaters
     FROM (SELECT count(*) AS n FROM sales WHERE member_no IS NOT NULL GROUP BY member_no) AS per_member`,
  )) as { buyers: number; repeaters: number };
  const spend12 = yield* memberSpend12(today);
  return {
    count: t.n,
    total: t.total,
    memberCount: t.mn,
    memberTotal: t.mtotal,
    memberShare: ratio(t.mtotal, t.total),
    averageSpendPerActiveMember: activeMembers === 0 ? null : Math.floor(spend12 / activeMembers),
    purchaseFrequency: ratio(t.mn, buyers.buyers),
    repurchaseRate: ratio(buyers.repeaters, buyers.buyers),
    mismatches: t.mismatches,
  };
}

function* storeMeasures(): Sql<SummaryReport['stores']> {
  // Head office's own chain sits in a store of its own (domain/decisions.ts): not a shop.
  // From the read model: registered shops, and stores members were enrolled at.
  const rows = (yield* all(
    `SELECT s.store_id AS "storeId", coalesce(sum(a.enrolments), 0) AS "enrolments",
       coalesce(sum(a.sales), 0) AS "sales", coalesce(sum(a.sales_total), 0) AS "salesTotal",
       coalesce(sum(a.member_sales), 0) AS "memberSales", coalesce(sum(a.member_sales_total), 0) AS "memberSalesTotal"
     FROM (SELECT store_id FROM stores WHERE store_id <> ?
           UNION SELECT store_id FROM agg_daily WHERE staff_id = '' GROUP BY store_id HAVING sum(enrolments) > 0) AS s
     LEFT JOIN agg_daily a ON a.store_id = s.store_id AND a.staff_id = ''
     GROUP BY s.store_id ORDER BY s.store_id`,
    HQ_STORE_ID,
  )) as Record<string, unknown>[];
  const names = yield* storeNames();
  return rows.map((r) => ({
    storeId: String(r.storeId),
    enrolments: Number(r.enrolments),
    sales: Number(r.sales),
    salesTotal: Number(r.salesTotal),
    memberSales: Number(r.memberSales),
    memberSalesTotal: Number(r.memberSalesTotal),
    storeName: names.get(String(r.storeId)) ?? null,
  }));
}

/**
 * Enrolments per (store, staff id): a staff id is its store's own (core/analytics.ts
 * staffMeasures), so two stores' "staff-1" are two people and two rows.
 */
function* staffEnrolments(): Sql<SummaryReport['staff']> {
  const rows = (yield* all(
    `SELECT store_id AS "storeId", staff_id AS "staffId", sum(enrolments) AS "enrolments" FROM agg_daily
     WHERE staff_id <> '' GROUP BY store_id, staff_id HAVING sum(enrolments) > 0 ORDER BY store_id, staff_id`,
  )) as { storeId: string; staffId: string; enrolments: number }[];
  return rows.map((r) => ({ storeId: r.storeId, staffId: r.staffId, enrolments: Number(r.enrolments) }));
}

interface CaseRow {
  id: number;
  member_no: string;
  tills: string;
  points: number;
  balance_after: number;
  status: string;
  detected_at: string;
  closed_at: string | null;
  closed_by: string | null;
  resolution: string | null;
  kind: 'double_spend' | 'coupon_reuse' | 'expiry_conflict';
  detail: string | null;
  trigger_till: string;
  trigger_seq: number;
}

export function* cases(): Sql<DoubleSpendCase[]> {
  return ((yield* all('SELECT * FROM cases ORDER BY id')) as CaseRow[]).map((c) => ({
    id: c.id,
    kind: c.kind,
    memberNo: c.member_no,
    tills: JSON.parse(c.tills) as string[],
    points: c.points,
    balanceAfter: c.balance_after,
    detail: c.detail === null ? null : (JSON.parse(c.detail) as Record<string, unknown>),
    trigger: `${c.trigger_till}:${c.trigger_seq}`,
    status: c.status,
    detectedAt: c.detected_at,
    closedAt: c.closed_at,
    closedBy: c.closed_by,
    resolution: c.resolution,
  }));
}

/** Call inside one read transaction, so every figure is of the same moment. */
export function* summary(rules: RuleSetCache, now: Date): Sql<SummaryReport> {
  {
    const today = localDate(now, (yield* rules.latest()).timeZone).date;
    // All time from the read model (store/aggregates.ts): one pass over days x stores rows.
    const sums = measuresOf(
      (yield* get(`SELECT ${sumsOf()} FROM agg_daily WHERE staff_id = ''`)) as Record<string, unknown>,
    );
    const byKind = kindsOf(sums);
    const issued = pointsIssued(byKind);
    const redeemed = pointsRedeemed(byKind);
    const expired = pointsExpired(byKind);
    const m = yield* memberMeasures(rules, today);
    const tills = (yield* get(
      "SELECT count(*) AS total, coalesce(sum(CASE WHEN chain_status = 'broken' THEN 1 ELSE 0 END), 0) AS broken FROM tills WHERE till_id <> ?",
      HQ_TILL_ID,
    )) as {
      total: number;
      broken: number;
    };
    return {
      asOf: now.toISOString(),
      today,
      members: m.members,
      points: {
        byKind,
        issued,
        redeemed,
        expired,
        outstanding: m.outstanding,
        negativeBalances: m.negativeBalances,
        liabilityFen: m.liabilityFen,
        redemptionRate: ratio(redeemed, issued),
        breakageRate: ratio(expired, issued),
      },
      sales: yield* salesMeasures(sums, m.members.active, today),
      stores: yield* storeMeasures(),
      staff: yield* staffEnrolments(),
      tills,
      doubleSpendCases: yield* cases(),
      feedback: yield* feedbackCounts(),
      nps: yield* npsAllTime(),
    };
  }
}
