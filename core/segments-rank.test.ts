/**
 * A/B/C/D ranks among the active members (DOMAIN.md 8: "A/B/C/D class by rolling 12-month spend
 * rank among active members: A = top 20 %, B = next 30 %, C = next 30 %, D = the rest").
 *
 * Active = at least one sale in the rolling 12 months (core/segments.ts), exactly the members
 * core/rfm.ts scores. An active member whose qualifying spend is 0 (e.g. bought only excluded
 * goods: tobacco, gift cards, DOMAIN.md 3 step 2) ranks last but still counts in the population
 * the 20/30/30 shares are taken of; a member without a sale in 12 months is D outside the ranking.
 */
import { describe, expect, it } from 'vitest';
import { scoreMembers, type RfmInput } from './rfm.js';
import { assignClasses, isActive } from './segments.js';

const today = '2025-06-30';
const m = (memberNo: string, spend12: number, sales12: number): RfmInput => ({
  memberNo,
  tier: 'ordinary',
  enrolledOn: '2024-01-01',
  firstSaleOn: '2024-02-01',
  lastSaleOn: '2025-06-01',
  sales12,
  spend12,
});

describe('A/B/C/D ranks among active members (DOMAIN.md 8)', () => {
  it('counts an active member with zero qualifying spend in the population the shares are taken of', () => {
    // Five active members (each has sales in the rolling 12 months); M5 bought only tobacco.
    const input = [m('M1', 400_00, 4), m('M2', 300_00, 3), m('M3', 200_00, 2), m('M4', 100_00, 1), m('M5', 0, 2)];
    const scored = scoreMembers(today, input);
    // all five are active by the code's own definition (they are RFM-scored)
    expect(scored.every((s) => s.cell !== null)).toBe(true);
    const cls = Object.fromEntries(scored.map((s) => [s.memberNo, s.class]));
    // n = 5 active: A = top 20 % (1), B = next 30 % (1.5 -> boundary ceil(2.5) = 3, the code's
    // own rounding), C = next 30 % (up to ceil(4) = 4), D = the rest.
    expect(cls).toEqual({ M1: 'A', M2: 'B', M3: 'B', M4: 'C', M5: 'D' });
  });

  it('ranks the active members given (head office’s class refresh), zero spend last, the inactive D', () => {
    const c = assignClasses([
      { memberNo: 'M1', rollingSpend: 0, active: true },
      { memberNo: 'M2', rollingSpend: 500, active: true },
      { memberNo: 'M3', rollingSpend: 0, active: false },
    ]);
    // n = 2 active: A = ceil(0.4) = 1, B up to ceil(1) = 1, C up to ceil(1.6) = 2
    expect(Object.fromEntries(c)).toEqual({ M2: 'A', M1: 'C', M3: 'D' });
  });

  it('is active with a sale after the day 12 months back (the rolling spend window)', () => {
    expect(isActive(today, '2024-07-01')).toBe(true);
    expect(isActive(today, '2024-06-30')).toBe(false);
    expect(isActive(today, null)).toBe(false);
  });
});
