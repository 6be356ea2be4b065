/**
 * GET /v1/reports/overview and the programme's targets (GET/POST /v1/targets): what the
 * overview shows beside the daily series (core/overview.ts defines each measure).
 *
 * - churn reads the end-of-day run's snapshots (agg_snapshot, store/aggregates.ts): a row per
 *   date, so a year is 367 rows; chain-wide, the store filter does not narrow it;
 * - repurchase reads the member sales of the period and of the previous one (a member's count
 *   of sales is not a sum the read model can hold per day): the one measure here that visits
 *   the range's sales;
 * - targets are a JSON value in meta (a handful of numbers, read with every overview), set by
 *   an admin with who and why kept beside them.
 */
import { previousPeriod } from '../../core/analytics.js';
import {
  churn,
  clvTarget,
  DEFAULT_TARGETS,
  repurchase,
  repurchaseTarget,
  type Churn,
  type LapseSnapshot,
  type Repurchase,
  type Targets,
} from '../../core/overview.js';
import { addDays, localDate } from '../../core/time.js';
import { all, run, type Sql } from '../../storage/sql.js';
import { metaValue } from './meta.js';
import { storeFilter } from './aggregates.js';
import type { RuleSetCache } from './rulesets.js';
import type { OperatorRequest } from './types.js';

export const TARGETS_META_KEY = 'programme_targets';

export interface StoredTargets extends Targets {
  /** who set them and when; null while the guides' defaults apply */
  updatedAt: string | null;
  updatedBy: string | null;
  reason: string | null;
}

export function* targets(): Sql<StoredTargets> {
  const stored = yield* metaValue(TARGETS_META_KEY);
  if (stored === null) return { ...DEFAULT_TARGETS, updatedAt: null, updatedBy: null, reason: null };
  return { ...DEFAULT_TARGETS, ...(JSON.parse(stored) as Partial<StoredTargets>) } as StoredTargets;
}

export function* setTargets(t: Targets, who: OperatorRequest, now: Date): Sql<StoredTargets> {
  const value: StoredTargets = {
    memberShare: t.memberShare,
    repurchaseLift: t.repurchaseLift,
    clvLift: t.clvLift,
    clvBaselineFen: t.clvBaselineFen,
    updatedAt: now.toISOString(),
    updatedBy: who.operatorId,
    reason: who.reason,
  };
  yield* run(
    'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
    TARGETS_META_KEY,
    JSON.stringify(value),
  );
  return value;
}

export interface OverviewQuery {
  from: string;
  to: string;
  stores: readonly string[] | null;
}

export interface OverviewReport {
  from: string;
  to: string;
  previous: { from: string; to: string };
  churn: Churn;
  repurchase: { current: Repurchase; previous: Repurchase; target: number | null };
  targets: StoredTargets & { clvTargetFen: number | null };
}

function* repurchaseIn(timeZone: string, from: string, to: string, stores: readonly string[] | null): Sql<Repurchase> {
  // occurred_at carries the till's offset: the window is widened a day each side, each sale
  // then put on its local date (as the daily report did before the read model).
  const rows = (yield* all(
    `SELECT member_no AS "memberNo", occurred_at AS "at" FROM sales
     WHERE member_no IS NOT NULL AND occurred_at >= ? AND occurred_at < ?${storeFilter('store_id', stores)}`,
    addDays(from, -1),
    addDays(to, 2),
    ...(stores ?? []),
  )) as { memberNo: string; at: string }[];
  const perMember = new Map<string, number>();
  for (const r of rows) {
    const d = localDate(r.at, timeZone).date;
    if (d < from || d > to) continue;
    perMember.set(r.memberNo, (perMember.get(r.memberNo) ?? 0) + 1);
  }
  return repurchase(perMember.values());
}

/** Call inside one read transaction. */
export function* overviewReport(rules: RuleSetCache, q: OverviewQuery): Sql<OverviewReport> {
  const { timeZone } = yield* rules.latest();
  const snaps = (yield* all(
    `SELECT snap_date AS "date", key AS "key", members AS "n" FROM agg_snapshot
     WHERE dimension = 'lapse' AND snap_date >= ? AND snap_date <= ?`,
    addDays(q.from, -1),
    q.to,
  )) as { date: string; key: string; n: number }[];
  const byDate = new Map<string, LapseSnapshot>();
  for (const s of snaps) {
    const e = byDate.get(s.date) ?? { date: s.date, live: 0, lapsed: 0 };
    if (s.key === 'live') e.live = Number(s.n);
    if (s.key === 'lapsed') e.lapsed = Number(s.n);
    byDate.set(s.date, e);
  }
  const prev = previousPeriod(q.from, q.to);
  const current = yield* repurchaseIn(timeZone, q.from, q.to, q.stores);
  const before = yield* repurchaseIn(timeZone, prev.from, prev.to, q.stores);
  const t = yield* targets();
  return {
    from: q.from,
    to: q.to,
    previous: prev,
    churn: churn(q.from, q.to, [...byDate.values()]),
    repurchase: { current, previous: before, target: repurchaseTarget(before.rate, t) },
    targets: { ...t, clvTargetFen: clvTarget(t) },
  };
}
