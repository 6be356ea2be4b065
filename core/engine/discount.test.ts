import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memberDiscountAmount, memberDiscountFor, percentMilli, tierDiscountPercent } from './discount.js';
import { ruleSet } from './test-fixtures.js';

describe('memberDiscountAmount: floor(total × percent / 100)', () => {
  it('takes 5 % of ¥128.00 exactly', () => {
    expect(memberDiscountAmount(12_800, 5)).toBe(640);
  });

  it('rounds down to the fen, never up', () => {
    // 5 % of 1,999 fen is 99.95 fen
    expect(memberDiscountAmount(1_999, 5)).toBe(99);
    // 10 % of 9 fen is 0.9 fen
    expect(memberDiscountAmount(9, 10)).toBe(0);
  });

  it('reads fractional percentages exactly (no float in the product)', () => {
    // 2.5 % of 10,001 fen = 250.025 fen
    expect(memberDiscountAmount(10_001, 2.5)).toBe(250);
    // 0.1 × 3 is not 0.3 in floating point; the amount still is
    expect(memberDiscountAmount(1_000_000, 0.1 * 3)).toBe(3_000);
    expect(percentMilli(0.1 * 3)).toBe(300n);
  });

  it('gives nothing at 0 % and everything at 100 %', () => {
    expect(memberDiscountAmount(12_345, 0)).toBe(0);
    expect(memberDiscountAmount(12_345, 100)).toBe(12_345);
    expect(memberDiscountAmount(0, 10)).toBe(0);
  });

  it('refuses what is not a basket total or a percentage', () => {
    expect(() => memberDiscountAmount(10.5, 5)).toThrow(RangeError);
    expect(() => memberDiscountAmount(-1, 5)).toThrow(RangeError);
    expect(() => memberDiscountAmount(100, 101)).toThrow(RangeError);
    expect(() => memberDiscountAmount(100, Number.NaN)).toThrow(RangeError);
  });

  it('never exceeds the total and matches exact rational arithmetic', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e11 }), fc.integer({ min: 0, max: 100_000 }), (total, milli) => {
        const percent = milli / 1000;
        const amount = memberDiscountAmount(total, percent);
        // floor(total × milli / 100000) by definition of floor: amount ≤ exact < amount + 1
        expect(BigInt(amount) * 100_000n <= BigInt(total) * BigInt(milli)).toBe(true);
        expect((BigInt(amount) + 1n) * 100_000n > BigInt(total) * BigInt(milli)).toBe(true);
        expect(amount).toBeLessThanOrEqual(total);
      }),
    );
  });
});

describe('memberDiscountFor: what a tier offers', () => {
  const rs = ruleSet({
    tiers: [
      { code: 'ordinary', name: { zh: '普通会员', en: 'Ordinary' }, threshold: 0 },
      { code: 'silver', name: { zh: '银卡', en: 'Silver' }, threshold: 500_000, memberDiscountPercent: 2 },
      { code: 'gold', name: { zh: '金卡', en: 'Gold' }, threshold: 1_000_000, memberDiscountPercent: 5 },
    ],
  });

  it('offers each tier its own percentage', () => {
    expect(memberDiscountFor(rs, 'ordinary', 10_000)).toEqual({ percent: 0, amount: 0 });
    expect(memberDiscountFor(rs, 'silver', 10_000)).toEqual({ percent: 2, amount: 200 });
    expect(memberDiscountFor(rs, 'gold', 10_000)).toEqual({ percent: 5, amount: 500 });
  });

  it('offers nothing for a tier the rule set no longer lists', () => {
    expect(tierDiscountPercent(rs, 'diamond')).toBe(0);
    expect(memberDiscountFor(rs, 'diamond', 10_000)).toEqual({ percent: 0, amount: 0 });
  });

  it('uses the default programme: Gold 5 %, Diamond 10 %', () => {
    const d = ruleSet();
    expect(memberDiscountFor(d, 'gold', 20_000).amount).toBe(1_000);
    expect(memberDiscountFor(d, 'diamond', 20_000).amount).toBe(2_000);
  });
});
