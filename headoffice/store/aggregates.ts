/**
 * Head office's read model (core/aggregates.ts says what is summed): kept inside the write
 * transaction that applies entries, so a report never sees a ledger row without its sums, and
 * rebuilt from the ledger, sales and members when it may be stale.
 *
 * Apply throughput: what one apply (a till's run of batches, or head office's own decisions)
 * adds is grouped in memory and written as ONE multi-row upsert (`x = agg_daily.x + excluded.x`),
 * a few rows per date and store, never a statement per entry. Inside a savepoint that rolls
 * back, the upsert rolls back with it (nothing is cached across applies).
 */
import {
  AggDelta,
  MEASURES,
  emptyMeasures,
  addEnrolments,
  addEntries,
  addSales,
  type AggEnrolment,
  type AggEntry,
  type AggRow,
  type AggSale,
  type Measure,
} from '../../core/aggregates.js';
import type { EntryKind } from '../../core/ledger/entry.js';
import { DORMANT_DAYS } from '../../core/segments.js';
import { addDays } from '../../core/time.js';
import { all, dialectSql, get, run, type Sql, type SqlValue } from '../../storage/sql.js';
import type { RuleSetCache } from './rulesets.js';

/** meta key set by the migration (and by `rebuild-aggregates`) while the sums need rebuilding */
export const AGGREGATES_STALE_KEY = 'aggregates_stale';

const KEY_COLUMNS = ['staff_id', 'local_date', 'store_id'] as const;
/** SQLite allows 32 766 parameters per statement: a few hundred rows a statement. */
const ROWS_PER_STATEMENT = 500;
/** rows of sales or members a rebuild reads at once */
const REBUILD_PAGE = 20_000;

const UPSERT_TAIL = `ON CONFLICT (${KEY_COLUMNS.join(', ')}) DO UPDATE SET ${MEASURES.map(
  (m) => `${m} = agg_daily.${m} + excluded.${m}`,
).join(', ')}`;

/** Adds the delta's rows to agg_daily: one statement per ROWS_PER_STATEMENT rows. */
export function* writeDelta(delta: AggDelta): Sql<void> {
  const rows = delta.list();
  const columns = [...KEY_COLUMNS, ...MEASURES];
  const marks = `(${columns.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
    const params: SqlValue[] = [];
    for (const r of chunk) params.push(r.staffId, r.date, r.storeId, ...MEASURES.map((m) => r.m[m]));
    yield* run(
      `INSERT INTO agg_daily (${columns.join(', ')}) VALUES ${chunk.map(() => marks).join(', ')} ${UPSERT_TAIL}`,
      ...params,
    );
  }
}

/**
 * A till run's sums (its entries, new sale records and the enrolments its member records
 * changed) added to its apply pass's delta, written once with the pass (pass.ts).
 */
export function addApplied(
  delta: AggDelta,
  timeZone: string,
  storeId: string,
  entries: readonly AggEntry[],
  sales: readonly AggSale[],
  enrolments: readonly AggEnrolment[],
): void {
  addEntries(delta, storeId, entries);
  addSales(delta, storeId, timeZone, sales);
  addEnrolments(delta, timeZone, enrolments);
}

/**
 * What one apply added: `entries` of a till of `storeId` (or head office's own), its new sale
 * records and the enrolments its member records changed. Call in the applying transaction.
 */
export function* aggregateApplied(
  /** dates sales and enrolments; null for entries alone (they carry their local date) */
  rules: RuleSetCache | null,
  storeId: string,
  entries: readonly AggEntry[],
  sales: readonly AggSale[] = [],
  enrolments: readonly AggEnrolment[] = [],
): Sql<void> {
  const delta = new AggDelta();
  addEntries(delta, storeId, entries);
  if (sales.length + enrolments.length > 0) {
    if (rules === null) throw new Error('sales and enrolments need the rule set to date them');
    const { timeZone } = yield* rules.latest();
    addSales(delta, storeId, timeZone, sales);
    addEnrolments(delta, timeZone, enrolments);
  }
  yield* writeDelta(delta);
}

/** The sums as a rebuild from the ledger, sales and members computes them (not written). */
export function* aggregatesFromSource(rules: RuleSetCache): Sql<AggDelta> {
  const delta = new AggDelta();
  const ledger = (yield* all(
    `SELECT l.local_date AS "date", t.store_id AS "storeId", l.kind AS "kind", sum(l.points) AS "points",
       count(*) AS "n"
     FROM ledger l JOIN tills t ON t.till_id = l.till_id GROUP BY l.local_date, t.store_id, l.kind`,
  )) as { date: string; storeId: string; kind: EntryKind; points: number; n: number }[];
  for (const r of ledger) {
    const key = { date: r.date, storeId: r.storeId, staffId: null };
    delta.add(key, `points_${r.kind}`, Number(r.points));
    delta.add(key, `entries_${r.kind}`, Number(r.n));
  }
  // Sales and members are read a page at a time (keyset order): a rebuild of a large chain
  // holds the sums, never every row. Dated in the programme's zone, asked only when there is
  // something to date (a fresh database has no rule set yet).
  let timeZone: string | null = null;
  const zone = function* (): Sql<string> {
    timeZone ??= (yield* rules.latest()).timeZone;
    return timeZone;
  };
  let after: [string, string] = ['', ''];
  for (;;) {
    const page = (yield* all(
      `SELECT till_id AS "tillId", sale_id AS "saleId", occurred_at AS "occurredAt", store_id AS "storeId",
         staff_id AS "staffId", total AS "total", CASE WHEN member_no IS NOT NULL THEN 1 ELSE 0 END AS "member"
       FROM sales WHERE till_id > ? OR (till_id = ? AND sale_id > ?) ORDER BY till_id, sale_id LIMIT ?`,
      after[0],
      after[0],
      after[1],
      REBUILD_PAGE,
    )) as {
      tillId: string;
      saleId: string;
      occurredAt: string;
      storeId: string;
      staffId: string | null;
      total: number;
      member: number;
    }[];
    if (page.length === 0) break;
    const tz = yield* zone();
    for (const s of page) {
      addSales(delta, s.storeId, tz, [{ ...s, total: Number(s.total), member: Number(s.member) === 1 }]);
    }
    const last = page[page.length - 1] as { tillId: string; saleId: string };
    after = [last.tillId, last.saleId];
  }
  // A tombstone erasure wrote for a member head office never held has no store: no enrolment.
  let afterMember = '';
  for (;;) {
    const page = (yield* all(
      `SELECT member_no AS "memberNo", consent_at AS "at", enrolled_store AS "storeId", enrolled_by AS "staffId",
         CASE WHEN referrer_member_no IS NOT NULL THEN 1 ELSE 0 END AS "referred"
       FROM members WHERE member_no > ? AND enrolled_store <> '' ORDER BY member_no LIMIT ?`,
      afterMember,
      REBUILD_PAGE,
    )) as { memberNo: string; at: string; storeId: string; staffId: string | null; referred: number }[];
    if (page.length === 0) break;
    const tz = yield* zone();
    addEnrolments(
      delta,
      tz,
      page.map((m) => ({ ...m, sign: 1 as const, referred: Number(m.referred) === 1 })),
    );
    afterMember = (page[page.length - 1] as { memberNo: string }).memberNo;
  }
  return delta;
}

/** Replaces the sums with a rebuild from the source tables; returns the rows written. */
export function* rebuildAggregates(rules: RuleSetCache): Sql<number> {
  const delta = yield* aggregatesFromSource(rules);
  yield* run('DELETE FROM agg_daily');
  yield* writeDelta(delta);
  yield* run('DELETE FROM meta WHERE key = ?', AGGREGATES_STALE_KEY);
  return delta.list().length;
}

/** Rebuilds when the migration (or an operator) marked the sums stale; null when they were not. */
export function* rebuildIfStale(rules: RuleSetCache): Sql<number | null> {
  if (!(yield* get('SELECT 1 FROM meta WHERE key = ?', AGGREGATES_STALE_KEY))) return null;
  return yield* rebuildAggregates(rules);
}

/** Every stored row, in key order (what the property test compares with a rebuild). */
export function* storedAggregates(): Sql<AggRow[]> {
  const rows = (yield* all(`SELECT * FROM agg_daily ORDER BY staff_id, local_date, store_id`)) as (Record<
    Measure,
    number
  > & { local_date: string; store_id: string; staff_id: string })[];
  return rows
    .map((r) => ({
      date: r.local_date,
      storeId: r.store_id,
      staffId: r.staff_id,
      m: Object.fromEntries(MEASURES.map((k) => [k, Number(r[k])])) as Record<Measure, number>,
    }))
    .filter((r) => MEASURES.some((k) => r.m[k] !== 0));
}

/** `AND <column> IN (?, ...)` for a store filter, '' for none. */
export function storeFilter(column: string, stores: readonly string[] | null): string {
  return stores === null ? '' : ` AND ${column} IN (${stores.map(() => '?').join(', ')})`;
}

/** `sum(x) AS "x"` for each measure. */
export function sums(measures: readonly Measure[] = MEASURES): string {
  return measures.map((m) => `coalesce(sum(${m}), 0) AS "${m}"`).join(', ');
}

/** Numbers of a summed row (PostgreSQL returns sums of BIGINT as numbers already; SQLite too). */
export function measuresOf(
  r: Record<string, unknown>,
  measures: readonly Measure[] = MEASURES,
): Record<Measure, number> {
  const out = emptyMeasures();
  for (const m of measures) out[m] = Number(r[m] ?? 0);
  return out;
}

/**
 * The end-of-day run's snapshot for `date` (docs/decisions.md "Read models"): members per tier
 * and per class as of the run, and the inputs of churn: `lapse/live`, members whose last sale
 * is within the 180 days before the date (not dormant, DOMAIN.md 8), and `lapse/lapsed`,
 * members whose 180th day without a sale is this very date (they turn dormant today).
 */
export function* snapshotDistributions(date: string, firstTier: string): Sql<void> {
  const lastSale = dialectSql({
    sqlite: `json_extract(state, '$.lastSaleOn')`,
    pg: `(state::jsonb ->> 'lastSaleOn')`,
  });
  const rows: [string, string, number][] = [];
  const tiers = (yield* all('SELECT tier AS "key", count(*) AS "n" FROM member_state GROUP BY tier')) as {
    key: string;
    n: number;
  }[];
  const stateless = (yield* get(
    `SELECT count(*) AS "n" FROM members m WHERE m.enrolled_store <> ''
       AND NOT EXISTS (SELECT 1 FROM member_state s WHERE s.member_no = m.member_no)`,
  )) as { n: number };
  const tierCounts = new Map(tiers.map((t) => [t.key, Number(t.n)]));
  tierCounts.set(firstTier, (tierCounts.get(firstTier) ?? 0) + Number(stateless.n));
  for (const [k, n] of tierCounts) if (n > 0) rows.push(['tier', k, n]);
  const classes = (yield* all(
    `SELECT coalesce(class, 'unclassified') AS "key", count(*) AS "n" FROM members WHERE enrolled_store <> ''
     GROUP BY coalesce(class, 'unclassified')`,
  )) as { key: string; n: number }[];
  for (const c of classes) rows.push(['class', c.key, Number(c.n)]);
  const lapse = (yield* get(
    {
      sqlite: `SELECT coalesce(sum(CASE WHEN d > ? THEN 1 ELSE 0 END), 0) AS "live",
         coalesce(sum(CASE WHEN d = ? THEN 1 ELSE 0 END), 0) AS "lapsed"
       FROM (SELECT ${lastSale.sqlite} AS d FROM member_state) AS last_sales WHERE d IS NOT NULL`,
      pg: `SELECT coalesce(sum(CASE WHEN d > ? THEN 1 ELSE 0 END), 0) AS "live",
         coalesce(sum(CASE WHEN d = ? THEN 1 ELSE 0 END), 0) AS "lapsed"
       FROM (SELECT ${lastSale.pg} AS d FROM member_state) AS last_sales WHERE d IS NOT NULL`,
    },
    addDays(date, -DORMANT_DAYS),
    addDays(date, -DORMANT_DAYS),
  )) as { live: number; lapsed: number };
  rows.push(['lapse', 'live', Number(lapse.live)], ['lapse', 'lapsed', Number(lapse.lapsed)]);
  yield* run('DELETE FROM agg_snapshot WHERE snap_date = ?', date);
  yield* run(
    `INSERT INTO agg_snapshot (snap_date, dimension, key, members) VALUES ${rows.map(() => '(?, ?, ?, ?)').join(', ')}`,
    ...rows.flatMap(([d, k, n]) => [date, d, k, n]),
  );
}
