import { describe, expect, it } from 'vitest';
import {
  checkOfflineRedemption,
  checkRedemption,
  couponValidity,
  isCouponUsable,
  ratioTier,
  redemptionLimits,
  redemptionValue,
  refundDeduction,
  rewardFor,
} from './redeem.js';
import { ruleSet, violation } from './test-fixtures.js';

const rs = ruleSet();

describe('redemptionValue', () => {
  it('pays 100 points = ¥1 at tiers without a bonus', () => {
    expect(redemptionValue(rs, 'ordinary', 100)).toBe(100);
    expect(redemptionValue(rs, 'gold', 250)).toBe(250);
    expect(redemptionValue(rs, 'ordinary', 0)).toBe(0);
  });

  it('pays Diamond 100 points = ¥1.20, rounded down to the fen', () => {
    // floor(points × 100 × 1200 / (100 × 1000)) = floor(points × 1.2)
    expect(redemptionValue(rs, 'diamond', 100)).toBe(120);
    expect(redemptionValue(rs, 'diamond', 150)).toBe(180);
    expect(redemptionValue(rs, 'diamond', 101)).toBe(121); // 121.2
    expect(redemptionValue(rs, 'diamond', 1)).toBe(1); // 1.2
  });

  it('refuses an unknown tier', () => {
    expect(violation(() => redemptionValue(rs, 'platinum', 100)).code).toBe('unknown_tier');
  });
});

describe('refundDeduction (DOMAIN.md 6, deductFromRefund)', () => {
  it("values the short points at the member's tier ratio, as a redemption would", () => {
    expect(refundDeduction(rs, 'ordinary', 889)).toBe(889);
    expect(refundDeduction(rs, 'gold', 250)).toBe(250);
    // Diamond: 100 points buy ¥1.20, so keeping 862 points is worth 1,034.4 fen.
    expect(refundDeduction(rs, 'diamond', 862)).toBe(1035);
    expect(refundDeduction(rs, 'diamond', 0)).toBe(0);
  });

  it('rounds up: never less than what the kept points are worth, at most a fen over', () => {
    expect(refundDeduction(rs, 'diamond', 1)).toBe(2); // 1.2
    expect(refundDeduction(rs, 'diamond', 101)).toBe(122); // 121.2
    for (const tier of ['ordinary', 'diamond']) {
      for (let points = 0; points <= 1_000; points += 7) {
        const exactTimes1000 = points * (tier === 'diamond' ? 1200 : 1000); // fen × 1000
        const d = refundDeduction(rs, tier, points);
        expect(d * 1000).toBeGreaterThanOrEqual(exactTimes1000);
        expect((d - 1) * 1000).toBeLessThan(exactTimes1000);
        // Whole fen (a redemption's whole steps included): exactly what redeeming them pays.
        if (exactTimes1000 % 1000 === 0) expect(d).toBe(redemptionValue(rs, tier, points));
      }
    }
  });

  it('refuses an unknown tier; ratioTier gives the lowest tier for one the rule set no longer knows', () => {
    expect(violation(() => refundDeduction(rs, 'platinum', 100)).code).toBe('unknown_tier');
    expect(ratioTier(rs, 'platinum')).toBe('ordinary');
    expect(ratioTier(rs, null)).toBe('ordinary');
    expect(ratioTier(rs, 'diamond')).toBe('diamond');
  });
});

describe('redemptionLimits', () => {
  it('limits to half the basket in whole ¥1 steps', () => {
    // cap floor(10000 × 0.5) = 5000 fen -> 5000 points
    expect(redemptionLimits(rs, { tier: 'ordinary', basketTotal: 10000, available: 10000 })).toEqual({
      minimumPoints: 100,
      step: 100,
      maxPoints: 5000,
      maxValue: 5000,
    });
    // cap floor(201 × 0.5) = 100 fen -> 100 points
    expect(redemptionLimits(rs, { tier: 'ordinary', basketTotal: 201, available: 10000 }).maxPoints).toBe(100);
    // cap 75 fen: not even one step
    expect(redemptionLimits(rs, { tier: 'ordinary', basketTotal: 150, available: 10000 }).maxPoints).toBe(0);
  });

  it('limits to the balance, rounded down to a step, and to the minimum', () => {
    expect(redemptionLimits(rs, { tier: 'ordinary', basketTotal: 100000, available: 350 }).maxPoints).toBe(300);
    expect(redemptionLimits(rs, { tier: 'ordinary', basketTotal: 100000, available: 99 }).maxPoints).toBe(0);
    expect(redemptionLimits(rs, { tier: 'ordinary', basketTotal: 100000, available: -50 }).maxPoints).toBe(0);
    // minimum 150, steps of 100: 100 is too little, 200 is the first possible
    const min150 = ruleSet({ redemption: { ...rs.redemption, minimumPoints: 150 } });
    expect(redemptionLimits(min150, { tier: 'ordinary', basketTotal: 100000, available: 199 }).maxPoints).toBe(0);
    expect(redemptionLimits(min150, { tier: 'ordinary', basketTotal: 100000, available: 200 }).maxPoints).toBe(200);
  });

  it('applies the Diamond ratio against the basket share', () => {
    // cap 5000 fen; k steps are worth 120k fen: k <= 41.67 -> 4100 points worth 4920
    expect(redemptionLimits(rs, { tier: 'diamond', basketTotal: 10000, available: 10000 })).toMatchObject({
      maxPoints: 4100,
      maxValue: 4920,
    });
    // cap floor(4999 / 2) = 2499: k <= 20.8 -> 2000 points worth 2400
    expect(redemptionLimits(rs, { tier: 'diamond', basketTotal: 4999, available: 10000 }).maxValue).toBe(2400);
  });
});

describe('checkRedemption', () => {
  const ok = { tier: 'ordinary', basketTotal: 10000, available: 1000 };
  const code = (o: Partial<typeof ok & { points: number }>) =>
    violation(() => checkRedemption(rs, { ...ok, points: 100, ...o })).code;

  it('accepts a valid redemption and always accepts 0', () => {
    expect(() => checkRedemption(rs, { ...ok, points: 1000 })).not.toThrow();
    expect(() => checkRedemption(rs, { tier: 'ordinary', basketTotal: 0, available: 0, points: 0 })).not.toThrow();
  });

  it('refuses each rule with its own code', () => {
    expect(code({ points: 50 })).toBe('below_minimum_redemption');
    expect(code({ points: 150 })).toBe('not_whole_redemption_units');
    // basket 1000 -> at most 500 fen; 600 points = 600 fen
    expect(code({ points: 600, basketTotal: 1000 })).toBe('exceeds_basket_share');
    expect(code({ points: 200, available: 100 })).toBe('insufficient_points');
    // Diamond: 500 points = 600 fen > 500 fen share of a ¥10 basket
    expect(code({ tier: 'diamond', points: 500, basketTotal: 1000 })).toBe('exceeds_basket_share');
  });

  it('reports in precedence minimum, units, share, balance', () => {
    const broke = { basketTotal: 0, available: 0 };
    expect(code({ ...broke, points: 50 })).toBe('below_minimum_redemption');
    expect(code({ ...broke, points: 150 })).toBe('not_whole_redemption_units');
    expect(code({ ...broke, points: 600 })).toBe('exceeds_basket_share');
    expect(code({ available: 0, points: 600 })).toBe('insufficient_points');
  });

  it('refuses negative or fractional points as a bad request', () => {
    expect(code({ points: -100 })).toBe('invalid_basket');
    expect(code({ points: 100.5 })).toBe('invalid_basket');
  });
});

describe('checkOfflineRedemption', () => {
  const base = { points: 700, confirmedBalance: 1000, spentSinceConfirmed: 300, redeemedTodayOffline: 0 };

  it('allows up to the confirmed balance less what this till spent since', () => {
    expect(() => checkOfflineRedemption(rs, base)).not.toThrow();
    expect(violation(() => checkOfflineRedemption(rs, { ...base, points: 800 })).code).toBe('offline_redemption_limit');
  });

  it('allows at most the offline daily maximum (2000)', () => {
    const big = { ...base, confirmedBalance: 10000, points: 100 };
    expect(() => checkOfflineRedemption(rs, { ...big, redeemedTodayOffline: 1900 })).not.toThrow();
    expect(violation(() => checkOfflineRedemption(rs, { ...big, points: 200, redeemedTodayOffline: 1900 })).code).toBe(
      'offline_redemption_limit',
    );
  });

  it('always allows 0', () => {
    expect(() => checkOfflineRedemption(rs, { ...base, points: 0, confirmedBalance: -5 })).not.toThrow();
  });
});

describe('reward catalogue and coupons', () => {
  it('finds rewards by id', () => {
    expect(rewardFor(rs, 'coupon-10')?.points).toBe(1000);
    expect(rewardFor(rs, 'nope')).toBeNull();
  });

  it('is valid from the local issue date for validDays days inclusive', () => {
    const coupon = rewardFor(rs, 'coupon-10');
    if (!coupon) throw new Error('default catalogue has coupon-10');
    // issued 2024-05-07T17:00Z = 8 May 01:00 local; 90 days: 8 May + 89 = 5 Aug
    expect(couponValidity(rs, coupon, '2024-05-07T17:00:00Z')).toEqual({
      validFrom: '2024-05-08',
      validTo: '2024-08-05',
    });
    expect(couponValidity(rs, { ...coupon, validDays: 1 }, '2024-05-08T02:00:00Z')).toEqual({
      validFrom: '2024-05-08',
      validTo: '2024-05-08',
    });
  });

  it('is usable once, within its local dates', () => {
    const c = { validFrom: '2024-05-08', validTo: '2024-08-05', usedAt: null };
    const tz = 'Asia/Shanghai';
    expect(isCouponUsable(c, '2024-08-05T15:59:59Z', tz)).toBe('ok'); // 23:59:59 local on the last day
    expect(isCouponUsable(c, '2024-08-05T16:00:00Z', tz)).toBe('expired');
    expect(isCouponUsable(c, '2024-05-07T15:00:00Z', tz)).toBe('not_yet_valid');
    expect(isCouponUsable({ ...c, usedAt: '2024-06-01T02:00:00Z' }, '2024-06-02T02:00:00Z', tz)).toBe('used');
  });
});
