/**
 * Head office's read model (issue 13 item 7): the programme measures summed per local date,
 * store and staff member, so a report over a year reads days × stores × staff rows instead of
 * the ledger. Pure: head office's apply transaction (headoffice/store/aggregates.ts) groups what
 * it applied with these functions and adds the sums to the stored rows; a rebuild groups the
 * whole ledger, sales and members the same way, so the two must agree (the property test).
 *
 * One row's measures, each a sum over what head office applied:
 *
 *   sales, sales_total                  sale records (count, fen) whose instant falls on the date
 *   member_sales, member_sales_total    those with a member
 *   enrolments                          members whose consent instant falls on the date, by the
 *                                       store and staff member that enrolled them
 *   referred                            those of them a member referred (referrer_member_no)
 *   points_<kind>, entries_<kind>       ledger points and entries of each kind, by the entry's
 *                                       local date and the store of its till (head office's own
 *                                       entries: store HQ_STORE_ID)
 *
 * Sales and enrolments are dated in the programme's zone at the time they are applied; the
 * ledger's local_date is the entry's own. Two kinds of row share the table: staff_id
 * ALL_STAFF ('', never a staff id) holds the whole store's day (what the daily series reads: one row per date
 * and store), and a staff member's own row holds the sales and enrolments that name them (a
 * ledger entry names nobody, nor do sales and enrolments whose till did not say).
 */
import { datesBetween, type DailySeries, type DayMeasures } from './analytics.js';
import { ENTRY_KINDS, type EntryKind } from './ledger/entry.js';
import { localDate } from './time.js';

export const BASE_MEASURES = [
  'sales',
  'sales_total',
  'member_sales',
  'member_sales_total',
  'enrolments',
  'referred',
] as const;

export type KindMeasure = `points_${EntryKind}` | `entries_${EntryKind}`;
export type Measure = (typeof BASE_MEASURES)[number] | KindMeasure;

/** Ledger kinds whose points count in issued / redeemed / expired (core/analytics.ts). */
export const POINTS_KINDS = [
  'earn',
  'bonus',
  'adjust_credit',
  'adjust_debit',
  'reverse',
  'redeem',
  'reward',
  'restore',
  'expire',
] as const satisfies readonly EntryKind[];

/** Every measure column, in the stored table's order. */
export const MEASURES: readonly Measure[] = [
  ...BASE_MEASURES,
  ...ENTRY_KINDS.flatMap((k): KindMeasure[] => [`points_${k}`, `entries_${k}`]),
];

export type Measures = Record<Measure, number>;

/** What the daily series reads (dayOf): fewer columns to sum over a year of rows. */
export const DAILY_MEASURES: readonly Measure[] = [
  ...BASE_MEASURES,
  ...POINTS_KINDS.map((k) => `points_${k}` as const),
];

export interface AggKey {
  date: string;
  storeId: string;
  /** ALL_STAFF for the store's whole day, else a staff member's own row */
  staffId: string;
}

/** The staff_id of a store's whole-day row. */
export const ALL_STAFF = '';

export interface AggRow extends AggKey {
  m: Measures;
}

const ZERO = Object.freeze(Object.fromEntries(MEASURES.map((k) => [k, 0])) as Measures);

/** A fresh all-zero row (a spread of a template: a year's report makes tens of thousands). */
export function emptyMeasures(): Measures {
  return { ...ZERO };
}

/** Sums keyed by (date, store, staff), built in memory and written at once. */
export class AggDelta {
  private readonly rows = new Map<string, AggRow>();

  /** Adds to the store's whole day, and to the staff member's own row when one is named ('' / null: nobody). */
  add(key: { date: string; storeId: string; staffId: string | null }, measure: Measure, n: number): void {
    if (n === 0 && !measure.startsWith('entries_')) return;
    this.addTo({ ...key, staffId: ALL_STAFF }, measure, n);
    if (key.staffId) this.addTo({ ...key, staffId: key.staffId }, measure, n);
  }

  private addTo(key: AggKey, measure: Measure, n: number): void {
    const k = `${key.date}\u0000${key.storeId}\u0000${key.staffId}`;
    let r = this.rows.get(k);
    if (!r) {
      r = { date: key.date, storeId: key.storeId, staffId: key.staffId, m: emptyMeasures() };
      this.rows.set(k, r);
    }
    r.m[measure] += n;
  }

  /** Another delta's sums added to these (an apply pass gathering its runs', pass.ts). */
  absorb(other: AggDelta): void {
    for (const r of other.rows.values()) {
      for (const m of MEASURES) if (r.m[m] !== 0) this.addTo(r, m, r.m[m]);
    }
  }

  /** Rows with at least one non-zero measure, in key order (a stable write order). */
  list(): AggRow[] {
    return [...this.rows.values()]
      .filter((r) => MEASURES.some((k) => r.m[k] !== 0))
      .sort((a, b) => cmp(a.staffId, b.staffId) || cmp(a.date, b.date) || cmp(a.storeId, b.storeId));
  }

  get size(): number {
    return this.rows.size;
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A ledger entry as the read model counts it. */
export interface AggEntry {
  localDate: string;
  kind: EntryKind;
  points: number;
}

/** A sale record as the read model counts it. */
export interface AggSale {
  occurredAt: string;
  total: number;
  member: boolean;
  staffId: string | null;
}

/** A member's enrolment; sign -1 takes back one counted before (the record changed). */
export interface AggEnrolment {
  sign: 1 | -1;
  /** consent instant */
  at: string;
  storeId: string;
  staffId: string | null;
  referred: boolean;
}

export function addEntries(delta: AggDelta, storeId: string, entries: Iterable<AggEntry>): void {
  for (const e of entries) {
    const key = { date: e.localDate, storeId, staffId: null };
    delta.add(key, `points_${e.kind}`, e.points);
    delta.add(key, `entries_${e.kind}`, 1);
  }
}

export function addSales(delta: AggDelta, storeId: string, timeZone: string, sales: Iterable<AggSale>): void {
  for (const s of sales) {
    const key = { date: localDate(s.occurredAt, timeZone).date, storeId, staffId: s.staffId };
    delta.add(key, 'sales', 1);
    delta.add(key, 'sales_total', s.total);
    if (s.member) {
      delta.add(key, 'member_sales', 1);
      delta.add(key, 'member_sales_total', s.total);
    }
  }
}

export function addEnrolments(delta: AggDelta, timeZone: string, enrolments: Iterable<AggEnrolment>): void {
  for (const e of enrolments) {
    const key = { date: localDate(e.at, timeZone).date, storeId: e.storeId, staffId: e.staffId };
    delta.add(key, 'enrolments', e.sign);
    if (e.referred) delta.add(key, 'referred', e.sign);
  }
}

/** Points by ledger kind from summed measures, listing only kinds that have entries (as a GROUP BY would). */
export function byKind(m: Readonly<Measures>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [...ENTRY_KINDS].sort()) if (m[`entries_${k}`] > 0) out[k] = m[`points_${k}`];
  return out;
}

/** Measures summed over rows. */
export function sumMeasures(rows: Iterable<{ m: Readonly<Measures> }>): Measures {
  const out = emptyMeasures();
  for (const r of rows) for (const k of MEASURES) out[k] += r.m[k];
  return out;
}

/** One (date, store) row of summed measures, as a report reads them. */
export interface StoreDaySums {
  date: string;
  storeId: string;
  m: Readonly<Measures>;
}

/** A day's programme measures (core/analytics.ts) from its summed row. */
export function dayOf(date: string, m: Readonly<Measures>): DayMeasures {
  // pointsIssued / pointsRedeemed / pointsExpired of core/analytics.ts, on the columns directly
  // (a year's report builds tens of thousands of days).
  return {
    date,
    sales: m.sales,
    salesTotal: m.sales_total,
    memberSales: m.member_sales,
    memberSalesTotal: m.member_sales_total,
    pointsIssued: m.points_earn + m.points_bonus + m.points_adjust_credit - m.points_adjust_debit - m.points_reverse,
    pointsRedeemed: m.points_redeem + m.points_reward - m.points_restore,
    pointsExpired: m.points_expire,
    enrolments: m.enrolments,
    referred: m.referred,
  };
}

/**
 * The daily series (core/analytics.ts dailySeries' answer) from (date, store) sums: every date
 * of [from, to] for the chain, and for each shop (head office's own store counts for the chain
 * only); `storeIds` are listed even on days with nothing.
 */
export function seriesFromSums(input: {
  from: string;
  to: string;
  hqStoreId: string;
  rows: readonly StoreDaySums[];
  storeIds?: readonly string[];
}): DailySeries {
  const dates = datesBetween(input.from, input.to);
  const chain = new Map(dates.map((d) => [d, emptyMeasures()]));
  const shops = new Map<string, Map<string, Measures>>();
  const shop = (storeId: string): Map<string, Measures> | null => {
    if (storeId === input.hqStoreId) return null;
    let s = shops.get(storeId);
    if (!s) {
      s = new Map(dates.map((d) => [d, emptyMeasures()]));
      shops.set(storeId, s);
    }
    return s;
  };
  for (const s of input.storeIds ?? []) shop(s);
  for (const r of input.rows) {
    const c = chain.get(r.date);
    if (!c) continue;
    const d = shop(r.storeId)?.get(r.date);
    for (const k of DAILY_MEASURES) {
      c[k] += r.m[k];
      if (d) d[k] += r.m[k];
    }
  }
  const days = (m: Map<string, Measures>): DayMeasures[] => [...m.entries()].map(([date, v]) => dayOf(date, v));
  return {
    days: days(chain),
    stores: [...shops.entries()].sort(([a], [b]) => cmp(a, b)).map(([storeId, m]) => ({ storeId, days: days(m) })),
  };
}
