/**
 * The dashboard's daily measures (core/analytics.ts) on a small chain worked by hand, in
 * DOMAIN.md's words: two shops (S1, S2) and head office, three days in Asia/Shanghai.
 */
import { describe, expect, it } from 'vitest';
import {
  change,
  dailySeries,
  datesBetween,
  isDate,
  memberShare,
  pointsIssued,
  pointsRedeemed,
  previousPeriod,
  ratio,
  totals,
  type LedgerDayRow,
} from './analytics.js';

const ledger: LedgerDayRow[] = [
  // 1 March: S1 earns 300 and a 50 enrolment bonus, a member redeems 100.
  { date: '2026-03-01', storeId: 'S1', kind: 'earn', points: 300 },
  { date: '2026-03-01', storeId: 'S1', kind: 'bonus', points: 50 },
  { date: '2026-03-01', storeId: 'S1', kind: 'redeem', points: 100 },
  // 2 March: a return at S2 takes back 40 earned points and gives back 20 redeemed ones.
  { date: '2026-03-02', storeId: 'S2', kind: 'earn', points: 80 },
  { date: '2026-03-02', storeId: 'S2', kind: 'reverse', points: 40 },
  { date: '2026-03-02', storeId: 'S2', kind: 'restore', points: 20 },
  // 3 March: head office's end-of-day run expires 30 points and credits 10 by hand.
  { date: '2026-03-03', storeId: 'hq', kind: 'expire', points: 30 },
  { date: '2026-03-03', storeId: 'hq', kind: 'adjust_credit', points: 10 },
  // markers carry no points measure; a day outside the range is ignored
  { date: '2026-03-03', storeId: 'S1', kind: 'tier', points: 0 },
  { date: '2026-02-28', storeId: 'S1', kind: 'earn', points: 999 },
];

const sales = [
  // 1 March 10:00 in Shanghai, a member's ¥300.00 at S1; a shopper without a card ¥100.00
  { occurredAt: '2026-03-01T02:00:00.000Z', storeId: 'S1', member: true, total: 30_000 },
  { occurredAt: '2026-03-01T03:00:00.000Z', storeId: 'S1', member: false, total: 10_000 },
  // 16:30 UTC on 1 March is 00:30 on 2 March in Shanghai: a 2 March sale
  { occurredAt: '2026-03-01T16:30:00.000Z', storeId: 'S2', member: true, total: 8_000 },
  // written with the till's own offset: 2 March 23:59 local
  { occurredAt: '2026-03-02T23:59:00+08:00', storeId: 'S2', member: false, total: 12_000 },
  // 28 February 23:00 local: before the range
  { occurredAt: '2026-02-28T15:00:00.000Z', storeId: 'S1', member: true, total: 5_000 },
];

const enrolments = [
  { at: '2026-03-01T01:00:00.000Z', storeId: 'S1' },
  { at: '2026-03-01T20:00:00.000Z', storeId: 'S2' }, // 2 March 04:00 local
];

const series = dailySeries({
  from: '2026-03-01',
  to: '2026-03-03',
  timeZone: 'Asia/Shanghai',
  hqStoreId: 'hq',
  ledger,
  sales,
  enrolments,
  storeIds: ['S1', 'S2', 'S3'],
});

describe('points issued, redeemed and expired (the summary report’s definitions)', () => {
  it('issued = earned + bonus + credited by hand − debited by hand − taken back by returns; redeemed = redeemed + rewards − given back', () => {
    expect(pointsIssued({ earn: 300, bonus: 50, adjust_credit: 10, reverse: 40 })).toBe(320);
    expect(pointsIssued({ earn: 300, bonus: 50, adjust_credit: 10, adjust_debit: 30, reverse: 40 })).toBe(290);
    expect(pointsRedeemed({ redeem: 100, reward: 5, restore: 20 })).toBe(85);
  });
});

describe('the chain day by day', () => {
  it('has every day of the range, days without anything at zero', () => {
    expect(series.days.map((d) => d.date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
  });

  it('puts each sale on its local date in the programme’s time zone, not in UTC', () => {
    const [d1, d2, d3] = series.days;
    expect(d1).toMatchObject({ sales: 2, salesTotal: 40_000, memberSales: 1, memberSalesTotal: 30_000 });
    expect(d2).toMatchObject({ sales: 2, salesTotal: 20_000, memberSales: 1, memberSalesTotal: 8_000 });
    expect(d3).toMatchObject({ sales: 0, salesTotal: 0 });
  });

  it('member share is member sales over all sales: 75 % on 1 March, 40 % on 2 March, none on 3 March', () => {
    expect(series.days.map(memberShare)).toEqual([0.75, 0.4, null]);
  });

  it('counts points by the ledger entry’s local date, a return’s day showing what it took back', () => {
    expect(series.days.map((d) => [d.pointsIssued, d.pointsRedeemed, d.pointsExpired])).toEqual([
      [350, 100, 0],
      [40, -20, 0],
      [10, 0, 30],
    ]);
  });

  it('counts an enrolment on the local date of the member’s consent', () => {
    expect(series.days.map((d) => d.enrolments)).toEqual([1, 1, 0]);
  });
});

describe('each shop day by day', () => {
  it('lists every shop asked for, never head office, whose expiry and adjustments count for the chain only', () => {
    expect(series.stores.map((s) => s.storeId)).toEqual(['S1', 'S2', 'S3']);
    const s1 = totals(series.stores[0]?.days ?? []);
    expect(s1).toMatchObject({ sales: 2, salesTotal: 40_000, pointsIssued: 350, pointsRedeemed: 100, enrolments: 1 });
    expect(s1.memberShare).toBe(0.75);
    const s2 = totals(series.stores[1]?.days ?? []);
    expect(s2).toMatchObject({ sales: 2, pointsIssued: 40, pointsRedeemed: -20, pointsExpired: 0, enrolments: 1 });
    expect(totals(series.stores[2]?.days ?? []).memberShare).toBeNull();
  });
});

describe('a period and the one before it', () => {
  it('totals the range: ¥600 of sales, ¥380 by members (63.33 %), 400 points issued, 80 redeemed (20 %)', () => {
    const t = totals(series.days);
    expect(t).toMatchObject({
      sales: 4,
      salesTotal: 60_000,
      memberSalesTotal: 38_000,
      pointsIssued: 400,
      pointsRedeemed: 80,
      pointsExpired: 30,
      enrolments: 2,
    });
    expect(t.memberShare).toBe(0.6333);
    expect(t.redemptionRate).toBe(0.2);
  });

  it('the previous period is the same number of days just before, across a month end', () => {
    expect(previousPeriod('2026-03-01', '2026-03-03')).toEqual({ from: '2026-02-26', to: '2026-02-28' });
    expect(datesBetween('2026-02-27', '2026-03-02')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
  });

  it('change against the previous period: +25 % from 400 to 500, none from nothing', () => {
    expect(change(500, 400)).toBe(0.25);
    expect(change(300, 400)).toBe(-0.25);
    expect(change(5, 0)).toBeNull();
    expect(change(null, 3)).toBeNull();
  });

  it('accepts real calendar dates only', () => {
    expect(isDate('2028-02-29')).toBe(true);
    expect(isDate('2026-02-29')).toBe(false);
    expect(isDate('2026-3-1')).toBe(false);
  });
});

describe('ratio', () => {
  it('rounds to four decimals half up, exactly at the half', () => {
    expect(ratio(3, 20_000)).toBe(0.0002);
    expect(ratio(1, 3)).toBe(0.3333);
    expect(ratio(2, 3)).toBe(0.6667);
    expect(ratio(5, 0)).toBeNull();
  });
});
