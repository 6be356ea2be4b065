import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatMilli } from '../decimal.js';
import { allocateLargestRemainder, lineGross, quantityToMilli } from '../money.js';
import type { RuleSet } from '../ruleset/schema.js';
import { computeEarn } from './earn.js';
import { checkRedemption, redemptionLimits, redemptionValue } from './redeem.js';
import { computeReturn } from './returns.js';
import { member, name, ruleSet, sale } from './test-fixtures.js';
import type { BasketLineInput, EarnResult } from './types.js';

const CATEGORIES = ['grocery', 'drinks', 'tobacco', 'produce'] as const;
const SKUS = ['a', 'b', 'c', 'd', 'e'] as const;

const multiplier = (max = 5000): fc.Arbitrary<string> => fc.integer({ min: 0, max }).map((m) => formatMilli(BigInt(m)));

/** A line whose own discount is a share (permille) of its gross, so it is always valid. */
const lineArb: fc.Arbitrary<BasketLineInput> = fc
  .record({
    sku: fc.constantFrom(...SKUS),
    category: fc.constantFrom(...CATEGORIES),
    quantityMilli: fc.integer({ min: 1, max: 20000 }),
    unitPrice: fc.integer({ min: 0, max: 100000 }),
    discountPermille: fc.integer({ min: 0, max: 1000 }),
  })
  .map(({ sku, category, quantityMilli, unitPrice, discountPermille }) => {
    const gross = lineGross(quantityMilli, unitPrice);
    return {
      sku,
      category,
      quantity: quantityMilli / 1000,
      unitPrice,
      discount: Math.floor((gross * discountPermille) / 1000),
    };
  });

interface Scenario {
  rs: RuleSet;
  lines: BasketLineInput[];
  basketPermille: number;
  tenderPermille: number;
  tier: string;
}

const ruleSetArb: fc.Arbitrary<RuleSet> = fc
  .record({
    drinks: multiplier(),
    produce: multiplier(),
    promo: multiplier(),
    promoCategories: fc.option(fc.subarray([...CATEGORIES], { minLength: 1 }), { nil: undefined }),
    perTransactionMax: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: null }),
  })
  .map((o) =>
    ruleSet({
      earn: {
        baseRate: '1',
        excludedCategories: ['tobacco'],
        categoryMultipliers: { drinks: o.drinks, produce: o.produce },
        perTransactionMax: o.perTransactionMax,
        perMemberDailyMax: 5000,
      },
      promotions: [
        { id: 'p', name: name('p'), multiplier: o.promo, from: '2024-01-01', categories: o.promoCategories },
      ],
    }),
  );

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  rs: ruleSetArb,
  lines: fc.array(lineArb, { minLength: 1, maxLength: 12 }),
  basketPermille: fc.integer({ min: 0, max: 1000 }),
  tenderPermille: fc.integer({ min: 0, max: 1000 }),
  tier: fc.constantFrom('ordinary', 'silver', 'gold', 'diamond'),
});

/** Builds a valid sale from a scenario: basket discount and points tender scaled to fit. */
function earnFor(s: Scenario): { result: EarnResult; pointsRedeemed: number } {
  const afterOwn = s.lines.reduce((a, l) => a + lineGross(quantityToMilli(l.quantity), l.unitPrice) - l.discount, 0);
  const basketDiscount = Math.floor((afterOwn * s.basketPermille) / 1000);
  const total = afterOwn - basketDiscount;
  // largest whole number of points whose value fits in the scaled share of the total
  let pointsRedeemed = Math.floor((total * s.tenderPermille) / 1000);
  while (pointsRedeemed > 0 && redemptionValue(s.rs, s.tier, pointsRedeemed) > total) pointsRedeemed -= 1;
  const result = computeEarn(
    s.rs,
    sale({ lines: s.lines, basketDiscount, pointsRedeemed, member: member({ tier: s.tier }) }),
  );
  return { result, pointsRedeemed };
}

function soldPerSku(result: EarnResult): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of result.lines) m.set(l.sku, (m.get(l.sku) ?? 0) + l.quantityMilli);
  return m;
}

describe('properties', () => {
  it('allocation shares sum exactly and stay within one of the exact share', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 1_000_000_000 }), { minLength: 1, maxLength: 50 }),
        fc.integer({ min: 0, max: 1000 }),
        (weights, permille) => {
          const sum = weights.reduce((a, w) => a + w, 0);
          fc.pre(sum > 0);
          const total = Math.floor((sum * permille) / 1000);
          const shares = allocateLargestRemainder(total, weights);
          expect(shares.reduce((a, s) => a + s, 0)).toBe(total);
          shares.forEach((s, i) => {
            const w = weights[i] ?? 0;
            expect(s).toBeGreaterThanOrEqual(0);
            expect(s).toBeLessThanOrEqual(w);
            const exact = (total * w) / sum;
            expect(Math.abs(s - exact)).toBeLessThan(1 + 1e-6);
          });
        },
      ),
    );
  });

  it('net lines and points tender shares add up to the basket', () => {
    fc.assert(
      fc.property(scenarioArb, (s) => {
        const { result, pointsRedeemed } = earnFor(s);
        expect(result.lines.reduce((a, l) => a + l.net, 0)).toBe(result.total);
        expect(result.lines.reduce((a, l) => a + l.pointsTender, 0)).toBe(result.redemptionValue);
        expect(result.redemptionValue).toBe(redemptionValue(s.rs, s.tier, pointsRedeemed));
        for (const l of result.lines) {
          expect(l.net).toBeGreaterThanOrEqual(0);
          expect(l.eligible).toBeGreaterThanOrEqual(0);
        }
      }),
    );
  });

  it('points are never negative and never fall as the tier multiplier rises', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 0, max: 5000 }), (s, m1, m2) => {
        const [lo, hi] = m1 <= m2 ? [m1, m2] : [m2, m1];
        const tiers = [
          { code: 'low', name: name('low'), threshold: 0, earnMultiplier: formatMilli(BigInt(lo)) },
          { code: 'high', name: name('high'), threshold: 1, earnMultiplier: formatMilli(BigInt(hi)) },
        ];
        const rs = ruleSet({ ...s.rs, tiers } as Parameters<typeof ruleSet>[0]);
        const low = earnFor({ ...s, rs, tier: 'low' }).result;
        const high = earnFor({ ...s, rs, tier: 'high' }).result;
        expect(low.points).toBeGreaterThanOrEqual(0);
        expect(low.pointsBeforeCaps).toBeGreaterThanOrEqual(0);
        expect(high.pointsBeforeCaps).toBeGreaterThanOrEqual(low.pointsBeforeCaps);
        expect(high.points).toBeGreaterThanOrEqual(low.points);
      }),
    );
  });

  it('a full return reverses exactly what was earned and restores exactly what was redeemed', () => {
    fc.assert(
      fc.property(scenarioArb, fc.integer({ min: 0, max: 1000 }), (s, earnedPermille) => {
        const { result, pointsRedeemed } = earnFor(s);
        // "earned" is what was granted, which may be less than computed (caps, anonymous)
        const earned = Math.floor((result.points * earnedPermille) / 1000);
        const returning = [...soldPerSku(result)].map(([sku, q]) => ({ sku, quantity: q / 1000 }));
        const r = computeReturn({ lines: result.lines, earned, pointsRedeemed, previouslyReturned: {}, returning });
        expect(r.pointsReversed).toBe(earned);
        expect(r.pointsRestored).toBe(pointsRedeemed);
        expect(r.returnedQualifying).toBe(result.qualifyingSpend);
        expect(r.returnedAmount).toBe(result.total);
        expect(r.fullyReturned).toBe(true);
      }),
    );
  });

  it('a series of partial returns never reverses more than earned and ends exactly at it', () => {
    const steps = fc.array(fc.tuple(fc.constantFrom(...SKUS), fc.integer({ min: 1, max: 1000 })), {
      maxLength: 8,
    });
    fc.assert(
      fc.property(scenarioArb, steps, (s, plan) => {
        const { result, pointsRedeemed } = earnFor(s);
        const earned = result.points;
        const sold = soldPerSku(result);
        const returned: Record<string, number> = {};
        let reversed = 0;
        let restored = 0;
        let qualifying = 0;
        const doReturn = (returning: { sku: string; quantity: number }[]): void => {
          const r = computeReturn({
            lines: result.lines,
            earned,
            pointsRedeemed,
            previouslyReturned: { ...returned },
            returning,
          });
          expect(r.pointsReversed).toBeGreaterThanOrEqual(0);
          expect(r.pointsRestored).toBeGreaterThanOrEqual(0);
          reversed += r.pointsReversed;
          restored += r.pointsRestored;
          qualifying += r.returnedQualifying;
          expect(reversed).toBeLessThanOrEqual(earned);
          expect(restored).toBeLessThanOrEqual(pointsRedeemed);
          expect(qualifying).toBeLessThanOrEqual(result.qualifyingSpend);
          for (const { sku, quantity } of returning) returned[sku] = (returned[sku] ?? 0) + Math.round(quantity * 1000);
        };
        for (const [sku, permille] of plan) {
          const left = (sold.get(sku) ?? 0) - (returned[sku] ?? 0);
          if (left <= 0) continue;
          const q = Math.max(1, Math.floor((left * permille) / 1000));
          doReturn([{ sku, quantity: q / 1000 }]);
        }
        const rest = [...sold]
          .map(([sku, q]) => ({ sku, quantity: (q - (returned[sku] ?? 0)) / 1000 }))
          .filter((r) => r.quantity > 0);
        if (rest.length > 0) doReturn(rest);
        expect(reversed).toBe(earned);
        expect(restored).toBe(pointsRedeemed);
        expect(qualifying).toBe(result.qualifyingSpend);
      }),
    );
  });

  it('redemptionLimits.maxPoints always passes checkRedemption and is the largest that does', () => {
    fc.assert(
      fc.property(
        fc.record({
          step: fc.integer({ min: 1, max: 1000 }),
          minimumPoints: fc.integer({ min: 0, max: 5000 }),
          share: fc.integer({ min: 0, max: 1000 }),
          bonus: fc.integer({ min: 0, max: 2000 }),
          basketTotal: fc.integer({ min: 0, max: 1_000_000_000 }),
          available: fc.integer({ min: -1000, max: 1_000_000_000 }),
        }),
        (o) => {
          const base = ruleSet();
          const rs = ruleSet({
            tiers: [{ code: 't', name: name('t'), threshold: 0, redemptionBonus: formatMilli(BigInt(o.bonus)) }],
            redemption: {
              ...base.redemption,
              pointsPerCurrencyUnit: o.step,
              minimumPoints: o.minimumPoints,
              maxShareOfBasket: formatMilli(BigInt(o.share)),
            },
          });
          const args = { tier: 't', basketTotal: o.basketTotal, available: o.available };
          const lim = redemptionLimits(rs, args);
          expect(() => checkRedemption(rs, { ...args, points: lim.maxPoints })).not.toThrow();
          expect(lim.maxValue).toBe(redemptionValue(rs, 't', lim.maxPoints));
          const next = Math.max(lim.maxPoints + o.step, Math.ceil(o.minimumPoints / o.step) * o.step);
          expect(() => checkRedemption(rs, { ...args, points: next })).toThrow();
        },
      ),
    );
  });

  it('keeps exact numbers for 1000-line baskets of large amounts', () => {
    const rs = ruleSet({
      earn: {
        baseRate: '1.5',
        excludedCategories: ['tobacco'],
        categoryMultipliers: { drinks: '5', produce: '0.333' },
        perTransactionMax: null,
        perMemberDailyMax: null,
      },
      promotions: [{ id: 'p', name: name('p'), multiplier: '3', from: '2024-01-01' }],
    });
    const catMilli: Record<string, bigint> = { grocery: 1000n, drinks: 5000n, tobacco: 0n, produce: 333n };
    const big = fc.record({
      category: fc.constantFrom(...CATEGORIES),
      quantityMilli: fc.integer({ min: 1, max: 100_000 }),
      unitPrice: fc.integer({ min: 0, max: 10_000_000 }),
    });
    fc.assert(
      fc.property(fc.array(big, { minLength: 1000, maxLength: 1000 }), (raw) => {
        const lines = raw.map((l, i) => ({
          sku: `s${i}`,
          category: l.category,
          quantity: l.quantityMilli / 1000,
          unitPrice: l.unitPrice,
          discount: 0,
        }));
        const r = computeEarn(rs, sale({ lines, member: member({ tier: 'diamond' }) }));
        // reference: the same formula straight from the input, all in bigint
        let sum = 0n;
        let gross = 0n;
        for (const l of raw) {
          const g = (BigInt(l.quantityMilli) * BigInt(l.unitPrice) + 500n) / 1000n;
          gross += g;
          sum += g * (catMilli[l.category] ?? 0n) * 3000n;
        }
        const expected = (sum * 1500n * 2000n) / (1000n ** 4n * 100n);
        expect(BigInt(r.gross)).toBe(gross);
        expect(BigInt(r.pointsBeforeCaps)).toBe(expected);
        expect(r.points).toBe(r.pointsBeforeCaps);
      }),
      { numRuns: 20 },
    );
  });

  it('computes the largest basket example exactly', () => {
    // 1000 × ¥999,999.99 drinks (×5), promotion ×3, Diamond ×2, base 1:
    // eligible 99,999,999,000 fen -> floor(99,999,999,000 × 30 / 100) = 29,999,999,700
    const rs = ruleSet({
      earn: { ...ruleSet().earn, categoryMultipliers: { drinks: '5' }, perMemberDailyMax: null },
      promotions: [{ id: 'p', name: name('p'), multiplier: '3' }],
    });
    const lines = Array.from({ length: 1000 }, (_, i) => ({
      sku: `s${i}`,
      category: 'drinks',
      quantity: 1,
      unitPrice: 99_999_999,
      discount: 0,
    }));
    const r = computeEarn(rs, sale({ lines, member: member({ tier: 'diamond' }) }));
    expect(r.eligibleSpend).toBe(99_999_999_000);
    expect(r.points).toBe(29_999_999_700);
  });
});
