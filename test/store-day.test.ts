/**
 * Issue 14 ("The store's day"), the POS API parts: NFC enrolment of all-digit UIDs, tenders
 * that add up, an anonymous sale's answer, and what /v1/health tells the cashier's status bar.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setMeta } from '../main/service/identity.js';
import { createTill, type Till } from '../main/service/till.js';
import { installRuleSet, POS_KEY, startTill, testConfig, type TestTill } from './helpers/till.js';

let t: TestTill;
beforeAll(async () => {
  t = await startTill();
});
afterAll(async () => {
  await t?.close();
});

const consent = { marketing: false, text: 'privacy-2026-01' };
const food = (unitPrice: number) => ({ sku: 'rice', category: 'food', quantity: 1, unitPrice });

describe('enrolment says where the card code came from', () => {
  it('an all-digit UID tapped on an NFC reader enrols as that UID', async () => {
    const guessed = await t.post('/v1/members', {
      name: '周一',
      phone: '13700000001',
      consent,
      cardCode: '04998877665544',
    });
    expect(guessed.status).toBe(422); // by its shape alone it is no barcode and no UID
    expect(guessed.body.error).toMatchObject({ code: 'unrecognised_code', field: 'cardCode' });

    const r = await t.post('/v1/members', {
      name: '周一',
      phone: '13700000001',
      consent,
      cardCode: '04998877665544',
      cardSource: 'nfc',
    });
    expect(r.status).toBe(201);
    expect(t.ctx.members.card('04998877665544')).toMatchObject({ kind: 'nfc', memberNo: r.body.memberNo });
    const again = await t.post('/v1/members/identify', { code: '04:99:88:77:66:55:44', source: 'nfc' });
    expect(again.body.memberNo).toBe(r.body.memberNo);
  });

  it('a barcode source keeps the check digit and a QR source cannot link a card', async () => {
    const bad = await t.post('/v1/members', {
      name: '周二',
      phone: '13700000002',
      consent,
      cardCode: '04998877665544',
      cardSource: 'barcode',
    });
    expect(bad.body.error.code).toBe('unrecognised_code');
    const qr = await t.post('/v1/members', {
      name: '周二',
      phone: '13700000002',
      consent,
      cardCode: '04998877665544',
      cardSource: 'qr',
    });
    expect(qr.body.error.code).toBe('unrecognised_code');
  });
});

describe('tenders add up to the amount due', () => {
  let memberNo: string;
  beforeAll(async () => {
    const m = await t.post('/v1/members', { name: '吴三', phone: '13700000003', consent });
    memberNo = m.body.memberNo;
    expect((await t.post('/v1/sales', { saleId: 'T-seed', memberNo, lines: [food(100_000)] })).status).toBe(201);
  });

  it('refuses money tenders that do not pay the amount due, recording nothing', async () => {
    const r = await t.post('/v1/sales', {
      saleId: 'T-short',
      memberNo,
      lines: [food(10_000)],
      tenders: [{ type: 'cash', amount: 9_000 }],
    });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: 'tenders_do_not_add_up', field: 'tenders' });
    expect(r.body.error.message).toContain('¥100.00');
    expect(t.ctx.sales.sale('T-short')).toBeNull();
    const over = await t.post('/v1/sales', {
      saleId: 'T-over',
      lines: [food(10_000)],
      tenders: [{ type: 'card', amount: 10_001 }],
    });
    expect(over.body.error.code).toBe('tenders_do_not_add_up');
  });

  it('accepts tenders that add up, points at their value; points alone; partial tenders that fall short', async () => {
    const exact = await t.post('/v1/sales', {
      saleId: 'T-exact',
      memberNo,
      lines: [food(10_000)],
      tenders: [
        { type: 'points', points: 500 },
        { type: 'cash', amount: 9_500 },
      ],
    });
    expect(exact.status).toBe(201);
    const pointsOnly = await t.post('/v1/sales', {
      saleId: 'T-points',
      memberNo,
      lines: [food(10_000)],
      tenders: [{ type: 'points', points: 100 }],
    });
    expect(pointsOnly.status).toBe(201);
    const partial = await t.post('/v1/sales', {
      saleId: 'T-partial',
      lines: [food(10_000)],
      tenders: [{ type: 'cash', amount: 4_000 }],
      partialTenders: true,
    });
    expect(partial.status).toBe(201);
    const partialOver = await t.post('/v1/sales', {
      saleId: 'T-partial-over',
      lines: [food(10_000)],
      tenders: [{ type: 'cash', amount: 12_000 }],
      partialTenders: true,
    });
    expect(partialOver.body.error.code).toBe('tenders_do_not_add_up');
  });
});

describe('an anonymous sale', () => {
  it('answers no points and what a member would have earned, not a breakdown adding up to 12', async () => {
    const r = await t.post('/v1/sales', { saleId: 'A-1', lines: [food(1_200)] });
    expect(r.status).toBe(201);
    expect(r.body.pointsEarned).toBe(0);
    expect(r.body.breakdownText.en).not.toMatch(/= 12/);
    expect(r.body.breakdownText).toEqual({
      zh: '非会员消费，不积分（会员可得 12 积分）',
      en: 'no member on this sale: no points (a member would have earned 12)',
    });
    expect(r.body.breakdown).toEqual([{ kind: 'noMember', memberWouldEarn: 12 }]);
  });
});

describe('/v1/health for the status bar', () => {
  let till: Till;
  let dir: string;
  let now = new Date('2026-11-23T02:00:00Z');
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'till-health-'));
    till = await createTill(
      testConfig(dir, {
        // Head office is configured but nothing answers there.
        hqUrl: 'http://127.0.0.1:9',
        tillId: 'till-h1',
        tillSecret: 'secret-for-tests-0123456789',
        syncIntervalMs: 60_000,
        storeName: '幸福里便利店',
      }),
      { now: () => now, quiet: true },
    );
  });
  afterAll(async () => {
    await till?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const health = async () =>
    (await fetch(`${till.url}/v1/health`, { headers: { authorization: `Bearer ${POS_KEY}` } })).json() as Promise<
      Record<string, unknown>
    >;

  it('says how long the oldest entry has waited for head office, the lock and the store name', async () => {
    const empty = await health();
    expect(empty).toMatchObject({ oldestWaitingAt: null, oldestWaitingSeconds: null, redemptionLock: null });
    expect(empty.storeName).toEqual({ zh: '幸福里便利店', en: '幸福里便利店' });
    const res = await fetch(`${till.url}/v1/sales`, {
      method: 'POST',
      headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ saleId: 'H-1', lines: [food(500)] }),
    });
    expect(res.status).toBe(201);
    const recordedAt = now.toISOString();
    now = new Date(now.getTime() + 7 * 60_000);
    await till.sync?.syncNow();
    const h = await health();
    expect(h.syncProblem).toMatchObject({ code: 'hq_unreachable' });
    expect(h.entriesWaiting).toBeGreaterThan(0);
    expect(h.oldestWaitingAt).toBe(recordedAt);
    expect(h.oldestWaitingSeconds).toBe(7 * 60);

    setMeta(till.ctx.db, 'redemption_lock', JSON.stringify({ since: recordedAt, count: 101 }));
    expect((await health()).redemptionLock).toEqual({ since: recordedAt, count: 101 });
  });
});

describe('GET /v1/categories', () => {
  it("lists the rule set's categories with display names, the rule set's own names first", async () => {
    installRuleSet(t.ctx, {
      version: 3,
      earn: { categoryMultipliers: { 'own-brand': '2' } },
      categoryNames: { 'own-brand': { zh: '自有品牌', en: 'own brand' } },
    });
    const r = await t.get('/v1/categories');
    expect(r.status).toBe(200);
    const byCode = new Map((r.body as { code: string }[]).map((c) => [c.code, c]));
    expect(byCode.get('own-brand')).toEqual({
      code: 'own-brand',
      name: { zh: '自有品牌', en: 'own brand' },
      excluded: false,
      multiplier: '2',
    });
    expect(byCode.get('tobacco')).toMatchObject({ name: { zh: '烟草' }, excluded: true });
  });
});
