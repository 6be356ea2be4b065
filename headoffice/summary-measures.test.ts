/**
 * GET /v1/reports/summary (headoffice/store/summary.ts) against DOMAIN.md 4 and 9: the liability
 * values each tier's points at its own redemption ratio, issued − redeemed − expired accounts for
 * every point on the books, and enrolments are counted per (store, staff id), a staff id being
 * its store's own (core/analytics.ts staffMeasures).
 */
import { describe, expect, it } from 'vitest';
import { addDays, localDate } from '../core/time.js';
import { at, ledgerSum, operator, uploadAll, type TestHq, type TillSim, useTwoTillHq } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

async function summary() {
  const r = await operator(t, 'GET', '/v1/reports/summary');
  expect(r.status).toBe(200);
  return r.body;
}

describe('outstanding points liability in money (DOMAIN.md 4, 9)', () => {
  it('values a Diamond member’s points at the Diamond redemption ratio (100 points = ¥1.20)', async () => {
    A.enrol('M1', at(0));
    // The member is on Diamond (as a threshold upgrade entry records it), then holds 1,000 points.
    A.append('M1', 'tier', 0, at(1), {
      data: { fromTier: 'ordinary', toTier: 'diamond', reason: 'threshold', rank: 3 },
    });
    A.bonus('M1', 1000, at(2));
    await uploadAll(t, A, 100);
    const m = await operator(t, 'GET', '/v1/members/M1');
    expect(m.body.tier).toBe('diamond');
    expect(m.body.balance).toBe(1000);
    const s = await summary();
    expect(s.points.outstanding).toBe(1000);
    // What the programme owes if those points are redeemed: floor(1000 x 100 x 1.2 / 100) = 1,200 fen
    // (docs/decisions.md "Redemption value"), not 1,000.
    expect(s.points.liabilityFen).toBe(1200);
  });
});

describe('points measures reconcile with the ledger (DOMAIN.md 9: points are a liability)', () => {
  it('issued − redeemed − expired equals the points still on the books, with a debit adjustment', async () => {
    A.enrol('M1', at(0));
    A.bonus('M1', 1000, at(1));
    A.redeem('M1', 200, at(2));
    // a supervisor's correction (docs/ledger.md: adjust_debit)
    A.append('M1', 'adjust_debit', 300, at(3), { data: { staffId: 'sup-1', note: 'correction' } as never });
    await uploadAll(t, A, 100);
    const s = await summary();
    const onBooks = ledgerSum([A], 'M1');
    expect(onBooks).toBe(500);
    expect(s.points.outstanding).toBe(500);
    // The summary's three flows must account for every point that left the books.
    expect(s.points.issued - s.points.redeemed - s.points.expired).toBe(s.points.outstanding);
    // the debit adjustment nets issued, as a return's reversal does
    expect(s.points).toMatchObject({ issued: 700, redeemed: 200, expired: 0 });
    // and so does the daily series, day by day over the days the entries fall on
    const from = addDays(localDate(at(0), 'Asia/Shanghai').date, -1);
    const to = addDays(localDate(at(3), 'Asia/Shanghai').date, 1);
    const d = await operator(t, 'GET', `/v1/reports/daily?from=${from}&to=${to}`);
    expect(d.status).toBe(200);
    const days = d.body.days as { pointsIssued: number; pointsRedeemed: number; pointsExpired: number }[];
    expect(days.reduce((a, x) => a + x.pointsIssued - x.pointsRedeemed - x.pointsExpired, 0)).toBe(onBooks);
  });
});

describe('enrolments per staff member (DOMAIN.md 9 "per store and per staff member")', () => {
  it('does not merge two stores’ staff members who share a staff id', async () => {
    // Staff ids are each store's own (core/analytics.ts: "a row is a (store, staff id) pair").
    A.enrol('M1', at(0)); // store S1, enrolledBy staff-1
    B.enrol('M2', at(1)); // store S2, enrolledBy staff-1: another person
    await uploadAll(t, A, 100);
    await uploadAll(t, B, 100);
    const s = await summary();
    // one row per (store, staff id), never one person credited with both
    expect(s.staff).toEqual([
      { storeId: 'S1', staffId: 'staff-1', enrolments: 1 },
      { storeId: 'S2', staffId: 'staff-1', enrolments: 1 },
    ]);
  });
});
