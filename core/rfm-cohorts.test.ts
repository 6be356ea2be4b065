/**
 * Tier movement, cohort retention, customer lifetime value (core/rfm.ts) and the per-staff
 * measures (core/analytics.ts), against small fixtures computed by hand in DOMAIN.md's words
 * (8: "RFM scores and customer lifetime value"; 9: "tier distribution and movement", "per store
 * and per staff member (enrolments, member sales)").
 */
import { describe, expect, it } from 'vitest';
import { staffMeasures } from './analytics.js';
import { addMonths, cltv, cohortRetention, monthsBetween, tierMovement } from './rfm.js';

const TIERS = ['ordinary', 'silver', 'gold', 'diamond'];

describe('tier movement (DOMAIN.md 9: tier distribution and movement)', () => {
  it('counts upgrades and downgrades per month, each member once per month and from → to', () => {
    const m = tierMovement(
      '2026-12-05',
      [
        { memberNo: 'M1', date: '2026-10-03', fromTier: 'ordinary', toTier: 'silver' }, // upgrade in October
        { memberNo: 'M1', date: '2026-10-20', fromTier: 'ordinary', toTier: 'silver' }, // the same, from another till: once
        { memberNo: 'M2', date: '2026-11-30', fromTier: 'silver', toTier: 'gold' }, // upgrade in November
        { memberNo: 'M2', date: '2026-12-01', fromTier: 'gold', toTier: 'silver' }, // downgrade at the review
        { memberNo: 'M3', date: '2026-12-01', fromTier: 'silver', toTier: 'silver' }, // a review that kept the tier
        { memberNo: 'M4', date: '2026-09-30', fromTier: 'ordinary', toTier: 'silver' }, // before the 3 months
        { memberNo: 'M5', date: '2026-12-02', fromTier: null, toTier: 'silver' }, // no from-tier: not a move
        { memberNo: 'M6', date: '2026-12-03', fromTier: 'gold', toTier: 'ordinary' }, // downgrade by two tiers
      ],
      TIERS,
      3,
    );
    expect(m.months).toEqual([
      { month: '2026-10', upgrades: 1, downgrades: 0 },
      { month: '2026-11', upgrades: 1, downgrades: 0 },
      { month: '2026-12', upgrades: 0, downgrades: 2 },
    ]);
    expect(m.flows).toEqual([
      { from: 'ordinary', to: 'silver', direction: 'up', members: 1 },
      { from: 'silver', to: 'gold', direction: 'up', members: 1 },
      { from: 'gold', to: 'ordinary', direction: 'down', members: 1 },
      { from: 'gold', to: 'silver', direction: 'down', members: 1 },
    ]);
    expect([m.upgrades, m.downgrades]).toEqual([2, 2]);
  });

  it('does month arithmetic across years', () => {
    expect(addMonths('2026-01', -1)).toBe('2025-12');
    expect(addMonths('2025-12', 13)).toBe('2027-01');
    expect(monthsBetween('2025-11', '2026-02')).toBe(3);
  });
});

describe('cohort retention (members by enrolment month, share still buying each month after)', () => {
  it('is a triangle of the share of each cohort with a sale in each month since enrolment', () => {
    const rows = cohortRetention(
      '2026-12-05',
      [
        { memberNo: 'A', enrolledOn: '2026-10-02' },
        { memberNo: 'B', enrolledOn: '2026-10-15' },
        { memberNo: 'C', enrolledOn: '2026-11-01' },
        { memberNo: 'D', enrolledOn: '2026-12-01' },
        { memberNo: 'E', enrolledOn: '2026-09-30' }, // before the 3 cohorts
        { memberNo: 'F', enrolledOn: null },
      ],
      [
        { memberNo: 'A', date: '2026-10-02' },
        { memberNo: 'A', date: '2026-10-09' }, // a second sale in the same month counts the member once
        { memberNo: 'A', date: '2026-12-04' },
        { memberNo: 'B', date: '2026-11-20' },
        { memberNo: 'C', date: '2026-12-05' },
        { memberNo: 'C', date: '2026-12-06' }, // after today
        { memberNo: 'E', date: '2026-10-10' },
      ],
      3,
    );
    // October: A and B; A bought in October and December, B in November: 1 of 2 each month
    // November: C, who bought in December only. December: D, no sale yet.
    expect(rows).toEqual([
      { cohort: '2026-10', members: 2, buyers: [1, 1, 1], share: [0.5, 0.5, 0.5] },
      { cohort: '2026-11', members: 1, buyers: [0, 1], share: [0, 1] },
      { cohort: '2026-12', members: 1, buyers: [0], share: [0] },
    ]);
  });
});

describe('customer lifetime value (DOMAIN.md 8)', () => {
  // today 2026-12-05: a year ago 2025-12-05, two years ago 2024-12-05
  const members = [
    // P and R bought before a year ago and again since: retained; Q last bought 2025-08: churned
    { firstSaleOn: '2025-01-10', lastSaleOn: '2026-11-01', sales12: 4, spend12: 100_000 }, // P
    { firstSaleOn: '2025-03-01', lastSaleOn: '2025-08-01', sales12: 0, spend12: 0 }, // Q
    { firstSaleOn: '2025-06-01', lastSaleOn: '2026-12-01', sales12: 2, spend12: 30_000 }, // R
    // S first bought within the year: valued, not in the churn base; T lapsed before two years ago
    { firstSaleOn: '2026-05-01', lastSaleOn: '2026-11-20', sales12: 1, spend12: 8_000 }, // S
    { firstSaleOn: '2023-01-01', lastSaleOn: '2024-06-01', sales12: 0, spend12: 0 }, // T
    { firstSaleOn: null, lastSaleOn: null, sales12: 0, spend12: 0 }, // never bought
  ];

  it('is spend per purchase × purchases per year × lifetime, the lifetime 1 / churn', () => {
    const c = cltv('2026-12-05', members);
    // churn = 1 of 3 → lifetime 3 years; CLTV: P 100 000 × 3, R 30 000 × 3, S 8 000 × 3 (fen)
    expect(c.churn).toEqual({ base: 3, retained: 2, churned: 1, rate: 0.3333 });
    expect(c.lifetimeYears).toBe(3);
    expect(c.lifetimeBasis).toBe('churn');
    expect(c.members).toBe(3);
    // spend per purchase: 138 000 / 7 purchases = 19 714; purchases per member: 7 / 3 = 2.33
    expect(c.averageOrderValue).toBe(19_714);
    expect(c.purchaseFrequency).toBe(2.33);
    // mean (300 000 + 90 000 + 24 000) / 3 = 138 000 = 19 714.29 × 2.333 × 3; median 90 000
    expect(c.mean).toBe(138_000);
    expect(c.median).toBe(90_000);
    expect(c.buckets.map((b) => b.members)).toEqual([0, 1, 1, 0, 1, 0, 0]);
    expect(c.buckets[1]).toEqual({ min: 10_000, max: 50_000, members: 1 });
    expect(c.buckets[6]).toEqual({ min: 1_000_000, max: null, members: 0 });
  });

  it('caps the lifetime at 10 years when nobody churned, and assumes 1 year when churn cannot be measured', () => {
    const kept = cltv(
      '2026-12-05',
      [members[0], members[2]].filter((m) => m !== undefined),
    );
    expect([kept.churn.rate, kept.lifetimeYears, kept.lifetimeBasis]).toEqual([0, 10, 'cap']);
    expect(kept.mean).toBe(650_000); // (1 000 000 + 300 000) / 2
    const young = cltv(
      '2026-12-05',
      [members[3]].filter((m) => m !== undefined),
    );
    expect([young.churn.rate, young.lifetimeYears, young.lifetimeBasis]).toEqual([null, 1, 'unmeasured']);
    expect(young.mean).toBe(8_000); // the historical 12-month value
    expect(cltv('2026-12-05', []).mean).toBeNull();
  });
});

describe('per staff member (DOMAIN.md 9: enrolments, member sales)', () => {
  it('counts by (store, staff id) on local dates in the programme zone; unattributed rows are left out', () => {
    const rows = staffMeasures({
      from: '2026-12-01',
      to: '2026-12-02',
      timeZone: 'Asia/Shanghai',
      sales: [
        { occurredAt: '2026-12-01T02:00:00Z', storeId: 'S1', staffId: 'staff-1', member: true, total: 5_000 },
        { occurredAt: '2026-12-01T03:00:00Z', storeId: 'S1', staffId: 'staff-1', member: false, total: 3_000 },
        // 01:00 on 1 December in Shanghai: in the range
        { occurredAt: '2026-11-30T17:00:00Z', storeId: 'S1', staffId: 'staff-2', member: true, total: 2_000 },
        // 23:00 on 30 November in Shanghai: before it
        { occurredAt: '2026-11-30T15:00:00Z', storeId: 'S1', staffId: 'staff-2', member: true, total: 9_999 },
        { occurredAt: '2026-12-01T02:00:00Z', storeId: 'S2', staffId: 'staff-1', member: true, total: 1_000 },
        { occurredAt: '2026-12-01T02:00:00Z', storeId: 'S1', staffId: null, member: true, total: 7_000 },
      ],
      enrolments: [
        { at: '2026-12-01T01:00:00Z', storeId: 'S1', staffId: 'staff-1' },
        { at: '2026-12-02T01:00:00Z', storeId: 'S1', staffId: 'staff-3' },
        { at: '2026-12-02T01:00:00Z', storeId: 'S1', staffId: null },
      ],
    });
    expect(rows).toEqual([
      {
        storeId: 'S1',
        staffId: 'staff-1',
        enrolments: 1,
        sales: 2,
        salesTotal: 8_000,
        memberSales: 1,
        memberSalesTotal: 5_000,
        memberShare: 0.625,
      },
      {
        storeId: 'S1',
        staffId: 'staff-2',
        enrolments: 0,
        sales: 1,
        salesTotal: 2_000,
        memberSales: 1,
        memberSalesTotal: 2_000,
        memberShare: 1,
      },
      {
        storeId: 'S1',
        staffId: 'staff-3',
        enrolments: 1,
        sales: 0,
        salesTotal: 0,
        memberSales: 0,
        memberSalesTotal: 0,
        memberShare: null,
      },
      {
        storeId: 'S2',
        staffId: 'staff-1',
        enrolments: 0,
        sales: 1,
        salesTotal: 1_000,
        memberSales: 1,
        memberSalesTotal: 1_000,
        memberShare: 1,
      },
    ]);
  });
});
