/**
 * Tier benefits (DOMAIN.md 5) through the real service (HTTP on 127.0.0.1, a real SQLite
 * file): the member discount the till offers on a quote and records on the sale, and free
 * services claimed against a yearly allowance (docs/decisions.md "Tier benefits"). Every
 * figure is worked out next to its expectation.
 *
 * Programme: Ordinary 0 %, Silver 2 % (¥5,000), Gold 5 % and gift-wrap once a year (¥10,000),
 * Diamond 10 % and gift-wrap + delivery twice a year (¥50,000). Earn multipliers are the
 * default ones: Silver ×1.2, Gold ×1.5.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuleSetInput } from '../core/ruleset/schema.js';
import { rowToEntry } from '../core/ledger/row.js';
import { StaffDirectory } from '../main/api/staff.js';
import { verifyCache, verifyTillChain } from '../main/db/rebuild.js';
import { count, enrolDirect, shanghaiAt, startTill, type ApiAnswer, type TestTill } from './helpers/till.js';

const TIERS: RuleSetInput['tiers'] = [
  { code: 'ordinary', name: { zh: '普通会员', en: 'Ordinary' }, threshold: 0 },
  {
    code: 'silver',
    name: { zh: '银卡', en: 'Silver' },
    threshold: 500_000,
    earnMultiplier: '1.2',
    memberDiscountPercent: 2,
  },
  {
    code: 'gold',
    name: { zh: '金卡', en: 'Gold' },
    threshold: 1_000_000,
    earnMultiplier: '1.5',
    memberDiscountPercent: 5,
    freeServices: ['gift-wrap'],
  },
  {
    code: 'diamond',
    name: { zh: '钻石卡', en: 'Diamond' },
    threshold: 5_000_000,
    earnMultiplier: '2',
    memberDiscountPercent: 10,
    freeServices: ['gift-wrap', 'delivery'],
    freeServiceAllowance: 2,
  },
];

let t: TestTill;
let saleNo = 0;

const line = (unitPrice: number, category = 'food'): Record<string, unknown> => ({
  sku: `sku-${unitPrice}`,
  category,
  quantity: 1,
  unitPrice,
});

function expectError(a: ApiAnswer, status: number, code: string): void {
  expect({ status: a.status, code: a.body?.error?.code }).toEqual({ status, code });
}

async function sale(memberNo: string | null, body: Record<string, unknown>): Promise<ApiAnswer> {
  const r = await t.post('/v1/sales', { saleId: `TB-${++saleNo}`, ...(memberNo ? { memberNo } : {}), ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r;
}

/** A member brought to `tier` by one qualifying sale (the crossing sale earns at Ordinary). */
async function memberAt(tier: 'ordinary' | 'silver' | 'gold'): Promise<string> {
  const m = enrolDirect(t.ctx);
  if (tier === 'ordinary') return m;
  const spend = tier === 'silver' ? 500_000 : 1_000_000;
  const r = await sale(m, { lines: [line(spend)] });
  expect(r.body).toMatchObject({ tier, tierChanged: true, previousTier: 'ordinary' });
  // Priced at Ordinary, which offers no discount.
  expect(r.body.memberDiscountPercent).toBe(0);
  return m;
}

async function identify(memberNo: string): Promise<ApiAnswer> {
  const r = await t.post('/v1/members/identify', { code: memberNo });
  expect(r.status).toBe(200);
  return r;
}

async function claim(memberNo: string, service: string, key?: string): Promise<ApiAnswer> {
  return t.post(`/v1/members/${memberNo}/services/claim`, { service }, key ? { key } : {});
}

beforeAll(async () => {
  t = await startTill({ ruleSet: { tiers: TIERS } });
});

afterAll(async () => {
  expect(verifyCache(t.ctx.db, t.ctx.ledger, 'ordinary')).toEqual([]);
  expect(verifyTillChain(t.ctx.db)).toMatchObject({ ok: true });
  await t?.close();
});

describe('member discount: the till offers it on the quote', () => {
  // 12,345 fen of goods less a 345 fen basket discount: total 12,000 fen.
  const basket = { lines: [line(12_345)], basketDiscount: 345 };

  it('offers nothing to an anonymous basket', async () => {
    const q = await t.post('/v1/baskets/quote', basket);
    expect(q.status).toBe(200);
    expect(q.body.memberDiscount).toEqual({ percent: 0, amount: 0 });
  });

  it('offers nothing to an Ordinary member', async () => {
    const m = await memberAt('ordinary');
    const q = await t.post('/v1/baskets/quote', { ...basket, memberNo: m });
    expect(q.body.memberDiscount).toEqual({ percent: 0, amount: 0 });
  });

  it('offers Silver 2 % of the total before points: floor(12,000 × 2 / 100) = 240 fen', async () => {
    const m = await memberAt('silver');
    const q = await t.post('/v1/baskets/quote', { ...basket, memberNo: m });
    expect(q.body.memberDiscount).toEqual({ percent: 2, amount: 240 });
    // Redeeming points does not change it: the discount is on the basket, before the points tender.
    const withPoints = await t.post('/v1/baskets/quote', { ...basket, memberNo: m, redeemPoints: 500 });
    expect(withPoints.body.redemptionProblem).toBeNull();
    expect(withPoints.body.pointsRedeemed).toBe(500);
    expect(withPoints.body.memberDiscount).toEqual({ percent: 2, amount: 240 });
  });

  it('offers Gold 5 %, rounded down to the fen: floor(19,999 × 5 / 100) = floor(999.95) = 999', async () => {
    const m = await memberAt('gold');
    const q = await t.post('/v1/baskets/quote', { lines: [line(19_999)], memberNo: m });
    expect(q.body.memberDiscount).toEqual({ percent: 5, amount: 999 });
  });

  it('a member identified by card gets the same offer as by member number', async () => {
    const m = await memberAt('gold');
    const q = await t.post('/v1/baskets/quote', { lines: [line(10_000)], memberCode: m });
    expect(q.body.memberDiscount).toEqual({ percent: 5, amount: 500 });
  });
});

describe('member discount: the POS applies it and the sale records it', () => {
  it('earns points on what the customer pays and records the 5 % the Gold tier offered', async () => {
    const m = await memberAt('gold');
    // The qualifying sale used the day's cap (5,000 points); the next sale is on the next day.
    t.clock.advanceDays(1);
    const lines = [line(20_000)];
    const q = await t.post('/v1/baskets/quote', { lines, memberNo: m });
    // floor(20,000 × 5 / 100) = 1,000 fen
    expect(q.body.memberDiscount).toEqual({ percent: 5, amount: 1_000 });
    // The POS applies it as a basket discount: the customer pays 19,000 fen,
    // points = floor(19,000 × 1 × 1.5 / 100) = 285.
    const r = await sale(m, { lines, basketDiscount: q.body.memberDiscount.amount });
    expect(r.body).toMatchObject({ total: 19_000, pointsEarned: 285, tier: 'gold', memberDiscountPercent: 5 });
  });

  it('records 0 for an anonymous sale and for an Ordinary member', async () => {
    expect((await sale(null, { lines: [line(1_000)] })).body.memberDiscountPercent).toBe(0);
    const m = await memberAt('ordinary');
    expect((await sale(m, { lines: [line(1_000)] })).body.memberDiscountPercent).toBe(0);
  });
});

describe('free services: claimed against a yearly allowance', () => {
  let staffToken: string;

  beforeAll(async () => {
    new StaffDirectory(t.ctx.db).add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
    const r = await t.post('/v1/staff/sessions', { staffId: '1001', pin: '1234' }, { key: null });
    staffToken = r.body.token as string;
  });

  it('lets a Gold member claim gift-wrap once this year, then refuses the second claim', async () => {
    const m = await memberAt('gold');
    expect((await identify(m)).body.servicesAvailable).toEqual([{ service: 'gift-wrap', remaining: 1 }]);

    const first = await claim(m, 'gift-wrap');
    expect(first.status).toBe(201);
    const year = t.clock.today().slice(0, 4);
    expect(first.body).toMatchObject({
      memberNo: m,
      service: 'gift-wrap',
      tier: 'gold',
      year,
      used: 1,
      allowance: 1,
      remaining: 0,
    });
    const row = t.ctx.db.prepare('SELECT * FROM ledger WHERE seq = ?').get(first.body.entry);
    expect(rowToEntry(row as Parameters<typeof rowToEntry>[0])).toMatchObject({
      memberNo: m,
      kind: 'service_use',
      points: 0,
      data: { service: 'gift-wrap' },
    });
    expect((await identify(m)).body.servicesAvailable).toEqual([]);

    const before = count(t.ctx, 'ledger');
    expectError(await claim(m, 'gift-wrap'), 422, 'service_allowance_used');
    expect(count(t.ctx, 'ledger')).toBe(before);
  });

  it('refuses a service the tier does not offer, and every service to an Ordinary member', async () => {
    const gold = await memberAt('gold');
    expectError(await claim(gold, 'delivery'), 422, 'service_not_offered');
    const ordinary = await memberAt('ordinary');
    expect((await identify(ordinary)).body.servicesAvailable).toEqual([]);
    const before = count(t.ctx, 'ledger');
    expectError(await claim(ordinary, 'gift-wrap'), 422, 'service_not_offered');
    expect(count(t.ctx, 'ledger')).toBe(before);
  });

  it('refuses an unknown member and a claim without a service', async () => {
    expectError(await claim('2999999999999', 'gift-wrap'), 404, 'unknown_member');
    const m = await memberAt('gold');
    expectError(await t.post(`/v1/members/${m}/services/claim`, {}), 400, 'validation_failed');
  });

  it("attributes a staff session's claim to the signed-in staff member, whatever the body says", async () => {
    const m = await memberAt('gold');
    const r = await t.post(
      `/v1/members/${m}/services/claim`,
      { service: 'gift-wrap', staffId: '9999' },
      {
        key: staffToken,
      },
    );
    expect(r.status).toBe(201);
    const row = t.ctx.db.prepare('SELECT * FROM ledger WHERE seq = ?').get(r.body.entry);
    expect(rowToEntry(row as Parameters<typeof rowToEntry>[0]).data).toEqual({ service: 'gift-wrap', staffId: '1001' });
  });

  it("counts claims made at other stores (head office's confirmed state, DOMAIN.md 12)", async () => {
    const m = await memberAt('gold');
    const own = t.ctx.ledger.state(m, 'ordinary');
    const year = t.clock.today().slice(0, 4);
    t.ctx.hqState.put({
      memberNo: m,
      balance: own.balance,
      available: own.balance,
      tier: 'gold',
      class: null,
      confirmedAt: t.clock.iso(),
      includedSeq: t.ctx.ledger.headOf().seq,
      state: { ...own, servicesUsed: { [`${year}:gift-wrap`]: 1 } },
      cursor: 1,
    });
    expect((await identify(m)).body.servicesAvailable).toEqual([]);
    expectError(await claim(m, 'gift-wrap'), 422, 'service_allowance_used');
  });

  // Last in the file: it moves the clock to the turn of the year.
  it('makes the service available again in the next calendar year (store time)', async () => {
    const m = await memberAt('gold');
    t.clock.set(shanghaiAt('2025-12-31', '10:00'));
    expect((await claim(m, 'gift-wrap')).status).toBe(201);
    // 23:30 on 31 December in Shanghai is still 2025 there (15:30Z).
    t.clock.set(shanghaiAt('2025-12-31', '23:30'));
    expectError(await claim(m, 'gift-wrap'), 422, 'service_allowance_used');
    // Ten minutes past midnight in Shanghai is 2026 (16:10Z on 31 December): a new allowance.
    t.clock.set(shanghaiAt('2026-01-01', '00:10'));
    expect((await identify(m)).body).toMatchObject({
      tier: 'gold',
      servicesAvailable: [{ service: 'gift-wrap', remaining: 1 }],
    });
    const again = await claim(m, 'gift-wrap');
    expect(again.status).toBe(201);
    expect(again.body).toMatchObject({ year: '2026', used: 1, remaining: 0 });
  });
});

describe('OpenAPI', () => {
  it('documents the claim endpoint and the new quote, sale and summary fields', async () => {
    const doc = (await t.get('/v1/openapi.json')).body;
    const op = doc.paths['/v1/members/{memberNo}/services/claim']?.post;
    expect(op?.parameters).toEqual([expect.objectContaining({ name: 'memberNo', in: 'path' })]);
    expect(op?.responses?.['201']).toBeDefined();
    const schemas = doc.components.schemas;
    expect(schemas.ServiceClaimRequest.properties.service).toBeDefined();
    expect(schemas.QuoteResponse.properties.memberDiscount.properties).toMatchObject({
      percent: expect.any(Object),
      amount: expect.any(Object),
    });
    expect(schemas.SaleResponse.properties.memberDiscountPercent).toBeDefined();
    expect(schemas.MemberSummary.properties.servicesAvailable).toBeDefined();
  });
});
