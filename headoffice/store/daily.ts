/**
 * GET /v1/reports/daily: the programme measures day by day (core/analytics.ts says what each
 * one is) for a local date range, the chain and each store. One read transaction, three reads:
 *
 *   1. the ledger's points GROUP BY local_date, store, kind (local_date is written on apply in
 *      the programme's zone, so the database groups it);
 *   2. the sales whose instant may fall in the range: occurred_at is an ISO instant with the
 *      till's offset, so the window is widened by a day each side (offsets are < 24 h) and
 *      each sale is put on its local date in core/analytics.ts;
 *   3. the enrolments (consent instants) the same way.
 *
 * Portable SQL (`?` placeholders, no date functions of either database). Reads 2 and 3 visit
 * the range's rows: the next step (issue 13, item 7) is a per-day, per-store aggregate written
 * in the apply transaction, so a year's report reads 365 × stores rows.
 */
import {
  dailySeries,
  staffMeasures,
  type DailySeries,
  type LedgerDayRow,
  type StaffMeasures,
} from '../../core/analytics.js';
import { addDays } from '../../core/time.js';
import { HQ_STORE_ID } from '../domain/decisions.js';
import { all, type Sql } from '../../storage/sql.js';
import type { RuleSetCache } from './rulesets.js';
import { storeNames } from './tills.js';

export interface DailyQuery {
  from: string;
  to: string;
  /** only these shops; null for the whole chain (head office's own entries included) */
  stores: readonly string[] | null;
}

export interface DailyReport extends DailySeries {
  from: string;
  to: string;
  timeZone: string;
  stores: (DailySeries['stores'][number] & { storeName: string | null })[];
  /** per (store, staff member) over the range (core/analytics.ts staffMeasures) */
  staff: StaffMeasures[];
}

/** `AND <column> IN (?, ...)` for a store filter, '' for none. */
function storeFilter(column: string, stores: readonly string[] | null): string {
  return stores === null ? '' : ` AND ${column} IN (${stores.map(() => '?').join(', ')})`;
}

/** Call inside one read transaction, so every figure is of the same moment. */
export function* dailyReport(rules: RuleSetCache, q: DailyQuery): Sql<DailyReport> {
  const timeZone = (yield* rules.latest()).timeZone;
  const only = q.stores ?? [];
  const ledger = yield* all<LedgerDayRow>(
    `SELECT l.local_date AS "date", t.store_id AS "storeId", l.kind AS "kind", sum(l.points) AS "points"
     FROM ledger l JOIN tills t ON t.till_id = l.till_id
     WHERE l.local_date >= ? AND l.local_date <= ?${storeFilter('t.store_id', q.stores)}
     GROUP BY l.local_date, t.store_id, l.kind`,
    q.from,
    q.to,
    ...only,
  );
  // Lexicographic on the ISO text: any instant of a local date in the range starts with a date
  // within a day of it.
  const lo = addDays(q.from, -1);
  const hi = addDays(q.to, 2);
  const sales = yield* all<{
    occurredAt: string;
    storeId: string;
    member: number;
    total: number;
    staffId: string | null;
  }>(
    `SELECT occurred_at AS "occurredAt", store_id AS "storeId", staff_id AS "staffId",
       CASE WHEN member_no IS NOT NULL THEN 1 ELSE 0 END AS "member", total AS "total"
     FROM sales WHERE occurred_at >= ? AND occurred_at < ?${storeFilter('store_id', q.stores)}`,
    lo,
    hi,
    ...only,
  );
  const enrolments = yield* all<{ at: string; storeId: string; staffId: string | null }>(
    `SELECT consent_at AS "at", enrolled_store AS "storeId", enrolled_by AS "staffId" FROM members
     WHERE consent_at >= ? AND consent_at < ?${storeFilter('enrolled_store', q.stores)}`,
    lo,
    hi,
    ...only,
  );
  const known = yield* all<{ storeId: string }>(
    `SELECT store_id AS "storeId" FROM stores WHERE store_id <> ?${storeFilter('store_id', q.stores)}`,
    HQ_STORE_ID,
    ...only,
  );
  const saleRows = sales.map((s) => ({ ...s, member: Number(s.member) === 1, total: Number(s.total) }));
  const series = dailySeries({
    from: q.from,
    to: q.to,
    timeZone,
    hqStoreId: HQ_STORE_ID,
    ledger: ledger.map((r) => ({ ...r, points: Number(r.points) })),
    sales: saleRows,
    enrolments,
    storeIds: [...known.map((k) => k.storeId), ...only],
  });
  const names = yield* storeNames();
  return {
    from: q.from,
    to: q.to,
    timeZone,
    days: series.days,
    stores: series.stores.map((st) => ({ ...st, storeName: names.get(st.storeId) ?? null })),
    staff: staffMeasures({ from: q.from, to: q.to, timeZone, sales: saleRows, enrolments }),
  };
}
