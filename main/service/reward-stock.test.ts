/**
 * Rewards that create urgency at a standalone till (main/service/reward-stock.ts): the till is
 * the whole chain, so its own issues count against the stock; days refuse with typed codes;
 * the catalogue says what the cashier sees. Head office's part: test/sync/reward-stock.e2e.test.ts.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { startTill, type TestTill } from '../../test/helpers/till.js';

let t: TestTill;

afterEach(async () => {
  await t.close();
});

const MUG = {
  id: 'mug',
  name: { zh: '限量马克杯', en: 'Limited mug' },
  points: 100,
  kind: 'service' as const,
  stock: 2,
  availableFrom: '2026-12-01',
  availableUntil: '2026-12-31',
};

async function memberWithPoints(): Promise<string> {
  const m = await t.post('/v1/members', {
    name: '李四',
    phone: '13900001111',
    consent: { marketing: false, text: 'v1' },
  });
  const memberNo = m.body.memberNo as string;
  await t.post('/v1/sales', {
    saleId: 'S1',
    memberNo,
    lines: [{ sku: 'tv', category: 'electronics', quantity: 1, unitPrice: 120000 }],
  });
  return memberNo;
}

const start = (now: string) =>
  startTill({ now, ruleSet: { rewards: [...(DEFAULT_RULE_SET_INPUT.rewards ?? []), MUG] } });

describe('limited rewards at a standalone till', () => {
  it('shows 仅剩 N 件 and 限时至, issues while stock lasts, then refuses reward_sold_out', async () => {
    t = await start('2026-12-15T04:00:00Z');
    const memberNo = await memberWithPoints();
    const mug = () =>
      t.get('/v1/rewards').then((r) => (r.body as { id: string; availability: unknown }[]).find((x) => x.id === 'mug'));
    expect(await mug()).toMatchObject({
      availability: { state: 'available', remaining: 2, from: '2026-12-01', until: '2026-12-31' },
    });
    // Unlimited rewards carry no count.
    const all = (await t.get('/v1/rewards')).body as { id: string; availability: { remaining: number | null } }[];
    expect(all.find((r) => r.id === 'coupon-10')?.availability).toEqual({
      state: 'available',
      remaining: null,
      from: null,
      until: null,
    });
    expect((await t.post('/v1/rewards/redeem', { memberNo, rewardId: 'mug' })).status).toBe(201);
    expect((await mug())?.availability).toMatchObject({ remaining: 1 });
    expect((await t.post('/v1/rewards/redeem', { memberNo, rewardId: 'mug' })).status).toBe(201);
    expect((await mug())?.availability).toMatchObject({ state: 'sold_out', remaining: 0 });
    const third = await t.post('/v1/rewards/redeem', { memberNo, rewardId: 'mug' });
    expect(third.status).toBe(409);
    expect(third.body.error).toMatchObject({ code: 'reward_sold_out', field: 'rewardId' });
    // Refused before anything was written: the balance is what two mugs left.
    const who = await t.post('/v1/members/identify', { code: memberNo });
    expect(who.body.balance).toBe(1200 - 200);
  });

  it('refuses before its first day (reward_not_started) and after its last (reward_ended), in the rule set time zone', async () => {
    // 2026-11-30T16:30Z is already 1 December in Shanghai: open.
    t = await start('2026-11-30T15:30:00Z');
    const memberNo = await memberWithPoints();
    const early = await t.post('/v1/rewards/redeem', { memberNo, rewardId: 'mug' });
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe('reward_not_started');
    t.clock.set('2026-11-30T16:30:00Z');
    expect((await t.post('/v1/rewards/redeem', { memberNo, rewardId: 'mug' })).status).toBe(201);
    t.clock.set('2026-12-31T16:00:00Z');
    const late = await t.post('/v1/rewards/redeem', { memberNo, rewardId: 'mug' });
    expect(late.status).toBe(422);
    expect(late.body.error.code).toBe('reward_ended');
    const cat = (await t.get('/v1/rewards')).body as { id: string; availability: { state: string } }[];
    expect(cat.find((r) => r.id === 'mug')?.availability.state).toBe('ended');
  });
});
