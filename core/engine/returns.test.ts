import { describe, expect, it } from 'vitest';
import { computeEarn } from './earn.js';
import { computeReturn, type ReturnInput } from './returns.js';
import { line, member, name, ruleSet, sale, violation } from './test-fixtures.js';
import type { LineResult } from './types.js';

/** A sale line with just what returns read. */
function sold(sku: string, quantityMilli: number, net: number, pointsTender = 0, excluded = false): LineResult {
  return {
    sku,
    category: excluded ? 'tobacco' : 'x',
    quantityMilli,
    unitPrice: 0,
    gross: net,
    discount: 0,
    net,
    pointsTender,
    excluded,
    eligible: excluded ? 0 : net - pointsTender,
    categoryMultiplierMilli: 1000,
    promotionId: null,
    promoMultiplierMilli: 1000,
  };
}

function ret(input: Partial<ReturnInput> & Pick<ReturnInput, 'lines' | 'returning'>) {
  return computeReturn({ earned: 0, pointsRedeemed: 0, previouslyReturned: {}, ...input });
}

describe('computeReturn: partial returns add up to the sale', () => {
  // 3 × a (eligible 1000) + 1 × b (eligible 333) earned 13; original eligible 1333.
  const lines = [sold('a', 3000, 1000), sold('b', 1000, 333)];

  it('returns one a, then b, then the rest: 4 + 3 + 6 = 13', () => {
    // 1st: remaining eligible = 1000 × 2/3 + 333 = 2999/3
    //      kept = floor(13 × 2999 / (3 × 1333)) = floor(38987 / 3999) = 9 -> reverse 13 - 9 = 4
    //      amount: floor(1333) - floor(999.67) = 1333 - 999 = 334
    const first = ret({ lines, earned: 13, returning: [{ sku: 'a', quantity: 1 }] });
    expect(first).toMatchObject({
      pointsReversed: 4,
      pointsKept: 9,
      returnedAmount: 334,
      returnedQualifying: 334,
      returned: { a: 1000 },
      remaining: { a: 2000, b: 1000 },
      fullyReturned: false,
    });
    // 2nd: remaining eligible 2000/3: kept = floor(13 × 2000 / 3999) = floor(6.50) = 6 -> reverse 3
    //      amount: 999 - floor(666.67) = 333
    const second = ret({ lines, earned: 13, previouslyReturned: { a: 1000 }, returning: [{ sku: 'b', quantity: 1 }] });
    expect(second).toMatchObject({
      pointsReversed: 3,
      pointsKept: 6,
      returnedAmount: 333,
      remaining: { a: 2000, b: 0 },
    });
    // 3rd: nothing remains: kept 0 -> reverse 6; amount 666
    const third = ret({
      lines,
      earned: 13,
      previouslyReturned: { a: 1000, b: 1000 },
      returning: [{ sku: 'a', quantity: 2 }],
    });
    expect(third).toMatchObject({ pointsReversed: 6, pointsKept: 0, returnedAmount: 666, fullyReturned: true });
    expect(first.pointsReversed + second.pointsReversed + third.pointsReversed).toBe(13);
    expect(first.returnedAmount + second.returnedAmount + third.returnedAmount).toBe(1333);
  });

  it('reverses exactly what was earned on a full return', () => {
    const all = ret({
      lines,
      earned: 13,
      returning: [
        { sku: 'a', quantity: 3 },
        { sku: 'b', quantity: 1 },
      ],
    });
    expect([all.pointsReversed, all.returnedQualifying, all.returnedAmount]).toEqual([13, 1333, 1333]);
  });

  it('handles weighed goods', () => {
    // 0.375 kg, eligible 546, earned 10; return 0.125 kg: remaining 546 × 250/375 = 364 exactly
    // kept floor(10 × 364 / 546) = floor(6.67) = 6 -> reverse 4; amount 546 - 364 = 182
    const r = ret({ lines: [sold('apple', 375, 546)], earned: 10, returning: [{ sku: 'apple', quantity: 0.125 }] });
    expect(r).toMatchObject({ pointsReversed: 4, returnedAmount: 182, remaining: { apple: 250 } });
  });
});

describe('computeReturn: points tender', () => {
  it('gives back redeemed points in proportion', () => {
    // 2 × a and 1 × b, net 1000 each; 500 points paid 250 fen on each; eligible 750 each; earned 15.
    const lines = [sold('a', 2000, 1000, 250), sold('b', 1000, 1000, 250)];
    // one a back: P left = 250/2 + 250 = 375: spent kept floor(500 × 375/500) = 375 -> restore 125
    //             eligible left = 375 + 750 = 1125: kept floor(15 × 1125/1500) = 11 -> reverse 4
    const one = ret({ lines, earned: 15, pointsRedeemed: 500, returning: [{ sku: 'a', quantity: 1 }] });
    expect(one).toMatchObject({ pointsRestored: 125, redeemedKept: 375, pointsReversed: 4, returnedAmount: 500 });
    // the other a: P left 250 -> restore 125; eligible 750: kept floor(7.5) = 7 -> reverse 4
    const two = ret({
      lines,
      earned: 15,
      pointsRedeemed: 500,
      previouslyReturned: { a: 1000 },
      returning: [{ sku: 'a', quantity: 1 }],
    });
    expect(two).toMatchObject({ pointsRestored: 125, pointsReversed: 4 });
    // b: restore 250, reverse 7 -> totals 500 and 15
    const three = ret({
      lines,
      earned: 15,
      pointsRedeemed: 500,
      previouslyReturned: { a: 2000 },
      returning: [{ sku: 'b', quantity: 1 }],
    });
    expect(three).toMatchObject({ pointsRestored: 250, pointsReversed: 7, fullyReturned: true });
  });

  it('works on the worked example of earn.test.ts', () => {
    // eligible 4548, 7277, 0 (tobacco), 546 = 12371; P 151, 241, 90, 18 = 500; earned 371.
    const rs = ruleSet({
      promotions: [{ id: 'member-day', name: name('member day'), multiplier: '2', weekdays: [3] }],
    });
    const earned = computeEarn(
      rs,
      sale({
        lines: [
          line('rice', 'grocery', 2500, 2),
          line('wine', 'drinks', 8800, 1, 800),
          line('cig', 'tobacco', 3000),
          line('apple', 'produce', 1600, 0.375),
        ],
        basketDiscount: 1000,
        pointsRedeemed: 500,
        occurredAt: '2024-05-07T17:00:00Z',
        member: member({ tier: 'gold' }),
      }),
    );
    expect(earned.points).toBe(371);
    const base = { lines: earned.lines, earned: 371, pointsRedeemed: 500 };
    // one rice back: eligible left 2274 + 7277 + 546 = 10097
    //   kept floor(371 × 10097 / 12371) = floor(302.80) = 302 -> reverse 69
    //   P left 75.5 + 241 + 90 + 18 = 424.5: kept floor(424.5) = 424 -> restore 76
    //   qualifying (net 4699 + 7518 + 564 = 12781) left 10431.5 -> 10431: drop 2350
    const rice = computeReturn({ ...base, previouslyReturned: {}, returning: [{ sku: 'rice', quantity: 1 }] });
    expect(rice).toMatchObject({
      pointsReversed: 69,
      pointsRestored: 76,
      returnedQualifying: 2350,
      returnedAmount: 2350,
    });
    // then the cigarettes: no earning to reverse, their 90 fen of points come back (424 -> 334),
    // qualifying unchanged, amount 13250 - floor(10431.5) = 2819
    const cig = computeReturn({
      ...base,
      previouslyReturned: { rice: 1000 },
      returning: [{ sku: 'cig', quantity: 1 }],
    });
    expect(cig).toMatchObject({ pointsReversed: 0, pointsRestored: 90, returnedQualifying: 0, returnedAmount: 2819 });
  });
});

describe('computeReturn: lines and refusals', () => {
  it('takes a sku repeated on several lines in line order', () => {
    // a: 1 unit eligible 100, then 2 units eligible 1000; earned 11.
    // returning 1.5 a: 1 from line 0, 0.5 from line 1 -> eligible left 1000 × 1.5/2 = 750
    // kept floor(11 × 750 / 1100) = floor(7.5) = 7 -> reverse 4
    const lines = [sold('a', 1000, 100), sold('a', 2000, 1000)];
    const r = ret({ lines, earned: 11, returning: [{ sku: 'a', quantity: 1.5 }] });
    expect(r).toMatchObject({ pointsReversed: 4, returned: { a: 1500 }, remaining: { a: 1500 } });
    // previously returned quantities are taken the same way: 1 a gone -> line 0 empty
    const r2 = ret({ lines, earned: 11, previouslyReturned: { a: 1000 }, returning: [{ sku: 'a', quantity: 0.5 }] });
    // before: 1000 left = kept 10; after 750 -> 7; reverse 3
    expect(r2.pointsReversed).toBe(3);
  });

  it('refuses unknown skus, too much and non-positive quantities', () => {
    const lines = [sold('a', 3000, 300)];
    const code = (i: Partial<ReturnInput>) => violation(() => ret({ lines, returning: [], ...i })).code;
    expect(code({ returning: [{ sku: 'z', quantity: 1 }] })).toBe('unknown_sku');
    expect(code({ previouslyReturned: { z: 1000 }, returning: [{ sku: 'a', quantity: 1 }] })).toBe('unknown_sku');
    expect(code({ returning: [{ sku: 'a', quantity: 4 }] })).toBe('return_exceeds_sale');
    expect(code({ previouslyReturned: { a: 1000 }, returning: [{ sku: 'a', quantity: 2.001 }] })).toBe(
      'return_exceeds_sale',
    );
    expect(
      code({
        returning: [
          { sku: 'a', quantity: 2 },
          { sku: 'a', quantity: 2 },
        ],
      }),
    ).toBe('return_exceeds_sale');
    expect(code({ returning: [{ sku: 'a', quantity: 0 }] })).toBe('invalid_basket');
    expect(code({ returning: [{ sku: 'a', quantity: -1 }] })).toBe('invalid_basket');
    expect(code({ returning: [] })).toBe('invalid_basket');
    expect(code({ earned: -1, returning: [{ sku: 'a', quantity: 1 }] })).toBe('invalid_basket');
  });

  it('accepts exactly what remains', () => {
    const r = ret({
      lines: [sold('a', 3000, 300)],
      earned: 3,
      previouslyReturned: { a: 1000 },
      returning: [{ sku: 'a', quantity: 2 }],
    });
    expect(r).toMatchObject({ pointsReversed: 2, fullyReturned: true, remaining: { a: 0 } });
  });
});
