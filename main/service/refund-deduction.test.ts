/**
 * A return the balance cannot cover under `deductFromRefund` (DOMAIN.md 6): the points short are
 * kept from the refund at the rate the member would get for them when redeeming, their tier's
 * (Diamond: 100 points buy ¥1.20, DOMAIN.md 4), as the till sees the tier at the return. A real
 * till over HTTP.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { startTill, type TestTill } from '../../test/helpers/till.js';

let t: TestTill;

/** The default programme with its tiers from ¥500, ¥1,000, ¥2,000 of spend, and refunds that pay for points short. */
const THRESHOLDS: Record<string, number> = { silver: 50_000, gold: 100_000, diamond: 200_000 };
const ruleSet = {
  tiers: DEFAULT_RULE_SET_INPUT.tiers.map((tier) => ({ ...tier, threshold: THRESHOLDS[tier.code] ?? tier.threshold })),
  returns: { insufficientBalance: 'deductFromRefund' as const },
};

const line = (sku: string, unitPrice: number) => ({ sku, category: 'electronics', quantity: 1, unitPrice });

beforeEach(async () => {
  t = await startTill({ now: '2025-03-05T02:00:00Z', ruleSet });
});

afterEach(async () => {
  await t.close();
});

async function enrol(phone: string): Promise<string> {
  const m = await t.post('/v1/members', { name: '钱', phone, consent: { marketing: false, text: 'v1' } });
  expect(m.status).toBe(201);
  return m.body.memberNo as string;
}

describe('refund deduction for points short', () => {
  it("values them at the member's tier ratio, the rate their redemption got, rounded up to the fen", async () => {
    const memberNo = await enrol('13500003333');
    // ¥3,000 earns 3,000 points at Ordinary and crosses Diamond's threshold: Diamond from the next sale.
    const x = await t.post('/v1/sales', { saleId: 'X', memberNo, lines: [line('A', 300_000)] });
    expect(x.body).toMatchObject({ pointsEarned: 3_000, tier: 'diamond' });
    // 2,900 points pay ¥34.80 at Diamond.
    const y = await t.post('/v1/sales', {
      saleId: 'Y',
      memberNo,
      lines: [line('B', 10_000)],
      tenders: [{ type: 'points', points: 2_900 }],
    });
    expect(y.status).toBe(201);
    expect(y.body.redemptionValue).toBe(3_480);
    const balance = y.body.balance as number;

    t.clock.set('2025-03-06T02:00:00Z');
    const r = await t.post('/v1/returns', { returnId: 'XR', originalSaleId: 'X', lines: [{ sku: 'A', quantity: 1 }] });
    expect(r.status).toBe(201);
    const short = 3_000 - balance;
    expect(r.body).toMatchObject({ pointsReversed: balance, pointsShort: short, balance: 0, tier: 'diamond' });
    // At 1.2 fen a point, rounded up: never less than what the kept points would pay.
    expect(r.body.refundDeduction).toBe(Math.ceil((short * 12) / 10));
    expect(r.body.refundDeduction).toBeGreaterThan(short);
  });

  it('an Ordinary member keeps back one fen a point, as before', async () => {
    const memberNo = await enrol('13500004444');
    await t.post('/v1/sales', { saleId: 'X', memberNo, lines: [line('A', 40_000)] });
    const y = await t.post('/v1/sales', {
      saleId: 'Y',
      memberNo,
      lines: [line('B', 1_000)],
      tenders: [{ type: 'points', points: 300 }],
    });
    expect(y.body.redemptionValue).toBe(300);
    t.clock.set('2025-03-06T02:00:00Z');
    const r = await t.post('/v1/returns', { returnId: 'XR', originalSaleId: 'X', lines: [{ sku: 'A', quantity: 1 }] });
    expect(r.body).toMatchObject({ tier: 'ordinary', balance: 0 });
    expect(r.body.refundDeduction).toBe(r.body.pointsShort);
    expect(r.body.pointsShort).toBeGreaterThan(0);
  });
});
