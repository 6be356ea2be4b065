/**
 * DOMAIN.md 12 "a return may be taken at any store", end to end: a real head-office process
 * and in-process tills of two stores whose business clocks the test moves and whose sync the
 * test drives (request signatures keep the wall clock). Every figure of a return taken at
 * another store is held to the same return taken at the sale's own till (DOMAIN.md 6 keep-floor).
 */
import { describe, expect, it } from 'vitest';
import { lotIdOf } from '../../core/ledger/entry.js';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { bearerCall } from '../helpers/bearer-call.js';
import type { Till } from '../../main/service/till.js';
import { Clock, operator, syncTills, tillPost, useHqProcess, type Json } from './procs.js';

const TOKEN = 'operator-token-returns-elsewhere';
const fx = useHqProcess('sync-returns', TOKEN);
const post = tillPost;
const tillAt = fx.tillAt;

/** Two skus whose shares do not divide evenly, so every return floors. */
const LINES = [
  { sku: 'A', category: 'grocery', quantity: 3, unitPrice: 3_333 },
  { sku: 'B', category: 'grocery', quantity: 1, unitPrice: 1_001 },
];
const TOTAL = 3 * 3_333 + 1_001;

/** Paid partly with 500 points, so a return also gives points back. */
function saleBody(saleId: string, memberNo: string): Json {
  return {
    saleId,
    memberNo,
    lines: LINES,
    tenders: [
      { type: 'points', points: 500 },
      { type: 'cash', amount: TOTAL - 500 },
    ],
  };
}

const FIGURES = ['pointsReversed', 'pointsRestored', 'pointsShort', 'returnedAmount', 'returned', 'fullyReturned'];
const figures = (r: Json): Json => Object.fromEntries(FIGURES.map((k) => [k, r[k]]));

const syncAll = syncTills;

async function balanceAt(t: Till, memberNo: string): Promise<number> {
  const r = await post(t, '/v1/members/identify', { code: memberNo });
  expect(r.status).toBe(200);
  return r.json.balance as number;
}

function rows(t: Till): Json {
  const n = (table: string): number =>
    (t.ctx.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  return {
    ledger: n('ledger'),
    returns: n('returns'),
    outbox: n('outbox'),
    foreignSales: n('foreign_sales'),
  };
}

async function enrolAndFund(t: Till, phone: string): Promise<{ memberNo: string; funded: number }> {
  const m = await post(t, '/v1/members', { name: '孙八', phone, consent: { marketing: true, text: 'v1' } });
  expect(m.status).toBe(201);
  const memberNo = m.json.memberNo as string;
  const fund = await post(t, '/v1/sales', {
    saleId: `FUND-${phone}`,
    memberNo,
    lines: [{ sku: 'F', category: 'grocery', quantity: 1, unitPrice: 100_000 }],
  });
  expect(fund.status).toBe(201);
  // Online from here: head office confirmed the points the sales below spend.
  await syncAll(t);
  return { memberNo, funded: fund.json.balance as number };
}

describe('a return at any store (DOMAIN.md 12)', () => {
  it('a sale of store A returned at store B takes back what a return at A would, and the tills agree after sync', async () => {
    const a = await tillAt('store-a', 'till-a1');
    const b = await tillAt('store-b', 'till-b1');
    // A stamp card (a reward far off): each sale earns a stamp, which the return that empties it takes back.
    const card = await bearerCall(fx.hq.url, TOKEN, 'POST', '/v1/rulesets', {
      ...DEFAULT_RULE_SET_INPUT,
      version: 2,
      effectiveFrom: '2020-01-01T00:00:00Z',
      stampCard: { threshold: 5_000, stampsForReward: 99, rewardPoints: 100 },
    });
    expect(card.status).toBe(201);
    await syncAll(a, b);
    const { memberNo, funded } = await enrolAndFund(a, '13900000101');
    // S-1 is returned at B (and once at A); its twin S-2 only ever at A, as the reference.
    const s1 = await post(a, '/v1/sales', saleBody('S-1', memberNo));
    const s2 = await post(a, '/v1/sales', saleBody('S-2', memberNo));
    expect(s1.status, JSON.stringify(s1.json)).toBe(201);
    expect(s2.json.pointsEarned).toBe(s1.json.pointsEarned);
    const earned = s1.json.pointsEarned as number;
    const beforeReturns = s2.json.balance as number;
    expect(beforeReturns).toBe(funded - 1000 + 2 * earned);
    await syncAll(a, b);

    // First partial return: one A, at B against S-1 and at A against S-2.
    const one = [{ sku: 'A', quantity: 1 }];
    const atB = await post(b, '/v1/returns', { returnId: 'B-R1', originalSaleId: 'S-1', lines: one });
    expect(atB.status, JSON.stringify(atB.json)).toBe(201);
    const atA = await post(a, '/v1/returns', { returnId: 'A-R1', originalSaleId: 'S-2', lines: one });
    expect(atA.status).toBe(201);
    expect(figures(atB.json)).toEqual(figures(atA.json));
    expect(atB.json.pointsReversed).toBeGreaterThan(0);
    expect(atB.json.pointsRestored).toBeGreaterThan(0);
    // B decided on the member's merged balance: A's sales are in it, A's return is not yet.
    expect(atB.json.balance).toBe(
      beforeReturns - (atB.json.pointsReversed as number) + (atB.json.pointsRestored as number),
    );

    // The reverse entry takes A's earn lot first, and the spend leaves the sale's own day.
    const earnSeq = a.ctx.ledger.saleEntry('S-1', 'earn')?.seq ?? 0;
    const reverse = b.ctx.db
      .prepare("SELECT data, sale_id FROM ledger WHERE return_id = 'B-R1' AND kind = 'reverse'")
      .get() as { data: string; sale_id: string };
    expect(reverse.sale_id).toBe('S-1');
    expect(JSON.parse(reverse.data)).toMatchObject({
      lotId: lotIdOf({ tillId: 'till-a1', seq: earnSeq }),
      spendOn: a.ctx.ledger.saleEntry('S-1', 'earn')?.localDate,
    });

    // Second partial return, back at A: it counts B's return, exactly as A's own first one for S-2.
    await syncAll(b, a);
    const tooMuch = await post(a, '/v1/returns', {
      returnId: 'A-RX',
      originalSaleId: 'S-1',
      lines: [{ sku: 'A', quantity: 3 }],
    });
    expect(tooMuch.status).toBe(422);
    expect((tooMuch.json.error as Json).code).toBe('return_exceeds_sale');
    const secondA1 = await post(a, '/v1/returns', { returnId: 'A-R2', originalSaleId: 'S-1', lines: one });
    const secondA2 = await post(a, '/v1/returns', { returnId: 'A-R3', originalSaleId: 'S-2', lines: one });
    expect(secondA1.status, JSON.stringify(secondA1.json)).toBe(201);
    expect(figures(secondA1.json)).toEqual(figures(secondA2.json));

    // The rest at B (S-1) and at A (S-2): the returns add up to exactly what each sale earned and spent.
    await syncAll(a, b);
    const rest = [
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 1 },
    ];
    const lastB = await post(b, '/v1/returns', { returnId: 'B-R2', originalSaleId: 'S-1', lines: rest });
    const lastA = await post(a, '/v1/returns', { returnId: 'A-R4', originalSaleId: 'S-2', lines: rest });
    expect(lastB.status, JSON.stringify(lastB.json)).toBe(201);
    expect(figures(lastB.json)).toEqual(figures(lastA.json));
    expect(lastB.json.fullyReturned).toBe(true);
    // Each sale's stamp went back once, with the return that left it below the card's threshold:
    // the second, whichever store took the first (one A and the B kept: ¥43.34 less the points' share).
    const stampBack = (t: Till, saleId: string): unknown =>
      t.ctx.db
        .prepare("SELECT group_concat(return_id) AS r FROM ledger WHERE kind = 'stamp_return' AND sale_id = ?")
        .get(saleId);
    expect([stampBack(a, 'S-1'), stampBack(b, 'S-1'), stampBack(a, 'S-2')]).toEqual([
      { r: 'A-R2' },
      { r: null },
      { r: 'A-R3' },
    ]);
    const sum = (k: string, ...rs: { json: Json }[]): number => rs.reduce((x, r) => x + (r.json[k] as number), 0);
    expect(sum('pointsReversed', atB, secondA1, lastB)).toBe(earned);
    expect(sum('pointsRestored', atB, secondA1, lastB)).toBe(500);
    // Nothing is left of S-1 to return, at either store.
    const more = await post(b, '/v1/returns', { returnId: 'B-R3', originalSaleId: 'S-1', lines: one });
    expect(more.status).toBe(422);
    expect((more.json.error as Json).code).toBe('return_exceeds_sale');

    // After sync: both tills and head office hold the balance before the two sales.
    await syncAll(a, b);
    const hqBalance = (await operator(fx.hq.url, TOKEN, `/v1/members/${memberNo}`)).json.balance;
    expect(hqBalance).toBe(funded);
    expect(await balanceAt(a, memberNo)).toBe(funded);
    expect(await balanceAt(b, memberNo)).toBe(funded);
    expect(b.sync?.status().problem).toBeNull();
    // Head office recomputed every return, at either store, and agrees with the tills.
    const tills = (await operator(fx.hq.url, TOKEN, '/v1/tills')).json.tills as {
      tillId: string;
      mismatches: number;
    }[];
    expect(tills.map((x) => [x.tillId, x.mismatches])).toEqual([
      ['till-a1', 0],
      ['till-b1', 0],
    ]);
    expect(fx.hq.output()).not.toContain('return_mismatch');
  }, 120_000);

  it('a replay of the same returnId answers the first answer without head office; another body conflicts', async () => {
    const clock = new Clock();
    const a = await tillAt('store-c', 'till-c1');
    const d = await tillAt('store-d', 'till-d1', clock);
    const { memberNo } = await enrolAndFund(a, '13900000102');
    expect((await post(a, '/v1/sales', saleBody('C-1', memberNo))).status).toBe(201);
    await syncAll(a, d);
    const body = { returnId: 'D-R1', originalSaleId: 'C-1', lines: [{ sku: 'B', quantity: 1 }] };
    const first = await post(d, '/v1/returns', body);
    expect(first.status).toBe(201);
    // Offline now: the replay needs nothing from head office.
    clock.advanceMinutes(20);
    const before = rows(d);
    const again = await post(d, '/v1/returns', body);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    const other = await post(d, '/v1/returns', { ...body, lines: [{ sku: 'A', quantity: 1 }] });
    expect(other.status).toBe(409);
    expect((other.json.error as Json).code).toBe('idempotency_conflict');
    expect(rows(d)).toEqual(before);
    // The return reached head office naming the sale's till.
    clock.t = Date.now();
    await syncAll(d, a);
    const member = (await operator(fx.hq.url, TOKEN, `/v1/members/${memberNo}`)).json;
    const ledger = member.ledger as { tillId: string; returnId: string | null }[];
    expect(ledger.some((e) => e.tillId === 'till-d1' && e.returnId === 'D-R1')).toBe(true);
  }, 120_000);

  it('offline, a sale of another store cannot be returned (409 original_sale_elsewhere) and nothing is written', async () => {
    const clock = new Clock();
    const a = await tillAt('store-e', 'till-e1');
    const f = await tillAt('store-f', 'till-f1', clock);
    const { memberNo } = await enrolAndFund(a, '13900000103');
    expect((await post(a, '/v1/sales', saleBody('E-1', memberNo))).status).toBe(201);
    await syncAll(a, f);
    // Online, an unknown number is unknown everywhere.
    const unknown = await post(f, '/v1/returns', {
      returnId: 'F-R0',
      originalSaleId: 'NOPE',
      lines: [{ sku: 'A', quantity: 1 }],
    });
    expect(unknown.status).toBe(404);
    expect((unknown.json.error as Json).code).toBe('unknown_sale');

    clock.advanceMinutes(20);
    const health = await fetch(`${f.url}/v1/health`, { headers: { authorization: 'Bearer pos-key' } });
    expect(((await health.json()) as { online: boolean }).online).toBe(false);
    const before = rows(f);
    const r = await post(f, '/v1/returns', {
      returnId: 'F-R1',
      originalSaleId: 'E-1',
      lines: [{ sku: 'A', quantity: 1 }],
    });
    expect(r.status).toBe(409);
    expect(r.json.error).toMatchObject({ code: 'original_sale_elsewhere', field: 'originalSaleId' });
    expect((r.json.error as Json).message).toMatch(/offline/);
    expect(rows(f)).toEqual(before);
  }, 120_000);

  // Last: it stops head office.
  it('head office unreachable while the till counts as online: 409 original_sale_elsewhere, a local return still works', async () => {
    const a = await tillAt('store-g', 'till-g1');
    const h = await tillAt('store-h', 'till-h1');
    const { memberNo } = await enrolAndFund(a, '13900000104');
    expect((await post(a, '/v1/sales', saleBody('G-1', memberNo))).status).toBe(201);
    expect((await post(a, '/v1/sales', saleBody('G-2', memberNo))).status).toBe(201);
    await syncAll(a, h);
    await fx.hq.kill('SIGKILL');
    const before = rows(h);
    const r = await post(h, '/v1/returns', {
      returnId: 'H-R1',
      originalSaleId: 'G-1',
      lines: [{ sku: 'A', quantity: 1 }],
    });
    expect(r.status).toBe(409);
    expect(r.json.error).toMatchObject({ code: 'original_sale_elsewhere' });
    expect((r.json.error as Json).message).toMatch(/could not be reached/);
    expect(rows(h)).toEqual(before);
    // The sale's own till decides on what it knows.
    const own = await post(a, '/v1/returns', {
      returnId: 'G-R1',
      originalSaleId: 'G-2',
      lines: [{ sku: 'A', quantity: 1 }],
    });
    expect(own.status).toBe(201);
  }, 120_000);
});
