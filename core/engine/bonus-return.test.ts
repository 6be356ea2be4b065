/**
 * A campaign bonus taken back by a return (docs/campaigns.md "Returns"): worked examples of
 * "满200送300" on a ¥250 sale, and the rule over any series of partial returns.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bonusReturnOf,
  bonusesTakenBack,
  campaignBonusesOf,
  keptComputation,
  keptEligible,
  type CampaignBonus,
} from './bonus-return.js';
import type { EntryData } from '../ledger/entry.js';
import { computeEarn } from './earn.js';
import { line, ruleSet, sale } from './test-fixtures.js';

const rs = ruleSet();
/** Two teas at ¥100 and a ¥50 cake: ¥250 eligible; ¥30 of cigarettes earn nothing and count nothing. */
const SALE = computeEarn(
  rs,
  sale({ lines: [line('TEA', 'grocery', 10_000, 2), line('CAKE', 'grocery', 5_000), line('CIG', 'tobacco', 3_000)] }),
);
const BONUS: CampaignBonus = { campaignId: 'spend-200', points: 300, minSpend: 20_000 };
const none = new Set<string>();

describe('keptEligible', () => {
  it('is the eligible spend left after this and every earlier return', () => {
    expect(keptEligible(SALE.lines, {}, [{ sku: 'CAKE', quantity: 1 }])).toBe(20_000);
    expect(keptEligible(SALE.lines, { CAKE: 1000 }, [{ sku: 'TEA', quantity: 1 }])).toBe(10_000);
    // Excluded goods leave it alone.
    expect(keptEligible(SALE.lines, {}, [{ sku: 'CIG', quantity: 1 }])).toBe(25_000);
    expect(keptEligible(SALE.lines, { TEA: 2000, CAKE: 1000 }, [{ sku: 'CIG', quantity: 1 }])).toBe(0);
  });

  it('takes part quantities at their exact share and floors once: 2 of 3 × ¥33.33 keep ¥66.66', () => {
    const quarters = computeEarn(rs, sale({ lines: [line('A', 'grocery', 2_500, 4)] })).lines;
    // 4 × ¥25 = ¥100; returning 1.5 keeps 2.5 / 4 of it: 6,250 fen exactly.
    expect(keptEligible(quarters, {}, [{ sku: 'A', quantity: 1.5 }])).toBe(6_250);
    const odd = computeEarn(rs, sale({ lines: [line('A', 'grocery', 3_333, 3)] })).lines;
    expect(keptEligible(odd, {}, [{ sku: 'A', quantity: 1 }])).toBe(6_666);
  });
});

describe('bonusesTakenBack', () => {
  it('keeps the bonus while the sale keeps at least the minimum spend', () => {
    expect(bonusesTakenBack([BONUS], 20_000, none)).toEqual([]);
  });

  it('takes it back whole a fen below it', () => {
    expect(bonusesTakenBack([BONUS], 19_999, none)).toEqual([BONUS]);
  });

  it('takes it back once: not after an earlier return took it', () => {
    expect(bonusesTakenBack([BONUS], 0, new Set(['spend-200']))).toEqual([]);
  });

  it('has nothing to take from a sale of an older till (no campaignBonuses) or a bonus of 0', () => {
    expect(bonusesTakenBack(undefined, 0, none)).toEqual([]);
    expect(bonusesTakenBack([{ ...BONUS, points: 0 }], 0, none)).toEqual([]);
  });
});

describe("what a till keeps of the sale's bonuses", () => {
  const fixed = [
    { bonus: 'birthday' as const, points: 100 },
    { bonus: 'campaign' as const, points: 300, campaignId: 'spend-200', minSpend: 20_000, name: { zh: 'x', en: 'x' } },
  ];

  it('keeps campaign bonuses with their minimum; birthday and stamp bonuses are never taken back', () => {
    expect(campaignBonusesOf(fixed)).toEqual([BONUS]);
    expect(keptComputation({ ...SALE, bonuses: fixed }, 250, 0).campaignBonuses).toEqual([BONUS]);
    // A sale without one keeps the shape older records have.
    expect(keptComputation(SALE, 250, 0)).not.toHaveProperty('campaignBonuses');
  });

  it('tells a bonus reversal from the sale points reversal', () => {
    expect(bonusReturnOf({ kind: 'reverse', data: { campaignId: 'spend-200', bonusReturn: true } })).toBe('spend-200');
    const saleReverse: EntryData = { lotId: 't:1', spendOn: '2024-05-08' };
    expect(bonusReturnOf({ kind: 'reverse', data: saleReverse })).toBeNull();
    expect(bonusReturnOf({ kind: 'bonus', data: { campaignId: 'spend-200' } })).toBeNull();
  });
});

describe('property: any series of partial returns', () => {
  /** Units of the sale in some order, cut into returns. */
  const series = fc.record({
    qty: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 2 })),
    price: fc.tuple(fc.integer({ min: 1, max: 20_000 }), fc.integer({ min: 1, max: 20_000 })),
    order: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 8, maxLength: 8 }),
    cuts: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    minPermille: fc.integer({ min: 1, max: 1000 }),
  });

  it('takes the bonus back at most once, exactly at the return that leaves less than the minimum', () => {
    fc.assert(
      fc.property(series, ({ qty, price, order, cuts, minPermille }) => {
        const lines = [line('A', 'grocery', price[0], qty[0]), line('B', 'grocery', price[1], qty[1])];
        if (qty[2] > 0) lines.push(line('C', 'tobacco', 999, qty[2]));
        const s = computeEarn(rs, sale({ lines }));
        const minSpend = Math.max(1, Math.floor((s.eligibleSpend * minPermille) / 1000));
        const bonus = { ...BONUS, minSpend };
        const units = lines.flatMap((l) => Array.from({ length: l.quantity }, () => l.sku));
        const shuffled = units
          .map((sku, i) => ({ sku, key: order[i] ?? 0 }))
          .sort((a, b) => a.key - b.key)
          .map((u) => u.sku);
        const taken = new Set<string>();
        const previously: Record<string, number> = {};
        let pending: string[] = [];
        let times = 0;
        shuffled.forEach((sku, i) => {
          pending.push(sku);
          if (!(cuts[i] ?? false) && i < shuffled.length - 1) return;
          const returning = [...new Set(pending)].map((k) => ({
            sku: k,
            quantity: pending.filter((p) => p === k).length,
          }));
          const keptBefore = Object.keys(previously).length
            ? keptEligible(s.lines, {}, toReturn(previously))
            : s.eligibleSpend;
          const kept = keptEligible(s.lines, previously, returning);
          const back = bonusesTakenBack([bonus], kept, taken);
          // Exactly the return that crosses below the minimum, never another.
          expect(back.length).toBe(keptBefore >= minSpend && kept < minSpend ? 1 : 0);
          for (const b of back) taken.add(b.campaignId);
          times += back.length;
          for (const r of returning) previously[r.sku] = (previously[r.sku] ?? 0) + r.quantity * 1000;
          pending = [];
        });
        // Everything back keeps nothing: the bonus went back, once.
        expect(times).toBe(1);
      }),
      { numRuns: 300 },
    );
  });
});

function toReturn(q: Record<string, number>): { sku: string; quantity: number }[] {
  return Object.entries(q).map(([sku, milli]) => ({ sku, quantity: milli / 1000 }));
}
