/**
 * One member across the chain (DOMAIN.md 12), end to end: a real head-office process and
 * in-process tills in two stores whose business clocks the test moves. Each test is a defect a
 * new user met when every till decided from its own ledger alone; after a sync, two tills must
 * decide exactly as one till would.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import type { Till } from '../../main/service/till.js';
import { Clock, operator, syncTills, tillPost, useHqProcess, type Json } from './procs.js';

const TOKEN = 'operator-token-chain';
const f = useHqProcess('chain-member', TOKEN);
let phoneSeq = 0;

type Res = { status: number; json: Json };
const post = tillPost;
const syncAll = syncTills;

const basket = (price: number, sku = 'goods') => [{ sku, category: 'grocery', quantity: 1, unitPrice: price }];
const errorCode = (r: Res): string | undefined => (r.json.error as { code?: string } | undefined)?.code;

/** Two tills in two stores on one clock. */
async function pair(name: string, clock: Clock): Promise<[Till, Till]> {
  return [await f.tillAt(`${name}-a`, `${name}-a1`, clock), await f.tillAt(`${name}-b`, `${name}-b1`, clock)];
}

async function enrol(t: Till, extra: Record<string, unknown> = {}): Promise<string> {
  phoneSeq += 1;
  const r = await post(t, '/v1/members', {
    name: '会员',
    phone: `1370000${String(phoneSeq).padStart(4, '0')}`,
    consent: { marketing: true, text: 'v1' },
    ...extra,
  });
  expect(r.status).toBe(201);
  return r.json.memberNo as string;
}

let saleSeq = 0;
async function sale(t: Till, memberNo: string, price: number, extra: Record<string, unknown> = {}): Promise<Res> {
  saleSeq += 1;
  const r = await post(t, '/v1/sales', { saleId: `S-${saleSeq}`, memberNo, lines: basket(price), ...extra });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r;
}

async function operatorPost(path: string, body: unknown): Promise<Res> {
  const r = await fetch(`${f.hq.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: r.status, json: (await r.json()) as Json };
}

/** Rule set 2: a return the balance cannot cover deducts the rest from the refund (DOMAIN.md 6). */
const DEDUCT_FROM_REFUND = {
  version: 2,
  effectiveFrom: '2020-01-01T00:00:00+08:00',
  returns: { insufficientBalance: 'deductFromRefund' },
};

async function publish(rules: Record<string, unknown>): Promise<void> {
  const r = await fetch(`${f.hq.url}/v1/rulesets`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ...DEFAULT_RULE_SET_INPUT, ...rules }),
  });
  expect(r.status).toBeLessThan(300);
}

describe('one member across the chain (DOMAIN.md 12)', () => {
  it('spend at two stores reaches Silver: the next ¥100 earns 120 at either store, and head office agrees', async () => {
    const clock = new Clock();
    // Two days back, so the day the tills move ahead stays before head office's clock: a sale
    // recorded after head office received it is flagged (recorded_in_future, issue 11).
    clock.advanceDays(-2);
    const [a, b] = await pair('tier', clock);
    const m = await enrol(a);
    await syncAll(a, b);
    expect((await sale(a, m, 300_000)).json.pointsEarned).toBe(3000);
    await syncAll(a, b);
    clock.advanceDays(1);
    const crossing = await sale(b, m, 300_000);
    // The crossing sale earns at the old tier; the member is Silver from the next sale.
    expect(crossing.json).toMatchObject({ pointsEarned: 3000, tierChanged: true, tier: 'silver' });
    await syncAll(a, b);
    expect((await sale(a, m, 10_000)).json).toMatchObject({ pointsEarned: 120, tier: 'silver' });
    await syncAll(a, b);
    const member = await operator(f.hq.url, TOKEN, `/v1/members/${m}`);
    // (Its rolling spend is judged on head office's own today; the tills' clocks ran behind it.)
    expect(member.json).toMatchObject({ tier: 'silver', balance: 6120 });
    // Head office recomputed every sale on the state each till decided on: no mismatch.
    const tillsView = await operator(f.hq.url, TOKEN, '/v1/tills');
    const mine = (tillsView.json.tills as { tillId: string; mismatches: number }[]).filter((t) =>
      t.tillId.startsWith('tier-'),
    );
    expect(mine.map((t) => t.mismatches)).toEqual([0, 0]);
  }, 60_000);

  it('the daily cap counts the points of every store', async () => {
    const clock = new Clock();
    const [a, b] = await pair('cap', clock);
    const m = await enrol(a);
    await syncAll(a, b);
    expect((await sale(a, m, 500_000)).json.pointsEarned).toBe(5000);
    await syncAll(a, b);
    const more = await sale(b, m, 120_000);
    expect(more.json).toMatchObject({ pointsEarned: 0, withheldByCaps: 1440 });
  }, 60_000);

  it('a coupon issued at one store is used at another, once', async () => {
    const clock = new Clock();
    const [a, b] = await pair('coupon', clock);
    const m = await enrol(a);
    await sale(a, m, 200_000);
    await syncAll(a, b);
    const issued = await post(a, '/v1/rewards/redeem', { memberNo: m, rewardId: 'coupon-10' });
    expect(issued.status, JSON.stringify(issued.json)).toBe(201);
    const code = (issued.json.coupon as { code: string }).code;
    await syncAll(a, b);
    const used = await post(b, '/v1/coupons/use', { code });
    expect(used.status).toBe(200);
    await syncAll(a, b);
    const again = await post(a, '/v1/coupons/use', { code });
    expect(again.status).toBe(409);
    expect(errorCode(again)).toBe('coupon_used');
  }, 60_000);

  it('points earned at both stores pay for a reward, not only a points tender', async () => {
    const clock = new Clock();
    const [a, b] = await pair('reward', clock);
    const m = await enrol(a);
    await sale(a, m, 300_000);
    await syncAll(a, b);
    clock.advanceDays(1);
    await sale(b, m, 210_000);
    await syncAll(a, b);
    const r = await post(a, '/v1/rewards/redeem', { memberNo: m, rewardId: 'free-service' });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.balance).toBe(3000 + 2100 - 5000);
  }, 60_000);

  it('points expired elsewhere are neither shown nor spendable', async () => {
    const clock = new Clock();
    clock.set('2025-11-20T10:00:00+08:00');
    const [a, b] = await pair('expiry', clock);
    const m = await enrol(a);
    await syncAll(a, b);
    await sale(b, m, 100_000);
    await syncAll(a, b);
    // Earned on 2025-11-20, valid through 2026-11-20 (rollingMonths 12).
    clock.set('2026-11-22T10:00:00+08:00');
    const who = await post(a, '/v1/members/identify', { code: m });
    expect(who.json).toMatchObject({ balance: 0, spendable: 0 });
    const tender = await post(a, '/v1/sales', {
      saleId: 'EXP-1',
      memberNo: m,
      lines: basket(10_000),
      tenders: [{ type: 'points', points: 500 }],
    });
    expect(tender.status).toBe(422);
    expect(errorCode(tender)).toBe('insufficient_points');
  }, 60_000);

  it('a return at one store reverses from the member’s whole balance, not from what that store holds', async () => {
    const clock = new Clock();
    const [a, b] = await pair('ret', clock);
    await publish(DEDUCT_FROM_REFUND);
    await syncAll(a, b);
    const m = await enrol(a);
    await sale(a, m, 100_000); // +1000 at A
    await sale(a, m, 200_000, { tenders: [{ type: 'points', points: 900 }] }); // A spends 900 of them
    await syncAll(a, b);
    await sale(b, m, 300_000); // +3000 at B
    await syncAll(a, b);
    const saleA = `S-${saleSeq - 2}`;
    const r = await post(a, '/v1/returns', {
      returnId: 'RET-1',
      originalSaleId: saleA,
      lines: [{ sku: 'goods', quantity: 1 }],
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json).toMatchObject({ pointsReversed: 1000, pointsShort: 0, refundDeduction: 0 });
  }, 60_000);

  it('a return short of points at one store is what its balance across the chain left: head office rebuilds that view and agrees', async () => {
    const clock = new Clock();
    const [a, b] = await pair('short', clock);
    await publish(DEDUCT_FROM_REFUND);
    await syncAll(a, b);
    const m = await enrol(a);
    await sale(a, m, 100_000); // +1000 at A
    const saleA = `S-${saleSeq}`;
    await syncAll(a, b);
    await sale(b, m, 50_000, { tenders: [{ type: 'points', points: 900 }] }); // B spends 900 of them
    await syncAll(a, b);
    // A's own entry after what head office confirmed: its view is the confirmed balance plus it.
    const before = (await sale(a, m, 10_000)).json.balance as number;
    expect(before).toBeLessThan(1000);
    const r = await post(a, '/v1/returns', {
      returnId: 'SHORT-1',
      originalSaleId: saleA,
      lines: [{ sku: 'goods', quantity: 1 }],
    });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json).toMatchObject({ pointsReversed: before, pointsShort: 1000 - before, balance: 0 });
    expect(r.json.refundDeduction as number).toBeGreaterThan(0);
    await syncAll(a, b);
    // Head office rebuilt A's view from the return's basis: the shortfall checks out, nothing flagged.
    const tills = (await operator(f.hq.url, TOKEN, '/v1/tills')).json.tills as { tillId: string; mismatches: number }[];
    expect(tills.filter((t) => t.tillId.startsWith('short-')).map((t) => t.mismatches)).toEqual([0, 0]);
    expect((await operator(f.hq.url, TOKEN, `/v1/members/${m}`)).json).toMatchObject({ balance: 0 });
  }, 60_000);

  it('the birthday gift is granted once a year across stores', async () => {
    const clock = new Clock();
    clock.set('2026-03-09T10:00:00+08:00');
    const [a, b] = await pair('bday', clock);
    const m = await enrol(a, { birthday: '03-10' });
    await sale(a, m, 500_000); // reaches Silver, whose gift is 100 points
    await syncAll(a, b);
    clock.advanceDays(1);
    expect((await sale(a, m, 10_000)).json.bonusPoints).toBe(100);
    await syncAll(a, b);
    expect((await sale(b, m, 10_000)).json.bonusPoints).toBe(0);
  }, 60_000);

  it('a tier reached at another store is reviewed like any other: one step down per review without spend', async () => {
    const clock = new Clock();
    clock.set('2026-01-15T10:00:00+08:00');
    const [a, b] = await pair('review', clock);
    const m = await enrol(b);
    await sale(b, m, 1_000_000); // Gold on rolling spend
    await syncAll(a, b);
    expect((await sale(a, m, 10_000)).json.tier).toBe('gold');
    // Reviews 2026-06-30 .. 2026-12-31 keep Gold (the sale is in the window); 2027-03-31 drops one step.
    clock.set('2027-05-01T10:00:00+08:00');
    const quote = await post(a, '/v1/baskets/quote', { memberNo: m, lines: basket(10_000) });
    expect(quote.json.pointsEarned).toBe(120);
    clock.set('2027-07-05T10:00:00+08:00');
    const later = await post(a, '/v1/baskets/quote', { memberNo: m, lines: basket(10_000) });
    expect(later.json.pointsEarned).toBe(100);
  }, 60_000);

  it('a full return takes its spend from the sale’s own day, so the rolling window never goes negative', async () => {
    const clock = new Clock();
    clock.set('2026-01-10T10:00:00+08:00');
    const [a] = await pair('window', clock);
    const m = await enrol(a);
    await sale(a, m, 50_000);
    const saleId = `S-${saleSeq}`;
    clock.set('2026-02-10T10:00:00+08:00');
    const r = await post(a, '/v1/returns', {
      returnId: 'W-R',
      originalSaleId: saleId,
      lines: [{ sku: 'goods', quantity: 1 }],
    });
    expect(r.status).toBe(201);
    clock.set('2027-01-20T10:00:00+08:00');
    await sale(a, m, 10_000);
    const who = await post(a, '/v1/members/identify', { code: m });
    expect(who.json.rollingSpend).toBe(10_000);
  }, 60_000);

  it('offline, a quote offers no more than the offline limits allow, and rewards obey them too', async () => {
    const clock = new Clock();
    const [a, b] = await pair('offq', clock);
    const m = await enrol(a);
    await sale(a, m, 500_000); // 5,000 points
    await syncAll(a, b);
    await f.hq.kill('SIGKILL');
    try {
      clock.t += 20 * 60_000;
      const q = await post(a, '/v1/baskets/quote', { memberNo: m, lines: basket(2_000_000) });
      expect(q.json.maxRedeemablePoints).toBe(2000);
      const reward = await post(a, '/v1/rewards/redeem', { memberNo: m, rewardId: 'free-service' });
      expect(reward.status).toBe(422);
      expect(errorCode(reward)).toBe('offline_redemption_limit');
    } finally {
      await f.restart();
    }
  }, 60_000);

  it('lifecycle has one definition: "new" is a first sale within the last 90 days, at the till and at head office', async () => {
    const clock = new Clock();
    clock.set('2026-06-01T10:00:00+08:00');
    const [a, b] = await pair('life', clock);
    const m = await enrol(a);
    clock.set('2026-09-20T10:00:00+08:00'); // enrolled 111 days ago, first sale today
    await sale(a, m, 10_000);
    await syncAll(a, b);
    expect((await post(b, '/v1/members/identify', { code: m })).json.lifecycle).toBe('new');
    clock.set('2026-12-25T10:00:00+08:00'); // 96 days after the only sale: at risk, not new
    expect((await post(b, '/v1/members/identify', { code: m })).json.lifecycle).toBe('at_risk');
  }, 60_000);

  it("head office's end-of-day run reviews a tier reached at another store and expires its points; both reach every till and the report", async () => {
    const clock = new Clock();
    clock.set('2025-06-01T10:00:00+08:00');
    const [a, b] = await pair('eod', clock);
    const m = await enrol(b);
    await sale(b, m, 1_000_000); // Gold at store B; 5,000 points (the daily cap) valid through 2026-06-01
    await syncAll(a, b);
    const before = await operator(f.hq.url, TOKEN, '/v1/reports/summary');
    const expiredBefore = (before.json.points as { expired: number }).expired;
    // Head office's run for today: reviews 2025-09-30 .. 2026-09-30 (Gold -> Silver -> Ordinary
    // once the sale left the window), and the lots past their date expire.
    const today = new Date().toISOString().slice(0, 10);
    const eod = await operatorPost('/v1/eod', { date: today });
    expect(eod.status, JSON.stringify(eod.json)).toBeLessThan(300);
    const member = await operator(f.hq.url, TOKEN, `/v1/members/${m}`);
    expect(member.json).toMatchObject({ tier: 'ordinary', ledgerBalance: 0 });
    const kinds = (member.json.ledger as { tillId: string; kind: string; points: number }[]).filter(
      (e) => e.tillId === 'hq',
    );
    expect(kinds.find((e) => e.kind === 'expire')?.points).toBe(5000);
    expect(kinds.filter((e) => e.kind === 'tier').length).toBeGreaterThanOrEqual(2);
    const after = await operator(f.hq.url, TOKEN, '/v1/reports/summary');
    // (The same run expired other suites' members too: at least this member's points are counted.)
    expect((after.json.points as { expired: number }).expired - expiredBefore).toBeGreaterThanOrEqual(5000);
    // Store A learns it from the feed: the member is Ordinary with nothing to spend.
    clock.t = Date.now();
    await syncAll(a, b);
    const who = await post(a, '/v1/members/identify', { code: m });
    expect(who.json).toMatchObject({ tier: 'ordinary', balance: 0 });
    expect((await post(a, '/v1/baskets/quote', { memberNo: m, lines: basket(10_000) })).json.pointsEarned).toBe(100);
  }, 60_000);

  it("an operator's adjustment and win-back offer at head office reach the tills; the till's earn uses the offer", async () => {
    const clock = new Clock();
    const [a, b] = await pair('ops', clock);
    const m = await enrol(a);
    await sale(a, m, 10_000);
    await syncAll(a, b);
    const adj = await operatorPost(`/v1/members/${m}/adjustments`, {
      points: 500,
      direction: 'credit',
      reason: 'complaint: damaged goods',
      operatorId: 'op-1',
    });
    expect(adj.status, JSON.stringify(adj.json)).toBe(201);
    const wb = await operatorPost(`/v1/members/${m}/win-back`, { reason: 'we miss you', operatorId: 'op-1' });
    expect(wb.status, JSON.stringify(wb.json)).toBe(201);
    await syncAll(a, b);
    expect((await post(b, '/v1/members/identify', { code: m })).json.balance).toBe(600);
    // Win-back ×2 (the default offer), as the largest multiplier.
    expect((await sale(b, m, 10_000)).json.pointsEarned).toBe(200);
  }, 60_000);
});
