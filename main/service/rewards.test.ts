import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startTill, type TestTill } from '../../test/helpers/till.js';

let t: TestTill;

async function post(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const r = await t.post(path, body);
  return { status: r.status, json: r.body as Record<string, unknown> };
}

beforeEach(async () => {
  t = await startTill({ now: '2026-03-10T04:00:00Z' });
});

afterEach(async () => {
  await t.close();
});

describe('reward catalogue and coupons', () => {
  it('spends points on a reward, issues a coupon that can be used exactly once', async () => {
    const m = await post('/v1/members', {
      name: '李四',
      phone: '13900001111',
      consent: { marketing: false, text: 'v1' },
    });
    const memberNo = m.json.memberNo as string;
    // ¥1,200 sale earns 1,200 points at Ordinary x1.
    await post('/v1/sales', {
      saleId: 'S1',
      memberNo,
      lines: [{ sku: 'tv', category: 'electronics', quantity: 1, unitPrice: 120000 }],
    });
    const r = await post('/v1/rewards/redeem', { memberNo, rewardId: 'coupon-10' });
    expect(r.status).toBe(201);
    expect(r.json.pointsSpent).toBe(1000);
    expect(r.json.balance).toBe(200);
    const coupon = r.json.coupon as { code: string; value: number; validFrom: string; validTo: string };
    expect(coupon.value).toBe(1000);
    expect(coupon.validFrom).toBe('2026-03-10');
    // default validDays 90, both ends inclusive
    expect(coupon.validTo).toBe('2026-06-07');

    const used = await post('/v1/coupons/use', { code: coupon.code, saleId: 'S2' });
    expect(used.status).toBe(200);
    expect(used.json.usedSaleId).toBe('S2');
    const again = await post('/v1/coupons/use', { code: coupon.code });
    expect(again.status).toBe(409);
    expect((again.json.error as { code: string }).code).toBe('coupon_used');
  });

  it('refuses a reward the balance cannot pay, an unknown reward, and an expired coupon', async () => {
    const m = await post('/v1/members', {
      name: 'Wang',
      phone: '13900002222',
      consent: { marketing: true, text: 'v1' },
    });
    const memberNo = m.json.memberNo as string;
    const poor = await post('/v1/rewards/redeem', { memberNo, rewardId: 'voucher-2' });
    expect(poor.status).toBe(422);
    expect((poor.json.error as { code: string }).code).toBe('insufficient_points');
    const unknown = await post('/v1/rewards/redeem', { memberNo, rewardId: 'no-such' });
    expect((unknown.json.error as { code: string }).code).toBe('unknown_reward');

    await post('/v1/sales', {
      saleId: 'S1',
      memberNo,
      lines: [{ sku: 'a', category: 'food', quantity: 1, unitPrice: 20000 }],
    });
    const r = await post('/v1/rewards/redeem', { memberNo, rewardId: 'voucher-2' });
    const code = (r.json.coupon as { code: string }).code;
    t.clock.set('2026-07-01T04:00:00Z');
    const late = await post('/v1/coupons/use', { code });
    expect(late.status).toBe(422);
    expect((late.json.error as { code: string }).code).toBe('coupon_expired');
  });
});
