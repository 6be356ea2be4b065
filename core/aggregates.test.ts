/**
 * The read model's grouping (core/aggregates.ts) on a small chain worked by hand: two shops
 * (S1, S2) and head office, Asia/Shanghai. The daily series read from the sums must be the one
 * core/analytics.ts computes from the raw rows.
 */
import { describe, expect, it } from 'vitest';
import { dailySeries, totals } from './analytics.js';
import { AggDelta, addEnrolments, addEntries, addSales, byKind, seriesFromSums, sumMeasures } from './aggregates.js';

const TZ = 'Asia/Shanghai';

function chain(): AggDelta {
  const d = new AggDelta();
  // 1 March at S1: 300 earned, a 50 enrolment bonus, 100 redeemed; a tier marker (no points).
  addEntries(d, 'S1', [
    { localDate: '2026-03-01', kind: 'earn', points: 300 },
    { localDate: '2026-03-01', kind: 'bonus', points: 50 },
    { localDate: '2026-03-01', kind: 'redeem', points: 100 },
    { localDate: '2026-03-01', kind: 'tier', points: 0 },
  ]);
  // 2 March at S2: a return takes back 40 and gives back 20.
  addEntries(d, 'S2', [
    { localDate: '2026-03-02', kind: 'earn', points: 80 },
    { localDate: '2026-03-02', kind: 'reverse', points: 40 },
    { localDate: '2026-03-02', kind: 'restore', points: 20 },
  ]);
  // 3 March: head office expires 30.
  addEntries(d, 'hq', [{ localDate: '2026-03-03', kind: 'expire', points: 30 }]);
  addSales(d, 'S1', TZ, [
    { occurredAt: '2026-03-01T02:00:00.000Z', total: 30_000, member: true, staffId: 'c1' },
    { occurredAt: '2026-03-01T03:00:00.000Z', total: 10_000, member: false, staffId: null },
  ]);
  // 16:30 UTC on 1 March is 00:30 on 2 March in Shanghai.
  addSales(d, 'S2', TZ, [{ occurredAt: '2026-03-01T16:30:00.000Z', total: 8_000, member: true, staffId: 'c2' }]);
  addEnrolments(d, TZ, [
    { sign: 1, at: '2026-03-01T01:00:00.000Z', storeId: 'S1', staffId: 'c1', referred: true },
    { sign: 1, at: '2026-03-01T20:00:00.000Z', storeId: 'S2', staffId: 'c2', referred: false },
  ]);
  return d;
}

describe('grouping what one apply added', () => {
  it('sums per local date, store and staff member; markers count entries, not points', () => {
    const rows = chain().list();
    const s1 = rows.filter((r) => r.storeId === 'S1' && r.date === '2026-03-01');
    const byStaff = Object.fromEntries(s1.map((r) => [r.staffId, r.m]));
    // the store's whole day ('' row): every entry, sale and enrolment; c1's own row: what names c1
    expect(byStaff['']).toMatchObject({ points_earn: 300, points_bonus: 50, points_redeem: 100, entries_tier: 1 });
    expect(byStaff['']).toMatchObject({ sales: 2, sales_total: 40_000, member_sales: 1, enrolments: 1, referred: 1 });
    expect(byStaff.c1).toMatchObject({ sales: 1, sales_total: 30_000, member_sales: 1, enrolments: 1, referred: 1 });
    expect(byStaff.c1?.points_earn).toBe(0);
    const s2 = rows.filter((r) => r.storeId === 'S2' && r.date === '2026-03-02' && r.staffId === '');
    expect(sumMeasures(s2)).toMatchObject({ sales: 1, member_sales_total: 8_000, enrolments: 1, referred: 0 });
  });

  it('a delta absorbing another holds the sums of both, as one delta given everything would', () => {
    const whole = chain();
    const parts = new AggDelta();
    const half = chain();
    parts.absorb(half);
    parts.absorb(new AggDelta());
    const twice = chain();
    twice.absorb(chain());
    expect(parts.list()).toEqual(whole.list());
    expect(twice.list()).toEqual(
      whole.list().map((r) => ({ ...r, m: Object.fromEntries(Object.entries(r.m).map(([k, v]) => [k, v * 2])) })),
    );
  });

  it('an enrolment taken back (-1) and counted anew moves it, leaving nothing behind', () => {
    const d = new AggDelta();
    const was = { at: '2026-03-01T01:00:00.000Z', storeId: 'S1', staffId: 'c1', referred: true };
    addEnrolments(d, TZ, [{ sign: 1, ...was }]);
    addEnrolments(d, TZ, [
      { sign: -1, ...was },
      { sign: 1, ...was, staffId: 'c2', at: '2026-03-04T01:00:00.000Z' },
    ]);
    expect(d.list().map((r) => [r.date, r.staffId, r.m.enrolments, r.m.referred])).toEqual([
      ['2026-03-04', '', 1, 1],
      ['2026-03-04', 'c2', 1, 1],
    ]);
  });

  it('points by kind list the kinds that have entries, as GROUP BY kind would', () => {
    expect(
      byKind(
        sumMeasures(
          chain()
            .list()
            .filter((r) => r.staffId === ''),
        ),
      ),
    ).toEqual({
      bonus: 50,
      earn: 380,
      expire: 30,
      redeem: 100,
      restore: 20,
      reverse: 40,
      tier: 0,
    });
  });
});

describe('the daily series from the sums', () => {
  const range = { from: '2026-03-01', to: '2026-03-03', hqStoreId: 'hq' };
  const wholeDays = chain()
    .list()
    .filter((r) => r.staffId === '');
  const fromSums = seriesFromSums({ ...range, rows: wholeDays, storeIds: ['S1', 'S2', 'S3'] });

  it('is the one computed from the raw rows', () => {
    const raw = dailySeries({
      ...range,
      timeZone: TZ,
      ledger: [
        { date: '2026-03-01', storeId: 'S1', kind: 'earn', points: 300 },
        { date: '2026-03-01', storeId: 'S1', kind: 'bonus', points: 50 },
        { date: '2026-03-01', storeId: 'S1', kind: 'redeem', points: 100 },
        { date: '2026-03-02', storeId: 'S2', kind: 'earn', points: 80 },
        { date: '2026-03-02', storeId: 'S2', kind: 'reverse', points: 40 },
        { date: '2026-03-02', storeId: 'S2', kind: 'restore', points: 20 },
        { date: '2026-03-03', storeId: 'hq', kind: 'expire', points: 30 },
      ],
      sales: [
        { occurredAt: '2026-03-01T02:00:00.000Z', storeId: 'S1', member: true, total: 30_000 },
        { occurredAt: '2026-03-01T03:00:00.000Z', storeId: 'S1', member: false, total: 10_000 },
        { occurredAt: '2026-03-01T16:30:00.000Z', storeId: 'S2', member: true, total: 8_000 },
      ],
      enrolments: [
        { at: '2026-03-01T01:00:00.000Z', storeId: 'S1', referred: true },
        { at: '2026-03-01T20:00:00.000Z', storeId: 'S2' },
      ],
      storeIds: ['S1', 'S2', 'S3'],
    });
    expect(fromSums).toEqual(raw);
  });

  it('by hand: issued 350 then 80 − 40 = 40; redeemed 100 then −20; expired 30 for the chain only', () => {
    expect(fromSums.days.map((d) => [d.pointsIssued, d.pointsRedeemed, d.pointsExpired])).toEqual([
      [350, 100, 0],
      [40, -20, 0],
      [0, 0, 30],
    ]);
    expect(fromSums.stores.map((s) => s.storeId)).toEqual(['S1', 'S2', 'S3']);
    const all = totals(fromSums.days);
    expect(all).toMatchObject({ salesTotal: 48_000, memberSalesTotal: 38_000, enrolments: 2, referred: 1 });
    // member share 38 000 / 48 000; referral rate 1 of 2 enrolments
    expect(all.memberShare).toBe(0.7917);
    expect(all.referralRate).toBe(0.5);
  });
});
