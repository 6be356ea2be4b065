/**
 * DOMAIN.md 3 "Stamp cards" and 4 ("a buy-redeem-refund loop cannot mint points"): a return takes
 * its sale's stamp back, the stamp reward it helped grant is kept (docs/decisions.md), and a stamp
 * re-earned up to the card's high mark grants no reward again. Before, the counter went down with
 * the return, so the next sale reached the same multiple of N and granted the reward once more:
 * buying and returning one article minted a reward per cycle.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { enrolRequest, shanghaiAt, startTill, type TestTill, foodLine } from './helpers/till.js';

let t: TestTill | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

describe('stamp card: a buy-return loop', () => {
  it('grants the reward once, not on every cycle', async () => {
    t = await startTill({
      now: shanghaiAt('2025-03-05', '10:00'),
      ruleSet: { stampCard: { threshold: 5000, stampsForReward: 2, rewardPoints: 200 } },
    });
    const m = (await t.post('/v1/members', enrolRequest())).body.memberNo as string;
    // Kept sale: ¥50 = one stamp.
    const s0 = await t.post('/v1/sales', { saleId: 'KEEP', memberNo: m, lines: [foodLine('A', 5000)] });
    expect(s0.status, JSON.stringify(s0.body)).toBe(201);
    let rewards = 0;
    for (let i = 1; i <= 5; i++) {
      const s = await t.post('/v1/sales', { saleId: `LOOP${i}`, memberNo: m, lines: [foodLine('A', 5000)] });
      expect(s.status, JSON.stringify(s.body)).toBe(201);
      rewards += (s.body.bonusPoints as number) > 0 ? 1 : 0;
      const r = await t.post('/v1/returns', {
        returnId: `LOOP${i}-R`,
        originalSaleId: `LOOP${i}`,
        lines: [{ sku: 'A', quantity: 1 }],
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const bonusEntries = t.ctx.ledger.entriesOf(m).filter((e) => e.kind === 'bonus' && e.data.bonus === 'stamp');
    // The kept sale and the first loop sale filled the card once; every later loop refilled it.
    expect(bonusEntries.length).toBe(1);
    expect(rewards).toBe(1);
    // The card's second reward comes with the fourth kept stamp, as without the returns.
    for (const id of ['NEXT1', 'NEXT2', 'NEXT3']) {
      expect((await t.post('/v1/sales', { saleId: id, memberNo: m, lines: [foodLine('A', 5000)] })).status).toBe(201);
    }
    expect(t.ctx.ledger.entriesOf(m).filter((e) => e.kind === 'bonus' && e.data.bonus === 'stamp')).toHaveLength(2);
  });
});
