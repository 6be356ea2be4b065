import { describe, expect, it } from 'vitest';
import { computeEarn } from './earn.js';
import { line, member, ruleSet, sale, violation } from './test-fixtures.js';
import {
  isReviewDate,
  nextReviewOnOrAfter,
  progressToNextTier,
  tierAfterSale,
  tierAtReview,
  tierIndex,
} from './tiers.js';

// Default thresholds: Silver ¥5,000 = 500000 fen, Gold ¥10,000 = 1000000, Diamond ¥50,000 = 5000000.
const rs = ruleSet();

describe('tierIndex', () => {
  it('orders tiers and refuses unknown codes', () => {
    expect(['ordinary', 'silver', 'gold', 'diamond'].map((t) => tierIndex(rs, t))).toEqual([0, 1, 2, 3]);
    expect(violation(() => tierIndex(rs, 'platinum')).code).toBe('unknown_tier');
  });
});

describe('tierAfterSale', () => {
  it('earns the crossing sale at the old tier and upgrades from the next sale', () => {
    // Silver with ¥9,900 rolling spend buys ¥200: earns at Silver ×1.2 -> floor(20000 × 1.2 / 100) = 240
    const r = computeEarn(rs, sale({ lines: [line('a', 'x', 20000)], member: member({ tier: 'silver' }) }));
    expect(r.points).toBe(240);
    // rolling 990000 + 20000 = 1010000 >= Gold 1000000
    expect(
      tierAfterSale(rs, { tier: 'silver', rollingSpendAfter: 990000 + r.qualifyingSpend, saleQualifying: 20000 }),
    ).toEqual({ tier: 'gold', changed: true, reason: 'threshold' });
  });

  it('stays put below the next threshold and may jump several tiers', () => {
    expect(tierAfterSale(rs, { tier: 'silver', rollingSpendAfter: 999999, saleQualifying: 100 })).toEqual({
      tier: 'silver',
      changed: false,
      reason: null,
    });
    expect(tierAfterSale(rs, { tier: 'ordinary', rollingSpendAfter: 1200000, saleQualifying: 1200000 }).tier).toBe(
      'gold',
    );
  });

  it('never downgrades', () => {
    expect(tierAfterSale(rs, { tier: 'diamond', rollingSpendAfter: 0, saleQualifying: 0 })).toEqual({
      tier: 'diamond',
      changed: false,
      reason: null,
    });
  });

  it('upgrades at once on a single sale of instantUpgradeSale', () => {
    const tiers = rs.tiers.map((t) => (t.code === 'gold' ? { ...t, instantUpgradeSale: 300000 } : t));
    const instant = ruleSet({ tiers });
    // ¥3,000 in one sale: below Silver by threshold, Gold by instant upgrade
    expect(tierAfterSale(instant, { tier: 'ordinary', rollingSpendAfter: 300000, saleQualifying: 300000 })).toEqual({
      tier: 'gold',
      changed: true,
      reason: 'instant',
    });
    expect(
      tierAfterSale(instant, { tier: 'ordinary', rollingSpendAfter: 299999, saleQualifying: 299999 }).changed,
    ).toBe(false);
    // Gold by both routes: reported as threshold
    expect(tierAfterSale(instant, { tier: 'silver', rollingSpendAfter: 1000000, saleQualifying: 300000 }).reason).toBe(
      'threshold',
    );
    // instant upgrade to Gold is no upgrade for a Diamond member
    expect(tierAfterSale(instant, { tier: 'diamond', rollingSpendAfter: 0, saleQualifying: 300000 }).changed).toBe(
      false,
    );
  });
});

describe('reviews', () => {
  it('drops exactly one tier, never more', () => {
    // Diamond with no spend at all drops to Gold only
    expect(tierAtReview(rs, { tier: 'diamond', rollingSpend: 0 })).toEqual({ tier: 'gold', changed: true });
    expect(tierAtReview(rs, { tier: 'silver', rollingSpend: 499999 })).toEqual({ tier: 'ordinary', changed: true });
  });

  it('keeps a tier whose threshold is met, and never goes below the first', () => {
    expect(tierAtReview(rs, { tier: 'gold', rollingSpend: 1000000 })).toEqual({ tier: 'gold', changed: false });
    expect(tierAtReview(rs, { tier: 'ordinary', rollingSpend: 0 })).toEqual({ tier: 'ordinary', changed: false });
  });

  it('falls at quarter ends or on 31 December', () => {
    expect(nextReviewOnOrAfter(rs, '2024-05-08')).toBe('2024-06-30');
    expect(nextReviewOnOrAfter(rs, '2024-06-30')).toBe('2024-06-30');
    expect(nextReviewOnOrAfter(rs, '2024-07-01')).toBe('2024-09-30');
    expect(nextReviewOnOrAfter(rs, '2024-12-31')).toBe('2024-12-31');
    expect(isReviewDate(rs, '2024-03-31')).toBe(true);
    expect(isReviewDate(rs, '2024-03-30')).toBe(false);
    const annual = ruleSet({ tierReview: 'annual' });
    expect(nextReviewOnOrAfter(annual, '2024-05-08')).toBe('2024-12-31');
    expect(isReviewDate(annual, '2024-06-30')).toBe(false);
  });
});

describe('progressToNextTier', () => {
  it('tells how much spend is left to the next tier', () => {
    expect(progressToNextTier(rs, { tier: 'ordinary', rollingSpend: 120000 })).toEqual({
      next: 'silver',
      remaining: 380000,
    });
    expect(progressToNextTier(rs, { tier: 'silver', rollingSpend: 1200000 })).toEqual({ next: 'gold', remaining: 0 });
    expect(progressToNextTier(rs, { tier: 'diamond', rollingSpend: 0 })).toEqual({ next: null, remaining: 0 });
  });
});
