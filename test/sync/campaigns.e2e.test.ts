/**
 * Campaigns through the ledger (issue 15, docs/campaigns.md), end to end: a real head-office
 * process and two in-process tills in two stores. Twenty members buy 200 days before head
 * office's today (the tills' clocks run behind), so all are dormant there; the four biggest
 * spenders are class A. A campaign for dormant A-class members, drafted with the bootstrap
 * token and approved by a second operator (a named admin), holds one of the four out and has a
 * budget for two grants: the two granted members earn double at either till inside the
 * window and normal after it, the held-out member and the target member the budget did not
 * reach never get it, and head office's recompute agrees with every till.
 */
import { describe, expect, it } from 'vitest';
import { isHeldOut } from '../../core/campaigns.js';
import type { Till } from '../../main/service/till.js';
import { hqCli } from '../../headoffice/test-helpers.js';
import { Clock, hqEnv, operator, syncTills, tillPost, useHqProcess, type Json } from './procs.js';

const TOKEN = 'operator-token-campaigns';
const f = useHqProcess('campaigns', TOKEN);

type Res = { status: number; json: Json };

async function call(token: string, method: string, path: string, body?: unknown): Promise<Res> {
  const r = await fetch(`${f.hq.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as Json };
}

/** Flagged sales per till of this test's two tills. */
async function mismatches(token: string, prefix = 'camp-'): Promise<number[]> {
  const tills = await operator(f.hq.url, token, '/v1/tills');
  const mine = (tills.json.tills as { tillId: string; mismatches: number }[]).filter((t) =>
    t.tillId.startsWith(prefix),
  );
  return mine.map((t) => t.mismatches);
}

let saleSeq = 0;
async function sale(t: Till, memberNo: string, price: number): Promise<number> {
  saleSeq += 1;
  const r = await tillPost(t, '/v1/sales', {
    saleId: `CS-${saleSeq}`,
    memberNo,
    lines: [{ sku: 'goods', category: 'grocery', quantity: 1, unitPrice: price }],
  });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json.pointsEarned as number;
}

describe('a campaign delivered through the ledger, measured against a holdout', () => {
  it('reaches both tills for the granted members only, doubles inside the window, stops at the budget', async () => {
    const clock = new Clock();
    clock.advanceDays(-200);
    const a = await f.tillAt('camp-a', 'camp-a1', clock);
    const b = await f.tillAt('camp-b', 'camp-b1', clock);
    const members: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = await tillPost(a, '/v1/members', {
        name: '会员',
        phone: `1390000${String(i).padStart(4, '0')}`,
        consent: { marketing: true, text: 'v1' },
      });
      expect(r.status).toBe(201);
      members.push(r.json.memberNo as string);
      // ordinary tier throughout (below Silver), distinct spends: the last four are class A
      await sale(a, members[i] as string, i < 10 ? 1_000 + i * 10 : 150_000 + i * 1_000);
    }
    await syncTills(a, b);
    const classA = members.slice(16);
    // The backdated sales are flagged late (head office received them 200 days on): counted now.
    const lateFlags = await mismatches(TOKEN);

    // An id whose holdout hash holds out exactly one of the four (the hash is public: core/campaigns.ts).
    let id = '';
    for (let k = 1; !id; k++) {
      const held = classA.filter((m) => isHeldOut(`dormant-a-${k}`, m, 25)).length;
      if (held === 1) id = `dormant-a-${k}`;
    }
    const draft = await call(TOKEN, 'POST', '/v1/campaigns', {
      id,
      name: '沉睡 A 类会员唤醒',
      target: { classes: ['A'], lifecycles: ['dormant'] },
      offer: { multiplierMilli: 2000, days: 7, name: { zh: '双倍积分', en: 'double points' } },
      holdoutPercent: 25,
      budgetPoints: 200,
      costPerGrant: 100,
    });
    expect(draft.status, JSON.stringify(draft.json)).toBe(201);
    expect(draft.json).toMatchObject({ status: 'draft', createdBy: 'bootstrap-token' });
    // The author cannot approve their own draft; nor can a draft start.
    expect((await call(TOKEN, 'POST', `/v1/campaigns/${id}/approve`, {})).status).toBe(409);
    expect((await call(TOKEN, 'POST', `/v1/campaigns/${id}/start`, {})).status).toBe(409);

    const out = await hqCli({ env: hqEnv(f.hqDir) }, ['add-operator', '--id', 'alice', '--role', 'admin']);
    const alice = (/^OPERATOR_TOKEN=(\S+)$/m.exec(out) as RegExpExecArray)[1] as string;
    const approved = await call(alice, 'POST', `/v1/campaigns/${id}/approve`, {});
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    expect(approved.json).toMatchObject({ status: 'approved', approvedBy: 'alice' });
    const started = await call(alice, 'POST', `/v1/campaigns/${id}/start`);
    expect(started.status, JSON.stringify(started.json)).toBe(200);
    expect(started.json).toMatchObject({ chosen: 4, granted: 2, budgetExhausted: true });
    const granted = (started.json.entries as { memberNo: string; kind: string }[]).map((e) => e.memberNo);
    expect(granted.every((m) => classA.includes(m))).toBe(true);
    // The end-of-day run grants only to members who newly match: nobody here, and the budget is spent.
    expect((await call(alice, 'POST', '/v1/eod', {})).status).toBe(200);
    expect((await call(alice, 'GET', `/v1/campaigns/${id}/result`)).json).toMatchObject({ targeted: 3, granted: 2 });
    const heldOut = classA.find((m) => isHeldOut(id, m, 25)) as string;
    const ungranted = classA.find((m) => m !== heldOut && !granted.includes(m)) as string;
    expect(granted).not.toContain(heldOut);

    // Inside the window (head office's today): the tills' clocks catch up, a sync brings the offers.
    clock.set(new Date(Date.now() - 60_000).toISOString());
    await syncTills(a, b);
    const [g1, g2] = granted as [string, string];
    for (const t of [a, b]) {
      const who = await tillPost(t, '/v1/members/identify', { code: g1 });
      expect(who.status, JSON.stringify(who.json)).toBe(200);
      expect((who.json.offersText as { zh: string }).zh).toBe('双倍积分 ×2，还剩 7 天');
      const none = await tillPost(t, '/v1/members/identify', { code: heldOut });
      expect(none.json.offersText).toBeNull();
    }
    expect(await sale(a, g1, 10_000)).toBe(200);
    expect(await sale(b, g1, 10_000)).toBe(200);
    expect(await sale(b, g2, 10_000)).toBe(200);
    expect(await sale(a, heldOut, 10_000)).toBe(100);
    expect(await sale(b, ungranted, 10_000)).toBe(100);
    await syncTills(a, b);

    // Head office recomputed each sale on the state its till decided on: no new mismatch.
    expect(await mismatches(alice)).toEqual(lateFlags);

    const result = await call(alice, 'GET', `/v1/campaigns/${id}/result`);
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({
      targeted: 3,
      heldOut: 1,
      granted: 2,
      used: 2,
      pointsCost: 300,
      estimatedCost: 200,
    });
    const spend = result.json.spendPerMember as { target: number; holdout: number; low: number | null };
    expect(spend.target).toBeCloseTo(40_000 / 3, 6);
    expect(spend.holdout).toBe(10_000);
    expect(spend.low).toBeNull(); // one held-out member: no interval
    // Return on cost (docs/campaigns.md): (40000/3 - 10000) x 3 = 10000 fen of incremental spend
    // over 300 extra points at 1 fen a point (100 points a yuan) = 33.3
    const roi = result.json.returnOnCost as { pointValueFen: number; costFen: number; ratio: number; low: null };
    expect(roi).toMatchObject({ pointValueFen: 1, costFen: 300, low: null });
    expect(roi.ratio).toBeCloseTo(10_000 / 300, 6);

    // After the window: normal points at either till.
    clock.advanceDays(7);
    await syncTills(a, b);
    expect(await sale(a, g1, 10_000)).toBe(100);
    expect(await sale(b, g2, 10_000)).toBe(100);

    const ended = await call(alice, 'POST', `/v1/campaigns/${id}/end`, {});
    expect(ended.json).toMatchObject({ status: 'ended' });
    const list = await call(alice, 'GET', '/v1/campaigns');
    expect((list.json.campaigns as { id: string }[]).map((c) => c.id)).toContain(id);
  }, 120_000);
});

describe('a campaign by birthday month', () => {
  it('chooses the members born in the month, from the birthdays head office holds', async () => {
    const a = await f.tillAt('bday-a', 'bday-a1');
    const born: Record<string, string> = {};
    for (const [i, birthday] of ['03-15', '03-20', '07-01'].entries()) {
      const r = await tillPost(a, '/v1/members', {
        name: '会员',
        phone: `1380000${String(i).padStart(4, '0')}`,
        birthday,
        consent: { marketing: true, text: 'v1' },
      });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      born[r.json.memberNo as string] = birthday;
    }
    await syncTills(a);
    const token = async (id: string): Promise<string> => {
      const out = await hqCli({ env: hqEnv(f.hqDir) }, ['add-operator', '--id', id, '--role', 'admin']);
      return (/^OPERATOR_TOKEN=(\S+)$/m.exec(out) as RegExpExecArray)[1] as string;
    };
    const [bob, carol] = [await token('bob'), await token('carol')];
    const draft = await call(bob, 'POST', '/v1/campaigns', {
      id: 'march-birthdays',
      name: '三月生日',
      target: { birthdayMonths: [3] },
      offer: { multiplierMilli: 1500, days: 30, name: { zh: '生日月', en: 'birthday month' } },
      holdoutPercent: 0,
      budgetPoints: 10_000,
      costPerGrant: 100,
    });
    expect(draft.status, JSON.stringify(draft.json)).toBe(201);
    expect((await call(bob, 'POST', '/v1/campaigns/march-birthdays/approve', {})).status).toBe(409);
    expect((await call(carol, 'POST', '/v1/campaigns/march-birthdays/approve', {})).status).toBe(200);
    const started = await call(carol, 'POST', '/v1/campaigns/march-birthdays/start', {});
    const granted = (started.json.entries as { memberNo: string }[]).map((e) => born[e.memberNo]).sort();
    expect(granted).toEqual(['03-15', '03-20']);
  }, 60_000);
});

describe('bonus, coupon and service offers through the ledger (docs/campaigns.md "Offer kinds")', () => {
  it('gives the bonus at the minimum spend once chain-wide; a coupon or a free service used at one till is refused at the other', async () => {
    const a = await f.tillAt('offers-a', 'offers-a1');
    const b = await f.tillAt('offers-b', 'offers-b1');
    const members: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await tillPost(a, '/v1/members', {
        name: '会员',
        phone: `1370000${String(i).padStart(4, '0')}`,
        consent: { marketing: true, text: 'v1' },
      });
      expect(r.status).toBe(201);
      members.push(r.json.memberNo as string);
    }
    await syncTills(a, b);
    const token = async (id: string): Promise<string> => {
      const out = await hqCli({ env: hqEnv(f.hqDir) }, ['add-operator', '--id', id, '--role', 'admin']);
      return (/^OPERATOR_TOKEN=(\S+)$/m.exec(out) as RegExpExecArray)[1] as string;
    };
    const [dora, emil] = [await token('dora'), await token('emil')];
    const launch = async (id: string, offer: unknown, budgetPoints: number, costPerGrant: number): Promise<Json> => {
      const draft = await call(dora, 'POST', '/v1/campaigns', {
        id,
        name: id,
        target: { homeStores: ['offers-a'] },
        offer,
        holdoutPercent: 0,
        budgetPoints,
        costPerGrant,
      });
      expect(draft.status, JSON.stringify(draft.json)).toBe(201);
      expect((await call(emil, 'POST', `/v1/campaigns/${id}/approve`, {})).status).toBe(200);
      const started = await call(emil, 'POST', `/v1/campaigns/${id}/start`, {});
      expect(started.status, JSON.stringify(started.json)).toBe(200);
      return started.json;
    };
    const before = await mismatches(dora, 'offers-');
    expect(before).toEqual([0, 0]);

    // Bonus: 满¥200 加送 300 分, once per member and campaign.
    const bonusRun = await launch(
      'spend-200',
      {
        kind: 'bonus',
        minSpend: 20_000,
        bonusPoints: 300,
        days: 7,
        name: { zh: '满200送300', en: 'spend 200 get 300' },
      },
      600,
      300,
    );
    expect(bonusRun).toMatchObject({ granted: 2 });
    await syncTills(a, b);
    const [m1, m2] = members as [string, string];
    for (const t of [a, b]) {
      const who = await tillPost(t, '/v1/members/identify', { code: m1 });
      expect(who.json.offersText).toEqual({
        zh: '满200送300 满¥200.00加送300分，还剩 7 天',
        en: 'spend 200 get 300 spend ¥200.00, get 300 bonus points, 7 days left',
      });
    }
    const buy = async (t: Till, memberNo: string, price: number): Promise<Json> => {
      saleSeq += 1;
      const r = await tillPost(t, '/v1/sales', {
        saleId: `OS-${saleSeq}`,
        memberNo,
        lines: [{ sku: 'goods', category: 'grocery', quantity: 1, unitPrice: price }],
      });
      expect(r.status, JSON.stringify(r.json)).toBe(201);
      return r.json;
    };
    expect(await buy(a, m1, 19_999)).toMatchObject({ pointsEarned: 199, bonusPoints: 0 });
    const hit = await buy(b, m1, 20_000);
    expect(hit).toMatchObject({ pointsEarned: 200, bonusPoints: 300 });
    expect((hit.breakdownText as { zh: string }).zh).toContain('满200送300 +300');
    await syncTills(a, b);
    // Used at b: after the sync, till a gives it no more, and the cashier's line no longer shows it.
    expect(await buy(a, m1, 50_000)).toMatchObject({ bonusPoints: 0 });
    expect((await tillPost(a, '/v1/members/identify', { code: m1 })).json.offersText).toBeNull();
    expect(await buy(a, m2, 30_000)).toMatchObject({ bonusPoints: 300 });
    await syncTills(a, b);
    expect(await mismatches(dora, 'offers-')).toEqual(before);
    expect((await call(emil, 'GET', '/v1/campaigns/spend-200/result')).json).toMatchObject({
      granted: 2,
      used: 2,
      pointsCost: 600,
      moneyCost: 0,
    });

    // Coupon: ¥20, single use chain-wide; the budget counts fen.
    const couponRun = await launch(
      'thanks',
      { kind: 'coupon', value: 2_000, days: 14, name: { zh: '回馈券', en: 'thank-you coupon' } },
      4_000,
      2_000,
    );
    expect(couponRun).toMatchObject({ granted: 2 });
    await syncTills(a, b);
    const who = await tillPost(b, '/v1/members/identify', { code: m2 });
    const offer = (who.json.offers as Json[]).find((o) => o.kind === 'coupon') as Json;
    const code = offer.couponCode as string;
    expect(code).toMatch(/^CP/);
    expect((who.json.offersText as { zh: string }).zh).toContain(`回馈券 ¥20.00券 ${code}`);
    const used = await tillPost(a, '/v1/coupons/use', { code, saleId: 'OS-coupon' });
    expect(used.status, JSON.stringify(used.json)).toBe(200);
    await syncTills(a, b);
    const again = await tillPost(b, '/v1/coupons/use', { code });
    expect(again.status).toBe(409);
    expect((again.json.error as { code: string }).code).toBe('coupon_used');
    expect((await call(emil, 'GET', '/v1/campaigns/thanks/result')).json).toMatchObject({
      granted: 2,
      used: 1,
      moneyCost: 2_000,
      estimatedCost: 4_000,
      campaign: { budgetUnit: 'fen' },
    });

    // Free service: claimed once at a, refused at b after the sync (the tier offers none of its own).
    const washRun = await launch(
      'wash',
      { kind: 'service', service: 'car-wash', value: 1_500, days: 7, name: { zh: '洗车礼', en: 'car wash gift' } },
      3_000,
      1_500,
    );
    expect(washRun).toMatchObject({ granted: 2 });
    await syncTills(a, b);
    const claim = (t: Till) => tillPost(t, `/v1/members/${m1}/services/claim`, { service: 'car-wash' });
    const first = await claim(a);
    expect(first.status, JSON.stringify(first.json)).toBe(201);
    expect(first.json).toMatchObject({ campaignId: 'wash', used: 1, allowance: 1, remaining: 0 });
    await syncTills(a, b);
    const second = await claim(b);
    expect(second.status).toBe(422);
    expect((second.json.error as { code: string }).code).toBe('service_not_offered');
    expect((await call(emil, 'GET', '/v1/campaigns/wash/result')).json).toMatchObject({ used: 1, moneyCost: 1_500 });
  }, 120_000);
});
