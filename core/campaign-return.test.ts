/** Return on a campaign's points cost, RFM-cell targeting and the schedule (docs/campaigns.md). */
import { describe, expect, it } from 'vitest';
import { matchesTarget, returnOnCost, scheduledTransition, welchUplift, type TargetFacts } from './campaigns.js';

const facts = (f: Partial<TargetFacts> = {}): TargetFacts => ({
  class: 'A',
  lifecycle: 'dormant',
  tier: 'silver',
  birthdayMonth: null,
  homeStore: 's1',
  toNextTier: null,
  rfmCell: 'R5F4M3',
  ...f,
});

describe('return on cost', () => {
  it('divides the incremental spend by the points cost in money (hand-computed)', () => {
    // The docs' example: target 10, 12, 14 and holdout 7, 9, 11 (yuan as fen x 100 below):
    // d = 3 yuan = 300 fen per member, CI [-1.53, 7.53] yuan. 3 target members: 900 fen in all.
    const u = welchUplift([1000, 1200, 1400], [700, 900, 1100]);
    expect(u.difference).toBeCloseTo(300, 9);
    // 450 extra points at 100 points per yuan: a point is 1 fen, the cost 450 fen.
    const r = returnOnCost({ ...u, targeted: 3, pointsCost: 450, pointsPerCurrencyUnit: 100 });
    expect(r.pointValueFen).toBe(1);
    expect(r.costFen).toBe(450);
    expect(r.incrementalSpend).toBeCloseTo(900, 9);
    expect(r.ratio).toBeCloseTo(2, 9);
    // the interval's ends, scaled the same way: 3 x [-153.1, 753.1] / 450
    expect(r.low).toBeCloseTo((3 * (u.low as number)) / 450, 9);
    expect(r.high).toBeCloseTo((3 * (u.high as number)) / 450, 9);
    expect(r.low as number).toBeCloseTo(-1.02, 2);
    expect(r.high as number).toBeCloseTo(5.02, 2);
  });

  it('values a point by the redemption rate', () => {
    // 50 points redeem for a yuan: a point is 2 fen; 1000 points cost 2000 fen
    const r = returnOnCost({
      difference: 500,
      low: null,
      high: null,
      targeted: 10,
      pointsCost: 1000,
      pointsPerCurrencyUnit: 50,
    });
    expect(r.pointValueFen).toBe(2);
    expect(r.costFen).toBe(2000);
    expect(r.ratio).toBeCloseTo(2.5, 9);
    expect(r.low).toBeNull();
    expect(r.incrementalLow).toBeNull();
  });

  it('has no ratio while nothing was spent on points', () => {
    const r = returnOnCost({
      difference: 100,
      low: 0,
      high: 200,
      targeted: 4,
      pointsCost: 0,
      pointsPerCurrencyUnit: 100,
    });
    expect(r.costFen).toBe(0);
    expect(r.incrementalSpend).toBe(400);
    expect(r.incrementalHigh).toBe(800);
    expect([r.ratio, r.low, r.high]).toEqual([null, null, null]);
  });
});

describe('targeting by RFM cell', () => {
  it('matches a listed cell and never a member without a score', () => {
    expect(matchesTarget({ rfmCells: ['R5F4M3', 'R1F1M1'] }, facts())).toBe(true);
    expect(matchesTarget({ rfmCells: ['R5F4M2'] }, facts())).toBe(false);
    expect(matchesTarget({ rfmCells: ['R5F4M3'] }, facts({ rfmCell: null }))).toBe(false);
    expect(matchesTarget({ rfmCells: ['R5F4M3'], classes: ['B'] }, facts())).toBe(false);
  });
});

describe('schedule', () => {
  const c = (status: 'draft' | 'approved' | 'running' | 'ended', startOn: string | null, endOn: string | null) => ({
    status,
    startOn,
    endOn,
  });
  it('starts an approved campaign on its start day, ends it after its last day, leaves the rest', () => {
    expect(scheduledTransition(c('approved', '2026-03-02', null), '2026-03-01')).toBeNull();
    expect(scheduledTransition(c('approved', '2026-03-02', null), '2026-03-02')).toBe('start');
    expect(scheduledTransition(c('approved', '2026-03-02', '2026-03-09'), '2026-03-05')).toBe('start');
    // the last day still grants; the day after ends it
    expect(scheduledTransition(c('running', '2026-03-02', '2026-03-09'), '2026-03-09')).toBeNull();
    expect(scheduledTransition(c('running', '2026-03-02', '2026-03-09'), '2026-03-10')).toBe('end');
    // past its last day before it started: ended, never started
    expect(scheduledTransition(c('approved', '2026-03-02', '2026-03-09'), '2026-03-10')).toBe('end');
    // a draft waits for its approval; without a schedule an operator acts
    expect(scheduledTransition(c('draft', '2026-03-02', null), '2026-03-05')).toBeNull();
    expect(scheduledTransition(c('approved', null, null), '2026-03-05')).toBeNull();
    expect(scheduledTransition(c('running', null, null), '2030-01-01')).toBeNull();
    expect(scheduledTransition(c('ended', '2026-03-02', '2026-03-09'), '2026-03-05')).toBeNull();
  });
});
