/** The overview's period measures (core/overview.ts) worked by hand. */
import { describe, expect, it } from 'vitest';
import { emptyDay } from './analytics.js';
import { bucketOf, bucketed, churn, clvTarget, DEFAULT_TARGETS, repurchase, repurchaseTarget } from './overview.js';

describe('churn: lapsed to dormant in the period / active at its start', () => {
  // 200 members had a sale within the 180 days before 1 March; 3 turn dormant on 1 March, 2 on 3 March.
  const snaps = [
    { date: '2026-02-28', live: 200, lapsed: 1 },
    { date: '2026-03-01', live: 197, lapsed: 3 },
    { date: '2026-03-03', live: 196, lapsed: 2 },
  ];

  it('5 / 200 = 2.5 %, naming the day the end-of-day run left no snapshot', () => {
    expect(churn('2026-03-01', '2026-03-03', snaps)).toEqual({
      activeAtStart: 200,
      lapsed: 5,
      rate: 0.025,
      daysWithoutSnapshot: 1,
    });
  });

  it('no rate without the snapshot of the day before the period', () => {
    expect(churn('2026-03-03', '2026-03-03', snaps)).toMatchObject({ activeAtStart: null, lapsed: 2, rate: null });
  });
});

describe('repurchase and targets', () => {
  it('members who bought twice or more / members who bought: 2 of 4', () => {
    expect(repurchase([1, 2, 5, 1, 0])).toEqual({ buyers: 4, repeaters: 2, rate: 0.5 });
    expect(repurchase([]).rate).toBeNull();
  });

  it('the guides’ defaults: repurchase +10 % on the previous period, CLV +20 % on a baseline once set', () => {
    expect(repurchaseTarget(0.3, DEFAULT_TARGETS)).toBe(0.33);
    expect(repurchaseTarget(null, DEFAULT_TARGETS)).toBeNull();
    expect(clvTarget(DEFAULT_TARGETS)).toBeNull();
    expect(clvTarget({ ...DEFAULT_TARGETS, clvBaselineFen: 50_000 })).toBe(60_000);
  });
});

describe('day / week / month trends', () => {
  it('weeks start on Monday (ISO), months are YYYY-MM', () => {
    expect(bucketOf('2026-03-01', 'week')).toBe('2026-02-23'); // a Sunday
    expect(bucketOf('2026-03-02', 'week')).toBe('2026-03-02'); // a Monday
    expect(bucketOf('2026-03-31', 'month')).toBe('2026-03');
  });

  it('sums each bucket', () => {
    const days = ['2026-02-28', '2026-03-01', '2026-03-02'].map((date, i) => ({
      ...emptyDay(date),
      sales: i + 1,
      salesTotal: 1000 * (i + 1),
      enrolments: 1,
      referred: i === 2 ? 1 : 0,
    }));
    expect(bucketed(days, 'week').map((d) => [d.date, d.sales, d.salesTotal, d.enrolments])).toEqual([
      ['2026-02-23', 3, 3000, 2],
      ['2026-03-02', 3, 3000, 1],
    ]);
    expect(bucketed(days, 'month').map((d) => [d.date, d.sales, d.referred])).toEqual([
      ['2026-02', 1, 0],
      ['2026-03', 5, 1],
    ]);
    expect(bucketed(days, 'day')).toHaveLength(3);
  });
});
