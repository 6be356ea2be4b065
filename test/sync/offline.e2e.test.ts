/**
 * DOMAIN.md 4 offline rules and rule-set publication, with a real head-office process and
 * in-process tills whose business clock the test moves (request signatures keep the wall clock).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { clearOfMidnight, Clock, operator, tillPost, useHqProcess } from './procs.js';

const TOKEN = 'operator-token-offline';
const fx = useHqProcess('sync-offline', TOKEN);
const post = tillPost;
const tillAt = fx.tillAt;

const basket = (price: number) => [{ sku: 'goods', category: 'grocery', quantity: 1, unitPrice: price }];

describe('offline redemption and double spending (DOMAIN.md 4)', () => {
  it('two offline tills may each spend the confirmed balance; head office goes negative and lists the case', async () => {
    // One business day throughout: the day's offline redemption limit is checked.
    const clock = new Clock(clearOfMidnight(Date.now()));
    const a = await tillAt('store-a', 'till-oa', clock);
    const b = await tillAt('store-b', 'till-ob', clock);
    const m = await post(a, '/v1/members', {
      name: '周六',
      phone: '13900000009',
      consent: { marketing: true, text: 'v1' },
    });
    const memberNo = m.json.memberNo as string;
    expect((await post(a, '/v1/sales', { saleId: 'OA-1', memberNo, lines: basket(100_000) })).json.balance).toBe(1000);
    const m2 = await post(a, '/v1/members', {
      name: '钱七',
      phone: '13900000011',
      consent: { marketing: true, text: 'v1' },
    });
    const rich = m2.json.memberNo as string;
    expect((await post(a, '/v1/sales', { saleId: 'OA-R', memberNo: rich, lines: basket(500_000) })).json.balance).toBe(
      5000,
    );
    await a.sync?.syncNow();
    await b.sync?.syncNow();
    await a.sync?.syncNow();

    await fx.hq.kill('SIGKILL');
    clock.advanceMinutes(20);
    const health = await fetch(`${a.url}/v1/health`, { headers: { authorization: 'Bearer pos-key' } });
    expect(((await health.json()) as { online: boolean }).online).toBe(false);

    const tender = (saleId: string, points: number, who = memberNo) => ({
      saleId,
      memberNo: who,
      lines: basket(10_000),
      tenders: [
        { type: 'points', points },
        { type: 'cash', amount: 10_000 - points },
      ],
    });
    // Each till: confirmed 1000 - spent 0 >= 800.
    const spendA = await post(a, '/v1/sales', tender('OA-2', 800));
    expect(spendA.status, JSON.stringify(spendA.json)).toBe(201);
    const spendB = await post(b, '/v1/sales', tender('OB-1', 800));
    expect(spendB.status, JSON.stringify(spendB.json)).toBe(201);
    // Offline, a member may redeem at most offlineRedemptionDailyMax (2,000) points a day at a till,
    // even with 5,000 confirmed.
    expect((await post(a, '/v1/sales', tender('OA-R1', 2000, rich))).status).toBe(201);
    const more = await post(a, '/v1/sales', tender('OA-R2', 100, rich));
    expect(more.status).toBe(422);
    expect((more.json.error as { code: string }).code).toBe('offline_redemption_limit');
    // The till's balance view shows it is not sure.
    const who = await post(a, '/v1/members/identify', { code: memberNo });
    expect(who.json.balanceAsOf).not.toBeNull();

    await fx.restart();
    await a.sync?.syncNow();
    await b.sync?.syncNow();
    const member = await operator(fx.hq.url, TOKEN, `/v1/members/${memberNo}`);
    // 1000 earned, 2 x 800 spent, 2 x 92 earned on the ¥100 baskets paid ¥8 in points (eligible ¥92).
    expect(member.json.balance).toBe(1000 - 1600 + 92 + 92);
    const summary = await operator(fx.hq.url, TOKEN, '/v1/reports/summary');
    const cases = summary.json.doubleSpendCases as { memberNo: string; tills: string[] }[];
    const c = cases.find((x) => x.memberNo === memberNo);
    expect(c).toBeDefined();
    expect([...(c?.tills ?? [])].sort()).toEqual(['till-oa', 'till-ob']);
  }, 120_000);

  it("counts a till's offline redemptions head office has since confirmed toward the day's offline limit", async () => {
    const clock = new Clock(clearOfMidnight(Date.now()));
    const a = await tillAt('store-c', 'till-oc', clock);
    const m = await post(a, '/v1/members', {
      name: '孙八',
      phone: '13900000012',
      consent: { marketing: true, text: 'v1' },
    });
    const memberNo = m.json.memberNo as string;
    expect((await post(a, '/v1/sales', { saleId: 'OC-1', memberNo, lines: basket(500_000) })).json.balance).toBe(5000);
    await a.sync?.syncNow();
    const spend = (saleId: string, points: number) => ({
      saleId,
      memberNo,
      lines: basket(10_000),
      tenders: [
        { type: 'points', points },
        { type: 'cash', amount: 10_000 - points },
      ],
    });
    await fx.hq.kill('SIGKILL');
    clock.advanceMinutes(20);
    expect((await post(a, '/v1/sales', spend('OC-2', 1500))).status).toBe(201);
    // Back online for a moment: head office takes the redemption and confirms the balance.
    await fx.restart();
    await a.sync?.syncNow();
    await a.sync?.syncNow();
    const confirmed = await post(a, '/v1/members/identify', { code: memberNo });
    expect(confirmed.json.balanceAsOf).toBeNull();
    // Offline again the same day: 1,500 of the 2,000 are used already.
    await fx.hq.kill('SIGKILL');
    clock.advanceMinutes(20);
    const over = await post(a, '/v1/sales', spend('OC-3', 600));
    expect(over.status).toBe(422);
    expect((over.json.error as { code: string }).code).toBe('offline_redemption_limit');
    expect((await post(a, '/v1/sales', spend('OC-4', 500))).status).toBe(201);
    await fx.restart();
  }, 120_000);

  it('a rule set published at head office reaches the tills and applies from its effective time', async () => {
    const clock = new Clock();
    const a = await tillAt('store-r', 'till-r1', clock);
    const m = await post(a, '/v1/members', {
      name: 'Wu',
      phone: '13900000010',
      consent: { marketing: true, text: 'v1' },
    });
    const memberNo = m.json.memberNo as string;
    const effective = new Date(clock.t + 60 * 60_000).toISOString();
    const v2 = {
      ...DEFAULT_RULE_SET_INPUT,
      version: 2,
      effectiveFrom: effective,
      earn: { ...DEFAULT_RULE_SET_INPUT.earn, baseRate: '2' },
    };
    const file = join(fx.root, 'v2.json');
    writeFileSync(file, JSON.stringify(v2));
    const r = await fetch(`${fx.hq.url}/v1/rulesets`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify(v2),
    });
    expect(r.status).toBeLessThan(300);
    await a.sync?.syncNow();
    const before = await post(a, '/v1/sales', { saleId: 'R-1', memberNo, lines: basket(10_000) });
    expect(before.json.ruleVersion).toBe(1);
    expect(before.json.pointsEarned).toBe(100);
    clock.advanceMinutes(61);
    const after = await post(a, '/v1/sales', { saleId: 'R-2', memberNo, lines: basket(10_000) });
    expect(after.json.ruleVersion).toBe(2);
    expect(after.json.pointsEarned).toBe(200);
  }, 60_000);
});
