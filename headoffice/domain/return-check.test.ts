/**
 * Head office's recomputation of a till's return (return-check.ts): what a till computes with
 * core/engine/returns.ts passes, whatever series of partial returns; every way of taking back
 * too little, giving back too much or claiming a history that cannot be is flagged.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bonusesTakenBack, keptEligible, stampTakenBack } from '../../core/engine/bonus-return.js';
import { computeEarn } from '../../core/engine/earn.js';
import { computeReturn } from '../../core/engine/returns.js';
import { member, sale as earnInput } from '../../core/engine/test-fixtures.js';
import { DEFAULT_RULE_SET } from '../../core/ruleset/default.js';
import type { SaleComputation } from '../../core/sync/protocol.js';
import { checkReturn, type Quantities, type ReturnCheckInput } from './return-check.js';

const LINES = [
  { sku: 'TEA', name: 'Tea', category: 'grocery', quantity: 3, unitPrice: 5_000, discount: 0 },
  { sku: 'RICE', name: 'Rice', category: 'grocery', quantity: 2, unitPrice: 3_333, discount: 0 },
];

function sale(redeem = 0): SaleComputation {
  const r = computeEarn(
    DEFAULT_RULE_SET,
    earnInput({ lines: LINES, pointsRedeemed: redeem, member: member({ memberNo: 'M1' }) }),
  );
  return { lines: r.lines, earned: r.points, pointsRedeemed: redeem, stampEarned: r.stampEarned };
}

const COMP = sale(400);

type Returning = { sku: string; quantity: number }[];

/** A return as an honest till records it: the engine's figures, its entries, its claim. */
function honest(
  comp: SaleComputation,
  previously: Quantities,
  returning: Returning,
  bonusesTaken: string[] = [],
  stamp?: ReturnCheckInput['stamp'],
): ReturnCheckInput {
  const kept = keptEligible(comp.lines, previously, returning);
  const back = bonusesTakenBack(comp.campaignBonuses, kept, new Set(bonusesTaken));
  const stampBack = stamp !== undefined && stampTakenBack(comp.stampEarned, stamp.threshold, kept, stamp.takenBefore);
  const r = computeReturn({
    lines: comp.lines,
    earned: comp.earned,
    pointsRedeemed: comp.pointsRedeemed,
    previouslyReturned: previously,
    returning,
  });
  return {
    ret: {
      request: { lines: returning },
      pointsReversed: r.pointsReversed,
      pointsRestored: r.pointsRestored,
      previouslyReturned: previously,
    },
    original: { memberNo: 'M1', computation: comp },
    ownEarlier: previously,
    others: {},
    othersBefore: {},
    entries: [
      ...(r.pointsRestored > 0 ? [{ kind: 'restore', points: r.pointsRestored, spend: 0 }] : []),
      { kind: 'reverse', points: r.pointsReversed, spend: -r.returnedQualifying },
      ...back.map((b) => ({
        kind: 'reverse',
        points: b.points,
        spend: 0,
        data: { lotId: 'A:2', campaignId: b.campaignId, bonusReturn: true, spendOn: '2024-05-08' },
      })),
      ...(stampBack ? [{ kind: 'stamp_return', points: 0, spend: 0 }] : []),
    ],
    bonusesTaken,
    ...(stamp ? { stamp } : {}),
    policy: 'allowNegative',
  };
}

/**
 * COMP with 满150送300: eligible ¥216.66 less the ¥4 of points = 21,266 fen (teas 14,723, rice
 * 6,543). One tea back keeps floor(14,723 × 2/3 + 6,543) = 16,358 (≥ ¥150); a rice after it
 * keeps floor(14,723 × 2/3 + 6,543 / 2) = 13,086 (below).
 */
const BONUS_COMP: SaleComputation = {
  ...COMP,
  campaignBonuses: [{ campaignId: 'spend-150', points: 300, minSpend: 15_000 }],
};
const TEA_1: Returning = [{ sku: 'TEA', quantity: 1 }];
const RICE_1: Returning = [{ sku: 'RICE', quantity: 1 }];
const bonusEntries = (i: ReturnCheckInput): ReturnCheckInput['entries'] => i.entries.filter((e) => e.data?.bonusReturn);

const ALL: Returning = [
  { sku: 'TEA', quantity: 3 },
  { sku: 'RICE', quantity: 2 },
];

describe('checkReturn', () => {
  it("passes an honest till's full return with the figures it recomputed", () => {
    const c = checkReturn(honest(COMP, {}, ALL));
    expect(c).toEqual({ recomputedReversed: COMP.earned, recomputedRestored: 400, mismatch: false, note: 'ok' });
  });

  it('flags a till that reverses fewer points, in its record and its entry', () => {
    const input = honest(COMP, {}, ALL);
    const c = checkReturn({
      ...input,
      ret: { ...input.ret, pointsReversed: input.ret.pointsReversed - 10 },
      entries: input.entries.map((e) => (e.kind === 'reverse' ? { ...e, points: e.points - 10 } : e)),
    });
    expect(c.mismatch).toBe(true);
    expect(c.note).toBe(`pointsReversed till=${COMP.earned - 10} hq=${COMP.earned}`);
  });

  it('flags an entry that reverses less than the record says', () => {
    const input = honest(COMP, {}, ALL);
    const c = checkReturn({
      ...input,
      entries: input.entries.map((e) => (e.kind === 'reverse' ? { ...e, points: 1 } : e)),
    });
    expect(c.note).toBe(`reverseEntry till=1 hq=${COMP.earned}`);
  });

  it('flags points given back beyond what paid for the goods, and spend not taken back', () => {
    const input = honest(COMP, {}, [{ sku: 'TEA', quantity: 1 }]);
    const c = checkReturn({
      ...input,
      ret: { ...input.ret, pointsRestored: input.ret.pointsRestored + 50 },
      entries: input.entries.map((e) =>
        e.kind === 'restore' ? { ...e, points: e.points + 50 } : { ...e, spend: e.spend + 100 },
      ),
    });
    expect(c.mismatch).toBe(true);
    expect(c.note).toContain('restoreEntry');
    expect(c.note).toContain('reverseSpend');
    expect(c.note).toContain('pointsRestored');
  });

  it('notes a shortfall under deductFromRefund and flags it under allowNegative', () => {
    const input = honest(COMP, {}, ALL);
    const shorted = {
      ...input,
      ret: { ...input.ret, pointsReversed: 5 },
      entries: input.entries.map((e) => (e.kind === 'reverse' ? { ...e, points: 5 } : e)),
    };
    // A till before `basis`: head office cannot rebuild its view, so the shortfall is its word.
    expect(checkReturn({ ...shorted, policy: 'deductFromRefund' })).toMatchObject({
      mismatch: false,
      note: `short ${COMP.earned - 5} unchecked`,
    });
    expect(checkReturn(shorted).mismatch).toBe(true);
  });

  it('passes a series of partial returns, each with what came before', () => {
    const first = honest(COMP, {}, [{ sku: 'TEA', quantity: 1 }]);
    expect(checkReturn(first).note).toBe('ok');
    const second = honest(COMP, { TEA: 1000 }, [
      { sku: 'TEA', quantity: 2 },
      { sku: 'RICE', quantity: 1 },
    ]);
    expect(checkReturn(second).note).toBe('ok');
  });

  it("flags a claim below the till's own earlier returns or above every return held", () => {
    const under = honest(COMP, {}, [{ sku: 'TEA', quantity: 1 }]);
    expect(checkReturn({ ...under, ownEarlier: { TEA: 1000 } }).note).toContain(
      'previouslyReturned TEA till=0 hq=1000..1000',
    );
    const over = honest(COMP, { TEA: 2000 }, [{ sku: 'TEA', quantity: 1 }]);
    const c = checkReturn({ ...over, ownEarlier: { TEA: 1000 }, others: {} });
    expect(c.mismatch).toBe(true);
    expect(c.note).toContain('previouslyReturned TEA till=2000 hq=1000..1000');
    // Another till's return head office holds makes the claim possible.
    expect(checkReturn({ ...over, ownEarlier: { TEA: 1000 }, others: { TEA: 1000 } }).note).toBe('ok');
  });

  it("recomputes an older till's return (no claim) with what head office held when it happened", () => {
    const input = honest(COMP, { TEA: 1000 }, [{ sku: 'TEA', quantity: 1 }]);
    const { previouslyReturned: _claim, ...ret } = input.ret;
    void _claim;
    const older = { ...input, ret, ownEarlier: {}, others: { TEA: 2000 }, othersBefore: { TEA: 1000 } };
    expect(checkReturn(older).note).toBe('ok');
  });

  it('flags goods taken back twice across tills', () => {
    // This till returned two teas having heard of none; another till had returned two already.
    const input = honest(COMP, {}, [{ sku: 'TEA', quantity: 2 }]);
    const c = checkReturn({ ...input, others: { TEA: 2000 } });
    expect(c.mismatch).toBe(true);
    expect(c.note).toBe('returned_more_than_sold');
  });

  it('flags what it cannot recompute, and leaves a sale kept without its computation unchecked', () => {
    const input = honest(COMP, {}, ALL);
    expect(checkReturn({ ...input, original: null }).note).toBe('unknown_original_sale');
    expect(checkReturn({ ...input, ret: { ...input.ret, request: { lines: 'x' } } }).note).toBe('unparseable_request');
    expect(
      checkReturn({ ...input, ret: { ...input.ret, request: { lines: [{ sku: 'GOLD', quantity: 1 }] } } }).note,
    ).toBe('engine_refused:unknown_sku');
    expect(
      checkReturn({ ...input, ret: { ...input.ret, request: { lines: [{ sku: 'TEA', quantity: 4 }] } } }).note,
    ).toBe('engine_refused:return_exceeds_sale');
    expect(checkReturn({ ...input, original: { memberNo: 'M1', computation: null } })).toMatchObject({
      mismatch: false,
      note: 'not_checked: no computation',
    });
  });

  it('passes an anonymous sale returned, with no entries', () => {
    const anon = { ...sale(0), earned: 0 };
    const input = honest(anon, {}, ALL);
    expect(checkReturn({ ...input, original: { memberNo: null, computation: anon }, entries: [] }).note).toBe('ok');
  });
});

describe('checkReturn: a campaign bonus taken back (docs/campaigns.md "Returns")', () => {
  it('passes a return that keeps the minimum without one, and the return that drops below it with one', () => {
    const keeps = honest(BONUS_COMP, {}, TEA_1);
    expect(bonusEntries(keeps)).toEqual([]);
    expect(checkReturn(keeps).note).toBe('ok');
    const drops = honest(BONUS_COMP, { TEA: 1000 }, RICE_1);
    expect(bonusEntries(drops).map((e) => e.points)).toEqual([300]);
    // The sale points' reverse entry is compared apart: the bonus's 300 do not make it differ.
    expect(checkReturn(drops)).toMatchObject({ mismatch: false, note: 'ok' });
  });

  it('flags a missing bonus reversal, and one where none is due', () => {
    const drops = honest(BONUS_COMP, { TEA: 1000 }, RICE_1);
    const missing = checkReturn({ ...drops, entries: drops.entries.filter((e) => !e.data?.bonusReturn) });
    expect(missing).toMatchObject({ mismatch: true, note: 'bonusReverse spend-150 till=none hq=300' });
    const keeps = honest(BONUS_COMP, {}, TEA_1);
    const early = checkReturn({ ...keeps, entries: [...keeps.entries, ...bonusEntries(drops)] });
    expect(early).toMatchObject({ mismatch: true, note: 'bonusReverse spend-150 till=300 hq=none' });
    const wrong = checkReturn({
      ...drops,
      entries: drops.entries.map((e) => (e.data?.bonusReturn ? { ...e, points: 30 } : e)),
    });
    expect(wrong.note).toBe('bonusReverse spend-150 till=30 hq=300');
  });

  it('flags a second reversal after an earlier return head office holds took it back', () => {
    const after = honest(BONUS_COMP, { TEA: 1000, RICE: 1000 }, TEA_1, ['spend-150']);
    expect(bonusEntries(after)).toEqual([]);
    expect(checkReturn(after).note).toBe('ok');
    const again = honest(BONUS_COMP, { TEA: 1000, RICE: 1000 }, TEA_1);
    expect(checkReturn({ ...again, bonusesTaken: ['spend-150'] })).toMatchObject({
      mismatch: true,
      note: 'bonusReverse spend-150 till=300 hq=none',
    });
  });

  it('adds a bonus reversed short to the shortfall noted under deductFromRefund; flags it under allowNegative', () => {
    const drops = honest(BONUS_COMP, { TEA: 1000 }, RICE_1);
    const shorted = {
      ...drops,
      entries: drops.entries.map((e) => (e.data?.bonusReturn ? { ...e, points: 100 } : e)),
    };
    expect(checkReturn({ ...shorted, policy: 'deductFromRefund' })).toMatchObject({
      mismatch: false,
      note: 'short 200 unchecked',
    });
    expect(checkReturn(shorted).mismatch).toBe(true);
  });

  it('has no bonus to take back from a sale of an older till (no campaignBonuses)', () => {
    const old = honest(COMP, { TEA: 1000 }, RICE_1);
    expect(checkReturn(old).note).toBe('ok');
    const drops = honest(BONUS_COMP, { TEA: 1000 }, RICE_1);
    expect(checkReturn({ ...old, entries: [...old.entries, ...bonusEntries(drops)] }).note).toBe(
      'bonusReverse spend-150 till=300 hq=none',
    );
  });
});

/** COMP with a stamp earned at a ¥150 threshold: one tea back keeps 16,358 fen, a rice after it 13,086 (as for BONUS_COMP). */
const STAMP_COMP: SaleComputation = { ...COMP, stampEarned: 1 };
const CARD = { threshold: 15_000, takenBefore: false };
const stampEntries = (i: ReturnCheckInput): ReturnCheckInput['entries'] =>
  i.entries.filter((e) => e.kind === 'stamp_return');

describe('checkReturn: a stamp taken back', () => {
  it('passes a return that keeps the threshold without one, and the return that drops below it with one', () => {
    const keeps = honest(STAMP_COMP, {}, TEA_1, [], CARD);
    expect(stampEntries(keeps)).toEqual([]);
    expect(checkReturn(keeps).note).toBe('ok');
    const drops = honest(STAMP_COMP, { TEA: 1000 }, RICE_1, [], CARD);
    expect(stampEntries(drops)).toHaveLength(1);
    expect(checkReturn(drops)).toMatchObject({ mismatch: false, note: 'ok' });
  });

  it('flags a till that keeps the stamp, and one that takes it back where none is due', () => {
    const drops = honest(STAMP_COMP, { TEA: 1000 }, RICE_1, [], CARD);
    const kept = checkReturn({ ...drops, entries: drops.entries.filter((e) => e.kind !== 'stamp_return') });
    expect(kept).toMatchObject({ mismatch: true, note: 'stampReturn till=0 hq=1' });
    const keeps = honest(STAMP_COMP, {}, TEA_1, [], CARD);
    const early = checkReturn({ ...keeps, entries: [...keeps.entries, ...stampEntries(drops)] });
    expect(early).toMatchObject({ mismatch: true, note: 'stampReturn till=1 hq=0' });
    const twice = checkReturn({ ...drops, entries: [...drops.entries, ...stampEntries(drops)] });
    expect(twice.note).toBe('stampReturn till=2 hq=1');
  });

  it('flags a second one after an earlier return head office holds took the stamp back', () => {
    const after = honest(STAMP_COMP, { TEA: 1000, RICE: 1000 }, TEA_1, [], { ...CARD, takenBefore: true });
    expect(stampEntries(after)).toEqual([]);
    expect(checkReturn(after).note).toBe('ok');
    const again = honest(STAMP_COMP, { TEA: 1000, RICE: 1000 }, TEA_1, [], CARD);
    expect(checkReturn({ ...again, stamp: { ...CARD, takenBefore: true } })).toMatchObject({
      mismatch: true,
      note: 'stampReturn till=1 hq=0',
    });
  });

  it('has no stamp to take back from a sale that earned none or a rule set without a card, and compares none without the rule set', () => {
    const drops = honest(STAMP_COMP, { TEA: 1000 }, RICE_1, [], CARD);
    const none = honest(COMP, { TEA: 1000 }, RICE_1, [], CARD);
    expect(stampEntries(none)).toEqual([]);
    expect(checkReturn({ ...none, entries: [...none.entries, ...stampEntries(drops)] }).note).toBe(
      'stampReturn till=1 hq=0',
    );
    const noCard = { ...drops, stamp: { threshold: undefined, takenBefore: false } };
    expect(checkReturn(noCard).note).toBe('stampReturn till=1 hq=0');
    const { stamp: _unknownRules, ...unheld } = drops;
    expect(checkReturn({ ...unheld, entries: [] }).note).not.toContain('stampReturn');
  });
});

describe('checkReturn, property', () => {
  it('passes every return of any series an honest till records, at one till or two', () => {
    const qty = { TEA: 3000, RICE: 2000 };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.array(fc.record({ tea: fc.nat(3), rice: fc.nat(2), atOther: fc.boolean() }), { minLength: 1, maxLength: 6 }),
        (redeem, steps) => {
          const comp = { ...sale(redeem), campaignBonuses: BONUS_COMP.campaignBonuses, stampEarned: 1 };
          const taken: string[] = [];
          let stamps = 0;
          const mine: Record<string, number> = { TEA: 0, RICE: 0 };
          const theirs: Record<string, number> = { TEA: 0, RICE: 0 };
          for (const s of steps) {
            const left = { TEA: qty.TEA - mine.TEA! - theirs.TEA!, RICE: qty.RICE - mine.RICE! - theirs.RICE! };
            const returning: Returning = [
              ...(Math.min(s.tea * 1000, left.TEA) > 0
                ? [{ sku: 'TEA', quantity: Math.min(s.tea * 1000, left.TEA) / 1000 }]
                : []),
              ...(Math.min(s.rice * 1000, left.RICE) > 0
                ? [{ sku: 'RICE', quantity: Math.min(s.rice * 1000, left.RICE) / 1000 }]
                : []),
            ];
            if (returning.length === 0) continue;
            const previously = { TEA: mine.TEA! + theirs.TEA!, RICE: mine.RICE! + theirs.RICE! };
            // The returning till is "this" one: its own earlier returns and the other's as head office holds them.
            const own = s.atOther ? theirs : mine;
            const other = s.atOther ? mine : theirs;
            const input = honest(comp, previously, returning, [...taken], { ...CARD, takenBefore: stamps > 0 });
            const c = checkReturn({ ...input, ownEarlier: { ...own }, others: { ...other } });
            expect(c.note).toBe('ok');
            // Taken back once over the whole series, whichever till's return got there first.
            for (const e of bonusEntries(input)) taken.push(e.data?.campaignId as string);
            expect(taken.length).toBeLessThanOrEqual(1);
            stamps += stampEntries(input).length;
            expect(stamps).toBeLessThanOrEqual(1);
            for (const l of returning) own[l.sku] = (own[l.sku] ?? 0) + Math.round(l.quantity * 1000);
          }
        },
      ),
    );
  });
});

/** `input` with the sale points' reversal and each bonus's as a till took them (`[sale, ...bonuses]`). */
function reversing(input: ReturnCheckInput, [salePoints, ...bonuses]: number[]): ReturnCheckInput {
  let i = 0;
  return {
    ...input,
    ret: { ...input.ret, pointsReversed: salePoints as number },
    entries: input.entries.map((e) =>
      e.kind !== 'reverse'
        ? e
        : e.data?.bonusReturn
          ? { ...e, points: bonuses[i++] as number }
          : { ...e, points: salePoints as number },
    ),
    policy: 'deductFromRefund',
  };
}

describe("checkReturn: a shortfall under deductFromRefund against the till's view (its basis)", () => {
  const full = honest(COMP, {}, ALL);
  const restored = full.ret.pointsRestored;
  const earned = full.ret.pointsReversed;

  it("passes the shortfall the balance in the till's view leaves, and notes it", () => {
    // The balance plus the points the return gives back covers 5 of the reversal.
    const ok = checkReturn({ ...reversing(full, [5]), viewBalance: 5 - restored });
    expect(ok).toMatchObject({ mismatch: false, note: `short ${earned - 5}` });
    // Nothing at all covered: a negative balance in the view counts as none.
    expect(checkReturn({ ...reversing(full, [0]), viewBalance: -50 - restored })).toMatchObject({
      mismatch: false,
      note: `short ${earned}`,
    });
  });

  it('flags a shortfall the balance would have covered', () => {
    const c = checkReturn({ ...reversing(full, [5]), viewBalance: 10_000 });
    expect(c.mismatch).toBe(true);
    expect(c.note).toContain(`pointsReversed till=5 hq=${earned}`);
    expect(c.note).toContain(`pointsShort till=${earned - 5} hq=0 balance=10000`);
  });

  it('flags a shortfall larger or smaller than the balance leaves', () => {
    const more = checkReturn({ ...reversing(full, [3]), viewBalance: 5 - restored });
    expect(more.note).toBe(
      `pointsReversed till=3 hq=5; pointsShort till=${earned - 3} hq=${earned - 5} balance=${5 - restored}`,
    );
    const less = checkReturn({ ...reversing(full, [8]), viewBalance: 5 - restored });
    expect(less.mismatch).toBe(true);
  });

  it('flags a full reversal the balance could not cover (the member was owed a shortfall)', () => {
    const c = checkReturn({ ...reversing(full, [earned]), viewBalance: 5 - restored });
    expect(c.note).toContain(`pointsShort till=0 hq=${earned - 5}`);
  });

  it('passes a full reversal the balance covers, with no shortfall noted', () => {
    expect(checkReturn({ ...reversing(full, [earned]), viewBalance: earned - restored })).toMatchObject({
      mismatch: false,
      note: 'ok',
    });
  });

  it('takes the shortfall from the campaign bonus before the sale points, as the till does', () => {
    const drops = honest(BONUS_COMP, { TEA: 1000 }, RICE_1);
    const sale = drops.ret.pointsReversed;
    const back = drops.ret.pointsRestored;
    // The balance covers the sale points and 100 of the bonus's 300.
    const view = sale + 100 - back;
    expect(checkReturn({ ...reversing(drops, [sale, 100]), viewBalance: view })).toMatchObject({
      mismatch: false,
      note: 'short 200',
    });
    // The same 200 short taken from the sale points instead is flagged.
    const wrong = checkReturn({ ...reversing(drops, [sale - 200, 300]), viewBalance: view });
    expect(wrong.mismatch).toBe(true);
    expect(wrong.note).toContain('bonusReverse spend-150 till=300 hq=100');
  });

  it("checks the fen the refund kept for the points short, at the tier in the till's view", () => {
    // 2 fen a point, say: what the till's tier makes of them (core/engine/redeem.ts refundDeduction).
    const deductionFor = (short: number): number => short * 2;
    const short = earned - 5;
    const input = { ...reversing(full, [5]), viewBalance: 5 - restored, deductionFor };
    expect(checkReturn({ ...input, ret: { ...input.ret, refundDeduction: short * 2 } })).toMatchObject({
      mismatch: false,
      note: `short ${short}`,
    });
    expect(checkReturn({ ...input, ret: { ...input.ret, refundDeduction: short * 3 } })).toMatchObject({
      mismatch: true,
      note: `refundDeduction till=${short * 3} hq=${short * 2}`,
    });
    // A till before the field: not compared.
    expect(checkReturn(input).mismatch).toBe(false);
  });

  it('flags money kept from a refund where no points were short, or under allowNegative', () => {
    const covered = { ...reversing(full, [earned]), viewBalance: earned, deductionFor: (n: number) => n * 2 };
    expect(checkReturn({ ...covered, ret: { ...covered.ret, refundDeduction: 0 } }).note).toBe('ok');
    expect(checkReturn({ ...covered, ret: { ...covered.ret, refundDeduction: 10 } }).note).toBe(
      'refundDeduction till=10 hq=0',
    );
    expect(checkReturn({ ...full, ret: { ...full.ret, refundDeduction: 10 } }).note).toBe(
      'refundDeduction till=10 hq=0',
    );
    expect(checkReturn({ ...full, ret: { ...full.ret, refundDeduction: 0 } }).note).toBe('ok');
  });

  it('is the same exact comparison as before under allowNegative, whatever the view', () => {
    expect(checkReturn({ ...full, viewBalance: -1_000 }).note).toBe('ok');
    expect(checkReturn({ ...reversing(full, [5]), policy: 'allowNegative', viewBalance: 0 }).mismatch).toBe(true);
  });

  it("any balance: the honest till's reversal passes and any other amount is flagged (property)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -5_000, max: 5_000 }), fc.integer({ min: 0, max: earned }), (balance, taken) => {
        const coverable = Math.max(0, balance + restored);
        const honestTaken = Math.min(earned, coverable);
        const c = checkReturn({ ...reversing(full, [taken]), viewBalance: balance });
        expect(c.mismatch).toBe(taken !== honestTaken);
        if (taken === honestTaken) expect(c.note).toBe(earned > taken ? `short ${earned - taken}` : 'ok');
      }),
    );
  });
});
