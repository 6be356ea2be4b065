import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromCounts, npsValue, scoreGroup, tally, weekOf } from './nps.js';

describe('NPS', () => {
  it('is promoters (9-10) minus detractors (0-6) as % of answers; passives (7-8) count only in answers', () => {
    // 10 answers: 9, 10, 10 promoters (3); 7, 8 passives (2); 0, 3, 5, 6, 6 detractors (5)
    expect(tally([9, 10, 10, 7, 8, 0, 3, 5, 6, 6])).toEqual({
      answers: 10,
      promoters: 3,
      passives: 2,
      detractors: 5,
      nps: -20,
    });
    expect(tally([10, 9, 8])).toMatchObject({ nps: 66.7 }); // 2/3 = 66.66…
    expect(tally([0, 1, 9])).toMatchObject({ nps: -33.3 });
    expect(tally([10])).toMatchObject({ nps: 100 });
    expect(tally([6])).toMatchObject({ nps: -100 });
    expect(tally([7, 8])).toMatchObject({ nps: 0 });
  });

  it('has no value without answers', () => {
    expect(tally([])).toEqual({ answers: 0, promoters: 0, passives: 0, detractors: 0, nps: null });
  });

  it('rounds once, half away from zero', () => {
    expect(npsValue(1, 0, 8)).toBe(12.5); // exact
    expect(npsValue(1, 0, 16)).toBe(6.3); // 6.25 -> 6.3
    expect(npsValue(0, 1, 16)).toBe(-6.3);
    expect(npsValue(1, 1, 3)).toBe(0);
    expect(Object.is(npsValue(1, 1, 3), -0)).toBe(false);
  });

  it('refuses scores outside 0..10', () => {
    for (const s of [-1, 11, 5.5, Number.NaN]) expect(() => scoreGroup(s)).toThrow(RangeError);
    expect(() => tally([3, 12])).toThrow(RangeError);
  });

  it('property: between -100 and 100, and counts add up', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10 }), { minLength: 1, maxLength: 300 }), (scores) => {
        const t = tally(scores);
        expect(t.promoters + t.passives + t.detractors).toBe(scores.length);
        expect(t.nps).not.toBeNull();
        expect(t.nps as number).toBeGreaterThanOrEqual(-100);
        expect(t.nps as number).toBeLessThanOrEqual(100);
        expect(Math.abs((t.nps as number) - ((t.promoters - t.detractors) * 100) / t.answers)).toBeLessThanOrEqual(
          0.05 + 1e-9,
        );
        expect(fromCounts(t.promoters, t.passives, t.detractors)).toEqual(t);
      }),
    );
  });

  it('names a week by its Monday', () => {
    expect(weekOf('2026-12-05')).toBe('2026-11-30'); // a Saturday
    expect(weekOf('2026-11-30')).toBe('2026-11-30'); // the Monday itself
    expect(weekOf('2026-12-06')).toBe('2026-11-30'); // Sunday ends the week
    expect(weekOf('2027-01-01')).toBe('2026-12-28'); // across the year
  });
});
