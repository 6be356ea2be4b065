/**
 * Head office recomputes every uploaded return (domain/return-check.ts) against a real head
 * office on either store: an honest till's returns check out, at its own store or another's;
 * one that takes back fewer points than the rules is flagged on its row and in the summary,
 * logged, and its balance still follows its ledger (a flag, never a refusal).
 */
import { describe, expect, it } from 'vitest';
import { refundDeduction } from '../core/engine/redeem.js';
import { computeReturn } from '../core/engine/returns.js';
import { lowestTier } from '../core/engine/tiers.js';
import type { ReturnRecord, SaleComputation, SaleRecord } from '../core/sync/protocol.js';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { parseRuleSet } from '../core/ruleset/schema.js';
import { at, operator, provision, upload, uploadAll, type TestHq, type TillSim, useTwoTillHq } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

interface ReturnRow {
  return_id: string;
  points_reversed: number;
  recomputed_reversed: number | null;
  recomputed_restored: number | null;
  mismatch: number;
  check_note: string | null;
}

async function returnRows(): Promise<ReturnRow[]> {
  await t.hq.store.settle();
  return t.sql<ReturnRow>(
    `SELECT return_id, points_reversed, recomputed_reversed, recomputed_restored, mismatch, check_note
     FROM returns ORDER BY return_id`,
  );
}

async function mismatches(): Promise<{ tills: [string, number][]; summary: number }> {
  const tills = (await operator(t, 'GET', '/v1/tills')).body.tills as { tillId: string; mismatches: number }[];
  const summary = (await operator(t, 'GET', '/v1/reports/summary')).body.sales.mismatches as number;
  return { tills: tills.map((x) => [x.tillId, x.mismatches]), summary };
}

describe('returns recomputed at head office', () => {
  it("checks out an honest till's return, points tendered given back, in the batch of its sale or a later one", async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 100_000, at(1)); // 1,000 points
    const s2 = A.sale('M1', 20_000, at(2), { redeem: 300 });
    await uploadAll(t, A, 100);
    const from = A.headSeq + 1;
    const r = A.returnSale(s2.saleId, at(3)) as ReturnRecord;
    const s3 = A.sale('M1', 30_000, at(4));
    A.returnSale(s3.saleId, at(5));
    expect((await upload(t, A, A.batch(from))).status).toBe(200);
    const rows = await returnRows();
    expect(rows).toEqual([
      {
        return_id: r.returnId,
        points_reversed: r.pointsReversed,
        recomputed_reversed: r.pointsReversed,
        recomputed_restored: 300,
        mismatch: 0,
        check_note: 'ok',
      },
      expect.objectContaining({ return_id: `${s3.saleId}-R`, mismatch: 0, check_note: 'ok' }),
    ]);
    expect(await mismatches()).toEqual({
      tills: [
        ['A', 0],
        ['B', 0],
      ],
      summary: 0,
    });
  });

  it('flags a till that takes back fewer points than the rules, and keeps its ledger as sent', async () => {
    A.enrol('M1', at(0));
    const s = A.sale('M1', 100_000, at(1));
    A.returnSale(s.saleId, at(2), { shortBy: 400 });
    await uploadAll(t, A, 100);
    const [row] = await returnRows();
    expect(row).toMatchObject({
      points_reversed: s.pointsEarned - 400,
      recomputed_reversed: s.pointsEarned,
      mismatch: 1,
      check_note: `pointsReversed till=${s.pointsEarned - 400} hq=${s.pointsEarned}`,
    });
    expect(await mismatches()).toEqual({
      tills: [
        ['A', 1],
        ['B', 0],
      ],
      summary: 1,
    });
    // The operator sees which, and what differed.
    const listed = await operator(t, 'GET', '/v1/tills/A/mismatches');
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      tillId: 'A',
      truncated: false,
      mismatches: [
        {
          kind: 'return',
          id: `${s.saleId}-R`,
          saleId: s.saleId,
          originalTillId: 'A',
          occurredAt: at(2),
          receivedAt: expect.any(String),
          note: `pointsReversed till=${s.pointsEarned - 400} hq=${s.pointsEarned}`,
        },
      ],
    });
    expect((await operator(t, 'GET', '/v1/tills/B/mismatches')).body.mismatches).toEqual([]);
    expect((await operator(t, 'GET', '/v1/tills/Z/mismatches')).status).toBe(404);
    // A flag for review, not a correction: the member's balance is the ledger's.
    expect((await operator(t, 'GET', '/v1/members/M1')).body.ledgerBalance).toBe(400);
  });

  it("checks another store's return of the sale against every return head office holds of it", async () => {
    A.enrol('M1', at(0));
    const s = A.sale('M1', 100_000, at(1));
    await uploadAll(t, A, 100);
    // Till B takes the whole sale back, having asked head office (nothing returned yet).
    const comp = s.computation as { lines: { eligible: number }[]; earned: number };
    const returnId = 'B-RET-1';
    const common = { saleId: s.saleId, returnId };
    B.append('M1', 'reverse', comp.earned, at(5), {
      ...common,
      spend: -comp.lines.reduce((a, l) => a + l.eligible, 0),
      data: { lotId: `A:2`, spendOn: at(1).slice(0, 10) },
    });
    const ret: ReturnRecord = {
      returnId,
      originalSaleId: s.saleId,
      originalTillId: 'A',
      request: { returnId, originalSaleId: s.saleId, lines: [{ sku: 'SKU-1', quantity: 1 }] },
      pointsReversed: comp.earned,
      pointsRestored: 0,
      occurredAt: at(5),
      previouslyReturned: {},
    };
    expect((await upload(t, B, { ...B.batch(1), returns: [ret] })).status).toBe(200);
    expect((await returnRows())[0]).toMatchObject({ return_id: returnId, mismatch: 0, check_note: 'ok' });
    // Till A, offline meanwhile, takes the same article back: goods returned twice.
    const from = A.headSeq + 1;
    A.returnSale(s.saleId, at(6));
    expect((await upload(t, A, A.batch(from))).status).toBe(200);
    const rows = await returnRows();
    expect(rows.find((r) => r.return_id === `${s.saleId}-R`)).toMatchObject({
      mismatch: 1,
      check_note: 'returned_more_than_sold',
    });
    expect((await mismatches()).tills).toEqual([
      ['A', 1],
      ['B', 0],
    ]);
  });

  it('recomputes a campaign bonus taken back: passed once below the minimum, flagged when missing or taken twice', async () => {
    A.enrol('M1', at(0));
    // ¥250 of one article with 满200送300: the till gave the bonus and kept its minimum in the computation.
    const s = A.sale('M1', 25_000, at(1));
    const bonus = A.append('M1', 'bonus', 300, at(1), {
      saleId: s.saleId,
      data: { bonus: 'campaign', campaignId: 'spend-200', minSpend: 20_000 },
    });
    withBonus(s);
    const missed = A.sale('M1', 25_000, at(2));
    withBonus(missed);
    await uploadAll(t, A, 100);
    let from = A.headSeq + 1;
    // A tenth back keeps ¥225: no bonus back. Half more keeps ¥100: the bonus goes back, once.
    const returns = [
      takeBack(A, s, 'A-1', 0.1, {}, 0, at(3)),
      takeBack(A, s, 'A-2', 0.5, { 'SKU-1': 100 }, 300, at(4), `A:${bonus.seq}`),
      // The second sale's return drops below without taking the bonus back.
      takeBack(A, missed, 'A-3', 1, {}, 0, at(5)),
    ];
    expect((await upload(t, A, { ...A.batch(from), returns })).status).toBe(200);
    // Till B, having heard only of A-1, keeps ¥175 and takes the bonus back a second time.
    from = B.headSeq + 1;
    const twice = takeBack(B, s, 'B-1', 0.2, { 'SKU-1': 100 }, 300, at(6), `A:${bonus.seq}`);
    expect((await upload(t, B, { ...B.batch(from), returns: [{ ...twice, originalTillId: 'A' }] })).status).toBe(200);
    const notes = Object.fromEntries((await returnRows()).map((r) => [r.return_id, [r.mismatch, r.check_note]]));
    expect(notes).toEqual({
      'A-1': [0, 'ok'],
      'A-2': [0, 'ok'],
      'A-3': [1, 'bonusReverse spend-200 till=none hq=300'],
      'B-1': [1, 'bonusReverse spend-200 till=300 hq=none'],
    });
    expect((await mismatches()).tills).toEqual([
      ['A', 1],
      ['B', 1],
    ]);
  });

  it("recomputes the stamp a return takes back under the sale's own stamp card, and flags a till that keeps it", async () => {
    const card = {
      ...DEFAULT_RULE_SET_INPUT,
      version: 2,
      stampCard: { threshold: 5_000, stampsForReward: 10, rewardPoints: 100 },
    };
    expect((await operator(t, 'POST', '/v1/rulesets', card)).status).toBe(201);
    const C = await provision(t, 'S1', 'C', parseRuleSet(card));
    C.enrol('M1', at(0));
    const kept = C.sale('M1', 10_000, at(1));
    const stamped = C.sale('M1', 10_000, at(2));
    expect((kept.computation as SaleComputation).stampEarned).toBe(1);
    C.returnSale(stamped.saleId, at(3));
    C.returnSale(kept.saleId, at(4), { keepStamp: true });
    await uploadAll(t, C, 100);
    const notes = Object.fromEntries((await returnRows()).map((r) => [r.return_id, [r.mismatch, r.check_note]]));
    expect(notes).toEqual({
      [`${stamped.saleId}-R`]: [0, 'ok'],
      [`${kept.saleId}-R`]: [1, 'stampReturn till=0 hq=1'],
    });
    expect((await mismatches()).tills).toContainEqual(['C', 1]);
  });

  it("checks a shortfall under deductFromRefund against the till's view rebuilt from the return's basis", async () => {
    const policy = { ...DEFAULT_RULE_SET_INPUT, version: 2, returns: { insufficientBalance: 'deductFromRefund' } };
    expect((await operator(t, 'POST', '/v1/rulesets', policy)).status).toBe(201);
    const C = await provision(t, 'S1', 'C', parseRuleSet(policy));
    // No confirmed state yet (cursor 0): the till's view is its own chain, 3 x 1,000 earned, 2,900 spent.
    const basis = { cursor: 0, confirmedThrough: 0 };
    C.enrol('M1', at(0));
    const [s1, s2, s3] = [C.sale('M1', 100_000, at(1)), C.sale('M1', 100_000, at(2)), C.sale('M1', 100_000, at(3))];
    C.redeem('M1', 2_900, at(4));
    // The 100 left covers 100 of the first return's 1,000 (short 900); nothing covers the next two.
    const honest = C.returnSale(s1.saleId, at(5), { shortBy: 900, basis }) as ReturnRecord;
    const greedy = C.returnSale(s2.saleId, at(6), { shortBy: 1_000, basis }) as ReturnRecord;
    const older = C.returnSale(s3.saleId, at(7), { shortBy: 1_000 }) as ReturnRecord;
    await uploadAll(t, C, 100);
    const notes = Object.fromEntries((await returnRows()).map((r) => [r.return_id, [r.mismatch, r.check_note]]));
    expect(notes).toEqual({
      [honest.returnId]: [0, 'short 900'],
      [greedy.returnId]: [0, 'short 1000'],
      [older.returnId]: [0, 'short 1000 unchecked'],
    });
  });

  it("flags a shortfall under deductFromRefund that the balance in the till's view would have covered", async () => {
    const policy = { ...DEFAULT_RULE_SET_INPUT, version: 2, returns: { insufficientBalance: 'deductFromRefund' } };
    expect((await operator(t, 'POST', '/v1/rulesets', policy)).status).toBe(201);
    const C = await provision(t, 'S1', 'C', parseRuleSet(policy));
    C.enrol('M1', at(0));
    const s = C.sale('M1', 100_000, at(1));
    C.sale('M1', 50_000, at(2));
    // 500 left after it covers the reversal in full; the till keeps 400 of it back all the same.
    const r = C.returnSale(s.saleId, at(3), {
      shortBy: 400,
      basis: { cursor: 0, confirmedThrough: 0 },
    }) as ReturnRecord;
    await uploadAll(t, C, 100);
    const [row] = await returnRows();
    expect(row).toMatchObject({
      return_id: r.returnId,
      mismatch: 1,
      check_note: 'pointsReversed till=600 hq=1000; pointsShort till=400 hq=0 balance=1500',
    });
    expect((await mismatches()).tills).toContainEqual(['C', 1]);
  });

  it("checks the money a refund kept for the points short, at the tier in the till's view", async () => {
    const policy = { ...DEFAULT_RULE_SET_INPUT, version: 2, returns: { insufficientBalance: 'deductFromRefund' } };
    expect((await operator(t, 'POST', '/v1/rulesets', policy)).status).toBe(201);
    const rs = parseRuleSet(policy);
    const C = await provision(t, 'S1', 'C', rs);
    const basis = { cursor: 0, confirmedThrough: 0 };
    C.enrol('M1', at(0));
    const [s1, s2] = [C.sale('M1', 100_000, at(1)), C.sale('M1', 100_000, at(2))];
    C.redeem('M1', 1_900, at(3));
    // 100 left: the first return is 900 short, the second 1,000, both at the lowest tier's value.
    const due = (short: number): number => refundDeduction(rs, lowestTier(rs).code, short);
    const right = C.returnSale(s1.saleId, at(4), { shortBy: 900, basis, refundDeduction: due(900) }) as ReturnRecord;
    const more = C.returnSale(s2.saleId, at(5), {
      shortBy: 1_000,
      basis,
      refundDeduction: due(1_000) + 500,
    }) as ReturnRecord;
    await uploadAll(t, C, 100);
    const notes = Object.fromEntries((await returnRows()).map((r) => [r.return_id, [r.mismatch, r.check_note]]));
    expect(notes).toEqual({
      [right.returnId]: [0, 'short 900'],
      [more.returnId]: [1, `refundDeduction till=${due(1_000) + 500} hq=${due(1_000)}`],
    });
  });

  it('ignores a resent return', async () => {
    A.enrol('M1', at(0));
    const s = A.sale('M1', 100_000, at(1));
    A.returnSale(s.saleId, at(2), { shortBy: 1 });
    await uploadAll(t, A, 100);
    expect((await upload(t, A, A.batch(1))).status).toBe(200);
    expect(await returnRows()).toHaveLength(1);
    expect((await mismatches()).summary).toBe(1);
  });
});

/** The sale as a till that gave it 满200送300 keeps it (its record travels with the batch). */
function withBonus(s: SaleRecord): void {
  const comp = s.computation as SaleComputation;
  comp.campaignBonuses = [{ campaignId: 'spend-200', points: 300, minSpend: 20_000 }];
}

/**
 * A return of `quantity` of the sale's one article at `till`, as a till records it: the engine's
 * sale points reversed and, when `bonusBack`, a bonus reversal naming the bonus entry.
 */
function takeBack(
  till: TillSim,
  s: SaleRecord,
  returnId: string,
  quantity: number,
  previously: Record<string, number>,
  bonusBack: number,
  when: string,
  lotId = '',
): ReturnRecord {
  const comp = s.computation as SaleComputation;
  const lines = [{ sku: 'SKU-1', quantity }];
  const r = computeReturn({ ...comp, previouslyReturned: previously, returning: lines });
  const common = { saleId: s.saleId, returnId };
  const spendOn = s.occurredAt.slice(0, 10);
  till.append('M1', 'reverse', r.pointsReversed, when, {
    ...common,
    spend: -r.returnedQualifying,
    data: { spendOn },
  });
  if (bonusBack > 0) {
    till.append('M1', 'reverse', bonusBack, when, {
      ...common,
      data: { lotId, campaignId: 'spend-200', bonusReturn: true, spendOn },
    });
  }
  const rec: ReturnRecord = {
    returnId,
    originalSaleId: s.saleId,
    request: { returnId, originalSaleId: s.saleId, lines },
    pointsReversed: r.pointsReversed,
    pointsRestored: 0,
    occurredAt: when,
    previouslyReturned: previously,
  };
  return rec;
}
