/**
 * The Members report by hand (core/rfm.ts), in DOMAIN.md 8's words: a small chain on
 * 1 December 2026, seven members.
 */
import { describe, expect, it } from 'vitest';
import { membersReport, parseCell, quintileScores, scoreMembers, type RfmInput } from './rfm.js';

const TODAY = '2026-12-01';
const m = (memberNo: string, tier: string, o: Partial<RfmInput>): RfmInput => ({
  memberNo,
  tier,
  enrolledOn: '2025-06-01',
  firstSaleOn: null,
  lastSaleOn: null,
  sales12: 0,
  spend12: 0,
  ...o,
});

// R = days since the last sale; F = sales in 12 months; M = 12-month spend (fen).
const CHAIN: RfmInput[] = [
  // bought yesterday, six times this year, ¥600: the best on all three
  m('M1', 'gold', { firstSaleOn: '2026-01-10', lastSaleOn: '2026-11-30', sales12: 6, spend12: 60_000 }),
  // first sale 61 days ago: still "new"; 10 days since the last sale
  m('M2', 'silver', { firstSaleOn: '2026-10-01', lastSaleOn: '2026-11-21', sales12: 3, spend12: 30_000 }),
  // 60 days since the last sale: active
  m('M3', 'ordinary', { firstSaleOn: '2025-12-01', lastSaleOn: '2026-10-02', sales12: 3, spend12: 20_000 }),
  // 122 days without a purchase: at risk ("three months without a purchase")
  m('M4', 'ordinary', { firstSaleOn: '2026-08-01', lastSaleOn: '2026-08-01', sales12: 1, spend12: 5_000 }),
  // 214 days: dormant ("six months without contact")
  m('M5', 'ordinary', { firstSaleOn: '2026-03-01', lastSaleOn: '2026-05-01', sales12: 2, spend12: 10_000 }),
  // enrolled a month ago, no sale yet: new, not scored
  m('M6', 'ordinary', { enrolledOn: '2026-11-01' }),
  // last bought 14 months ago: nothing in the 12-month window, dormant, not scored
  m('M7', 'silver', { firstSaleOn: '2025-10-01', lastSaleOn: '2025-10-01' }),
];

describe('RFM by quintile', () => {
  it('scores 5 − ⌊5·b/n⌋, b = members strictly better; ties share the better score', () => {
    expect(quintileScores([10, 20, 30, 40, 50], true)).toEqual([1, 2, 3, 4, 5]);
    expect(quintileScores([10, 20, 30, 40, 50], false)).toEqual([5, 4, 3, 2, 1]);
    expect(quintileScores([7, 7, 7], true)).toEqual([5, 5, 5]);
    expect(quintileScores([9], true)).toEqual([5]);
    // ten members: two per quintile
    expect(quintileScores([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], true)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    // a tie across a boundary: both take the better score
    expect(quintileScores([6, 3, 3, 1, 2], true)).toEqual([5, 4, 4, 1, 2]);
  });

  it('gives each active member R, F, M, the cell, class and lifecycle', () => {
    const scored = scoreMembers(TODAY, CHAIN);
    expect(
      scored.map((s) => [s.memberNo, s.recencyDays, s.frequency, s.monetary, s.cell, s.class, s.lifecycle]),
    ).toEqual([
      ['M1', 1, 6, 60_000, 'R5F5M5', 'A', 'active'],
      ['M2', 10, 3, 30_000, 'R4F4M4', 'B', 'new'],
      ['M3', 60, 3, 20_000, 'R3F4M3', 'B', 'active'],
      ['M4', 122, 1, 5_000, 'R2F1M1', 'D', 'at_risk'],
      ['M5', 214, 2, 10_000, 'R1F2M2', 'C', 'dormant'],
      ['M6', null, 0, 0, null, 'D', 'new'],
      ['M7', 426, 0, 0, null, 'D', 'dormant'],
    ]);
  });

  it('aggregates tiers, classes with their spend boundaries, the lifecycle funnel and the grid', () => {
    const r = membersReport(TODAY, scoreMembers(TODAY, CHAIN), ['ordinary', 'silver', 'gold', 'diamond']);
    expect(r.members).toBe(7);
    expect(r.tiers).toEqual([
      { tier: 'ordinary', members: 4 },
      { tier: 'silver', members: 2 },
      { tier: 'gold', members: 1 },
      { tier: 'diamond', members: 0 },
    ]);
    // five active: A = top ceil(20 %) = 1, B up to ceil(50 %) = 3, C up to ceil(80 %) = 4, D the rest and the inactive
    expect(r.classes).toEqual([
      { class: 'A', members: 1, minSpend: 60_000, maxSpend: 60_000 },
      { class: 'B', members: 2, minSpend: 20_000, maxSpend: 30_000 },
      { class: 'C', members: 1, minSpend: 10_000, maxSpend: 10_000 },
      { class: 'D', members: 3, minSpend: 0, maxSpend: 5_000 },
    ]);
    expect(r.lifecycle).toEqual([
      { stage: 'new', members: 2 },
      { stage: 'active', members: 2 },
      { stage: 'at_risk', members: 1 },
      { stage: 'dormant', members: 2 },
    ]);
    expect(r.rfm.scored).toBe(5);
    expect(r.rfm.unscored).toBe(2);
    expect(r.rfm.cells.map((c) => [c.cell, c.members])).toEqual([
      ['R5F5M5', 1],
      ['R4F4M4', 1],
      ['R3F4M3', 1],
      ['R2F1M1', 1],
      ['R1F2M2', 1],
    ]);
  });

  it('parses a cell name', () => {
    expect(parseCell('R5F4M3')).toEqual({ r: 5, f: 4, m: 3 });
    expect(parseCell('R6F4M3')).toBeNull();
    expect(parseCell('r5f4m3')).toBeNull();
  });
});
