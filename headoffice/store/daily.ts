/**
 * GET /v1/reports/daily: the programme measures day by day (core/analytics.ts says what each
 * one is) for a local date range, the chain and each store, read from the read model
 * (store/aggregates.ts: sums per local date, store and staff member kept as batches apply), so
 * a year's report reads 366 x stores rows, never the ledger or the sales. One read
 * transaction, two reads: the (date, store) sums and the (store, staff) sums of the range.
 */
import { ratio, type DailySeries, type StaffMeasures } from '../../core/analytics.js';
import { DAILY_MEASURES, MEASURES, seriesFromSums } from '../../core/aggregates.js';
import { HQ_STORE_ID } from '../domain/decisions.js';
import { all, type Sql } from '../../storage/sql.js';
import { measuresOf, storeFilter, sums } from './aggregates.js';
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

/** Call inside one read transaction, so every figure is of the same moment. */
export function* dailyReport(rules: RuleSetCache, q: DailyQuery): Sql<DailyReport> {
  const timeZone = (yield* rules.latest()).timeZone;
  const only = q.stores ?? [];
  const rows = (yield* all(
    `SELECT local_date AS "date", store_id AS "storeId", ${sums(DAILY_MEASURES)} FROM agg_daily
     WHERE staff_id = '' AND local_date >= ? AND local_date <= ?${storeFilter('store_id', q.stores)}
     GROUP BY local_date, store_id`,
    q.from,
    q.to,
    ...only,
  )) as ({ date: string; storeId: string } & Record<string, unknown>)[];
  const staff = (yield* all(
    `SELECT store_id AS "storeId", staff_id AS "staffId", ${sums(STAFF_MEASURES)} FROM agg_daily
     WHERE local_date >= ? AND local_date <= ? AND staff_id <> ''${storeFilter('store_id', q.stores)}
     GROUP BY store_id, staff_id ORDER BY store_id, staff_id`,
    q.from,
    q.to,
    ...only,
  )) as ({ storeId: string; staffId: string } & Record<string, unknown>)[];
  const known = yield* all<{ storeId: string }>(
    `SELECT store_id AS "storeId" FROM stores WHERE store_id <> ?${storeFilter('store_id', q.stores)}`,
    HQ_STORE_ID,
    ...only,
  );
  const series = seriesFromSums({
    from: q.from,
    to: q.to,
    hqStoreId: HQ_STORE_ID,
    rows: rows.map((r) => ({ date: r.date, storeId: r.storeId, m: measuresOf(r, DAILY_MEASURES) })),
    storeIds: [...known.map((k) => k.storeId), ...only],
  });
  const names = yield* storeNames();
  return {
    from: q.from,
    to: q.to,
    timeZone,
    days: series.days,
    stores: series.stores.map((st) => ({ ...st, storeName: names.get(st.storeId) ?? null })),
    staff: staff.flatMap((r): StaffMeasures[] => {
      const m = measuresOf(r, STAFF_MEASURES);
      if (m.sales === 0 && m.enrolments === 0) return [];
      return [
        {
          storeId: r.storeId,
          staffId: r.staffId,
          enrolments: m.enrolments,
          sales: m.sales,
          salesTotal: m.sales_total,
          memberSales: m.member_sales,
          memberSalesTotal: m.member_sales_total,
          memberShare: ratio(m.member_sales_total, m.sales_total),
        },
      ];
    }),
  };
}

const STAFF_MEASURES = MEASURES.filter((m) =>
  ['sales', 'sales_total', 'member_sales', 'member_sales_total', 'enrolments'].includes(m),
);
