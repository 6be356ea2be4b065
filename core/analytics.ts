/**
 * Programme measures by day (DOMAIN.md 9) for head office's dashboard: pure, so head office's
 * daily report (headoffice/store/daily.ts) and the dashboard (headoffice/app/) compute them
 * alike, and a test can check them by hand.
 *
 * One day's measures, per store and local date in the programme's time zone (DOMAIN.md 1):
 *
 *   measure            definition
 *   sales              sales head office holds whose instant falls on that local date
 *   salesTotal         their totals, fen
 *   memberSales(Total) the same for sales with a member
 *   memberShare        memberSalesTotal / salesTotal (the guides want 50-60 %), null without sales
 *   pointsIssued       earn + bonus + adjust_credit − adjust_debit − reverse (points an
 *                      operator's correction or a return took back), by the ledger entry's
 *                      local date; a day of returns or corrections may be negative
 *   pointsRedeemed     redeem + reward − restore (points a return gave back)
 *   pointsExpired      expire
 *
 *   Every points-moving kind is in exactly one of the three, so over any set of entries
 *   issued − redeemed − expired = Σ signed points (what the programme still owes, DOMAIN.md 9).
 *   A debit adjustment takes back points that should not have been credited (or were credited
 *   twice), so it nets issued, as a return's reversal does; it was never spent or lapsed.
 *   redemptionRate     pointsRedeemed / pointsIssued over a period, null when nothing was issued
 *   enrolments         members whose consent (the moment they enrolled) falls on that date
 *   referred           those of them another member referred (referral rate = referred / enrolments)
 *
 * These are the definitions of GET /v1/reports/summary (headoffice/store/summary.ts), over a
 * date range instead of all time. Head office's own entries (expiry, adjustments: store
 * HQ_STORE_ID) count for the chain, never for a shop.
 */
import { addDays, daysBetween, localDate } from './time.js';

export interface DayMeasures {
  date: string;
  sales: number;
  salesTotal: number;
  memberSales: number;
  memberSalesTotal: number;
  pointsIssued: number;
  pointsRedeemed: number;
  pointsExpired: number;
  enrolments: number;
  /** enrolments a member referred (members.referrer_member_no) */
  referred: number;
}

/** Points by ledger kind on one local date at one store (a GROUP BY over the ledger). */
export interface LedgerDayRow {
  date: string;
  storeId: string;
  kind: string;
  points: number;
}

export interface SaleRow {
  occurredAt: string;
  storeId: string;
  member: boolean;
  total: number;
}

export interface EnrolmentRow {
  /** the instant the member consented, i.e. enrolled */
  at: string;
  storeId: string;
  /** whether a member referred them */
  referred?: boolean;
}

export interface DailySeries {
  /** the chain (or the chosen stores) day by day, every date from `from` to `to` */
  days: DayMeasures[];
  /** each shop day by day, in store id order */
  stores: { storeId: string; days: DayMeasures[] }[];
}

/** Programme targets the dashboard draws against the actuals (the guides' figures as defaults). */
export const PROGRAMME_TARGETS = {
  /** share of sales made by members: at least 50-60 % */
  memberShare: { low: 0.5, high: 0.6 },
  /** repurchase rate: +10 % on the previous period */
  repurchaseLift: 0.1,
  /** customer lifetime value: +20 % */
  clvLift: 0.2,
} as const;

/** Longest range one daily report covers (a year, leap day included). */
export const MAX_REPORT_DAYS = 366;

/**
 * a / b to four decimals, half up, null when b is 0. Scaled before dividing: (a / b) * 10,000
 * rounded 3 / 20,000 down to 0.0001, the quotient 1.4999... in binary.
 */
export function ratio(a: number, b: number): number | null {
  return b === 0 ? null : Math.round((a * 10_000) / b) / 10_000;
}

export function pointsIssued(byKind: Readonly<Record<string, number>>): number {
  const k = (kind: string): number => byKind[kind] ?? 0;
  return k('earn') + k('bonus') + k('adjust_credit') - k('adjust_debit') - k('reverse');
}

export function pointsRedeemed(byKind: Readonly<Record<string, number>>): number {
  const k = (kind: string): number => byKind[kind] ?? 0;
  return k('redeem') + k('reward') - k('restore');
}

export function pointsExpired(byKind: Readonly<Record<string, number>>): number {
  return byKind.expire ?? 0;
}

/** Every date from `from` to `to` inclusive (YYYY-MM-DD). */
export function datesBetween(from: string, to: string): string[] {
  const n = daysBetween(from, to);
  const out: string[] = [];
  for (let i = 0; i <= n; i++) out.push(addDays(from, i));
  return out;
}

/** The period of the same length just before [from, to]: what "previous period" compares with. */
export function previousPeriod(from: string, to: string): { from: string; to: string } {
  const length = daysBetween(from, to) + 1;
  return { from: addDays(from, -length), to: addDays(from, -1) };
}

export function emptyDay(date: string): DayMeasures {
  return {
    date,
    sales: 0,
    salesTotal: 0,
    memberSales: 0,
    memberSalesTotal: 0,
    pointsIssued: 0,
    pointsRedeemed: 0,
    pointsExpired: 0,
    enrolments: 0,
    referred: 0,
  };
}

type Sums = Omit<DayMeasures, 'date'>;

/** A period's sums and its ratios. */
export interface PeriodTotals extends Sums {
  memberShare: number | null;
  redemptionRate: number | null;
  /** referred / enrolments: the share of new members another member brought, null without enrolments */
  referralRate: number | null;
}

/** Adds `d`'s measures into `into` (its date stays). */
export function addDay(into: DayMeasures, d: DayMeasures): void {
  into.sales += d.sales;
  into.salesTotal += d.salesTotal;
  into.memberSales += d.memberSales;
  into.memberSalesTotal += d.memberSalesTotal;
  into.pointsIssued += d.pointsIssued;
  into.pointsRedeemed += d.pointsRedeemed;
  into.pointsExpired += d.pointsExpired;
  into.enrolments += d.enrolments;
  into.referred += d.referred;
}

export function totals(days: readonly DayMeasures[]): PeriodTotals {
  const s = emptyDay('');
  for (const d of days) addDay(s, d);
  const { date: _date, ...sums } = s;
  return {
    ...sums,
    memberShare: ratio(s.memberSalesTotal, s.salesTotal),
    redemptionRate: ratio(s.pointsRedeemed, s.pointsIssued),
    referralRate: ratio(s.referred, s.enrolments),
  };
}

/** One day's member share (null without sales). */
export function memberShare(d: Pick<DayMeasures, 'memberSalesTotal' | 'salesTotal'>): number | null {
  return ratio(d.memberSalesTotal, d.salesTotal);
}

/** Relative change from `previous` to `current` (0.25 = +25 %); null when there is nothing to compare with. */
export function change(current: number | null, previous: number | null): number | null {
  if (current === null || previous === null || previous === 0) return null;
  return Math.round(((current - previous) / Math.abs(previous)) * 10_000) / 10_000;
}

/**
 * Day-by-day measures from the raw rows of [from, to]: ledger rows already grouped by local
 * date, sales and enrolments as instants put on their local date in `timeZone`. Rows outside
 * the range are ignored (a store step may fetch a wider window). `hqStoreId` marks head office's
 * own entries: counted for the chain, never listed as a shop.
 */
export function dailySeries(input: {
  from: string;
  to: string;
  timeZone: string;
  hqStoreId: string;
  ledger: readonly LedgerDayRow[];
  sales: readonly SaleRow[];
  enrolments: readonly EnrolmentRow[];
  /** shops to list even on days with nothing (e.g. every registered store) */
  storeIds?: readonly string[];
}): DailySeries {
  const dates = datesBetween(input.from, input.to);
  const chain = new Map(dates.map((d) => [d, emptyDay(d)]));
  const shops = new Map<string, Map<string, DayMeasures>>();
  const shop = (storeId: string): Map<string, DayMeasures> | null => {
    if (storeId === input.hqStoreId) return null;
    let m = shops.get(storeId);
    if (!m) {
      m = new Map(dates.map((d) => [d, emptyDay(d)]));
      shops.set(storeId, m);
    }
    return m;
  };
  for (const s of input.storeIds ?? []) shop(s);
  const each = (storeId: string, date: string, f: (d: DayMeasures) => void): void => {
    const c = chain.get(date);
    if (!c) return;
    f(c);
    const d = shop(storeId)?.get(date);
    if (d) f(d);
  };
  for (const r of input.ledger) {
    const byKind = { [r.kind]: r.points };
    each(r.storeId, r.date, (d) => {
      d.pointsIssued += pointsIssued(byKind);
      d.pointsRedeemed += pointsRedeemed(byKind);
      d.pointsExpired += pointsExpired(byKind);
    });
  }
  for (const s of input.sales) {
    each(s.storeId, localDate(s.occurredAt, input.timeZone).date, (d) => {
      d.sales += 1;
      d.salesTotal += s.total;
      if (s.member) {
        d.memberSales += 1;
        d.memberSalesTotal += s.total;
      }
    });
  }
  for (const e of input.enrolments) {
    each(e.storeId, localDate(e.at, input.timeZone).date, (d) => {
      d.enrolments += 1;
      if (e.referred) d.referred += 1;
    });
  }
  return {
    days: [...chain.values()],
    stores: [...shops.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([storeId, m]) => ({ storeId, days: [...m.values()] })),
  };
}

/** A sale as the per-staff measures read it: who rang it up (null when the till did not say). */
export interface StaffSaleRow extends SaleRow {
  staffId: string | null;
}

/** An enrolment with the staff member who enrolled the member (null when the till did not say). */
export interface StaffEnrolmentRow extends EnrolmentRow {
  staffId: string | null;
}

/**
 * Per staff member over [from, to] (DOMAIN.md 9, "per store and per staff member"):
 *
 *   enrolments        members the staff member enrolled whose consent falls in the range
 *   sales(Total)      sales they rang up whose instant falls in the range (local dates)
 *   memberSales(Total) those with a member
 *   memberShare       memberSalesTotal / salesTotal, null without sales
 *
 * A staff id is a store's own (a till's staff list), so a row is a (store, staff id) pair.
 * Sales and enrolments that name no staff member are not attributed to anyone.
 */
export interface StaffMeasures {
  storeId: string;
  staffId: string;
  enrolments: number;
  sales: number;
  salesTotal: number;
  memberSales: number;
  memberSalesTotal: number;
  memberShare: number | null;
}

export function staffMeasures(input: {
  from: string;
  to: string;
  timeZone: string;
  sales: readonly StaffSaleRow[];
  enrolments: readonly StaffEnrolmentRow[];
}): StaffMeasures[] {
  const rows = new Map<string, StaffMeasures>();
  const row = (storeId: string, staffId: string): StaffMeasures => {
    const key = JSON.stringify([storeId, staffId]);
    let r = rows.get(key);
    if (!r) {
      r = {
        storeId,
        staffId,
        enrolments: 0,
        sales: 0,
        salesTotal: 0,
        memberSales: 0,
        memberSalesTotal: 0,
        memberShare: null,
      };
      rows.set(key, r);
    }
    return r;
  };
  const inRange = (at: string): boolean => {
    const d = localDate(at, input.timeZone).date;
    return d >= input.from && d <= input.to;
  };
  for (const s of input.sales) {
    if (s.staffId === null || !inRange(s.occurredAt)) continue;
    const r = row(s.storeId, s.staffId);
    r.sales += 1;
    r.salesTotal += s.total;
    if (s.member) {
      r.memberSales += 1;
      r.memberSalesTotal += s.total;
    }
  }
  for (const e of input.enrolments) {
    if (e.staffId === null || !inRange(e.at)) continue;
    row(e.storeId, e.staffId).enrolments += 1;
  }
  return [...rows.values()]
    .map((r) => ({ ...r, memberShare: ratio(r.memberSalesTotal, r.salesTotal) }))
    .sort((a, b) =>
      a.storeId < b.storeId
        ? -1
        : a.storeId > b.storeId
          ? 1
          : a.staffId < b.staffId
            ? -1
            : a.staffId > b.staffId
              ? 1
              : 0,
    );
}

/** Whether `s` is a real calendar date written YYYY-MM-DD. */
export function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const [y, m, d] = s.split('-').map(Number) as [number, number, number];
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}
