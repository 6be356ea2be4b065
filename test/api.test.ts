/**
 * The POS integration API (CONTRACTS.md) against the real service: a real HTTP server on
 * 127.0.0.1, a real SQLite file, fetch as the client. Every refusal must be a 4xx with a
 * stable snake_case code; a 5xx is a defect.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ean13CheckDigit } from '../core/cards/checkdigit.js';
import { signMemberQr } from '../core/cards/memberqr.js';
import { routes } from '../main/api/routes.js';
import { verifyCache, verifyTillChain } from '../main/db/rebuild.js';
import { count, enrolRequest, POS_KEY, startTill, type ApiAnswer, type TestTill } from './helpers/till.js';

let t: TestTill;

beforeAll(async () => {
  t = await startTill();
});

afterAll(async () => {
  await t?.close();
});

const food = (sku: string, unitPrice: number, quantity = 1, discount = 0): Record<string, unknown> => ({
  sku,
  name: `item ${sku}`,
  category: 'food',
  quantity,
  unitPrice,
  discount,
});

function expectError(a: ApiAnswer, status: number, code: string): void {
  expect({ status: a.status, code: a.body?.error?.code }).toEqual({ status, code });
  expect(typeof a.body.error.message).toBe('string');
  expect(a.body.error.message.length).toBeGreaterThan(0);
}

/** Everything a write could touch, to prove that a refusal or a replay changed nothing. */
function snapshot(): Record<string, unknown> {
  const db = t.ctx.db;
  return {
    ledger: count(t.ctx, 'ledger'),
    sales: count(t.ctx, 'sales'),
    returns: count(t.ctx, 'returns'),
    members: count(t.ctx, 'members'),
    lots: db.prepare('SELECT member_no, lot_id, remaining FROM lots ORDER BY member_no, lot_id').all(),
    state: db.prepare('SELECT member_no, balance, tier, state FROM member_state ORDER BY member_no').all(),
    meta: db.prepare("SELECT value FROM meta WHERE key = 'member_counter'").get(),
  };
}

async function enrolMember(overrides: Record<string, unknown> = {}): Promise<string> {
  const r = await t.post('/v1/members', enrolRequest(overrides));
  expect(r.status).toBe(201);
  return r.body.memberNo as string;
}

let saleCounter = 0;
const nextSaleId = (): string => `POS-${++saleCounter}`;

/** A member with `yuan` worth of points from one cash sale (1 point per ¥1 at Ordinary). */
async function memberWithPoints(yuan: number): Promise<string> {
  const m = await enrolMember();
  const r = await t.post('/v1/sales', { saleId: nextSaleId(), memberNo: m, lines: [food('SEED', yuan * 100)] });
  expect(r.status).toBe(201);
  expect(r.body.balance).toBe(yuan);
  return m;
}

describe('members: enrol and identify', () => {
  it('enrols with consent and identifies by the member number barcode, masked', async () => {
    const r = await t.post('/v1/members', enrolRequest({ name: '王小明', phone: '13512345678' }));
    expect(r.status).toBe(201);
    const memberNo = r.body.memberNo as string;
    // Member numbers are EAN-13 in the in-store range: 2 + till code + counter + check digit.
    expect(memberNo).toMatch(/^2\d{12}$/);
    expect(ean13CheckDigit(memberNo.slice(0, 12))).toBe(memberNo[12]);
    expect(r.body).toMatchObject({ name: '王**', phone: '135****5678', tier: 'ordinary', balance: 0 });

    const id = await t.post('/v1/members/identify', { code: memberNo });
    expect(id.status).toBe(200);
    expect(id.body).toMatchObject({
      memberNo,
      name: '王**',
      phone: '135****5678',
      tier: 'ordinary',
      class: null,
      balance: 0,
      expiringSoon: [],
    });
    // Personal data never leaves unmasked.
    expect(JSON.stringify(id.body)).not.toContain('13512345678');
    expect(JSON.stringify(id.body)).not.toContain('小明');
  });

  it.each([
    ['13612345678'],
    ['136 1234 5678'],
    ['136-1234-5678'],
    ['+86 136 1234 5678'],
    ['+8613612345678'],
    ['008613612345678'],
    ['8613612345678'],
    ['(136) 1234-5678'],
  ])('identifies by phone typed as %s', async (typed) => {
    const phone = '13612345678';
    let memberNo: string | undefined;
    const existing = await t.post('/v1/members/identify', { phone });
    if (existing.status === 200) memberNo = existing.body.memberNo as string;
    else memberNo = await enrolMember({ phone });
    const r = await t.post('/v1/members/identify', { phone: typed });
    expect(r.status).toBe(200);
    expect(r.body.memberNo).toBe(memberNo);
  });

  // A number typed through a Chinese IME in full-width digits is the same number.
  it('identifies by a phone typed in full-width digits', async () => {
    const phone = '13612345678';
    const existing = await t.post('/v1/members/identify', { phone });
    const memberNo = existing.status === 200 ? (existing.body.memberNo as string) : await enrolMember({ phone });
    const r = await t.post('/v1/members/identify', { phone: '１３６１２３４５６７８' });
    expect(r.status).toBe(200);
    expect(r.body.memberNo).toBe(memberNo);
  });

  it("names the asker's requestId in the member event, and refuses a malformed one", async () => {
    const memberNo = await enrolMember({ phone: '13712340099' });
    const seen: unknown[] = [];
    const off = t.ctx.events.subscribe(({ event }) => event.type === 'member' && seen.push(event));
    try {
      expect((await t.post('/v1/members/identify', { code: memberNo, requestId: 'a1B2_c3-d4' })).status).toBe(200);
      expect((await t.post('/v1/members/identify', { phone: '13712340099', requestId: 'f'.repeat(64) })).status).toBe(
        200,
      );
      expect((await t.post('/v1/members/identify', { code: memberNo })).status).toBe(200);
      const before = snapshot();
      for (const requestId of ['', 'x'.repeat(65), 'has space', '<script>', 7]) {
        const r = await t.post('/v1/members/identify', { code: memberNo, requestId });
        expect(r.status, String(requestId)).toBe(400);
      }
      expect(snapshot()).toEqual(before);
    } finally {
      off();
    }
    expect(seen).toEqual([
      { type: 'member', memberNo, via: 'code', requestId: 'a1B2_c3-d4' },
      { type: 'member', memberNo, via: 'phone', requestId: 'f'.repeat(64) },
      { type: 'member', memberNo, via: 'code' },
    ]);
  });

  it('identifies by a linked NFC card however the reader prints the UID', async () => {
    const memberNo = await enrolMember({ cardCode: '04:A2:2B:1C:3D:4E:80' });
    for (const code of ['04a22b1c3d4e80', '04 A2 2B 1C 3D 4E 80', '04-a2-2b-1c-3d-4e-80']) {
      const r = await t.post('/v1/members/identify', { code });
      expect(r.status, code).toBe(200);
      expect(r.body.memberNo).toBe(memberNo);
    }
    const nfc = await t.post('/v1/members/identify', { code: '04A22B1C3D4E80', source: 'nfc' });
    expect(nfc.status).toBe(200);
    expect(nfc.body.memberNo).toBe(memberNo);
    // The card is also accepted as memberCode on a sale.
    const sale = await t.post('/v1/sales', {
      saleId: nextSaleId(),
      memberCode: '04a22b1c3d4e80',
      lines: [food('A', 1000)],
    });
    expect(sale.status).toBe(201);
    expect(sale.body.memberNo).toBe(memberNo);
  });

  it('identifies by a signed mobile member QR, refusing expired and forged ones', async () => {
    const memberNo = await enrolMember();
    const qr = signMemberQr(t.ctx.qrKey, memberNo, t.clock.now().getTime());
    const ok = await t.post('/v1/members/identify', { code: qr });
    expect(ok.status).toBe(200);
    expect(ok.body.memberNo).toBe(memberNo);
    const sale = await t.post('/v1/sales', { saleId: nextSaleId(), memberCode: qr, lines: [food('A', 100)] });
    expect(sale.status).toBe(201);
    expect(sale.body.memberNo).toBe(memberNo);
    // Signed with another key: forged. For a member number nobody has: unknown member.
    expectError(
      await t.post('/v1/members/identify', {
        code: signMemberQr(Buffer.alloc(32, 7), memberNo, t.clock.now().getTime()),
      }),
      422,
      'qr_forged',
    );
    expectError(
      await t.post('/v1/members/identify', {
        code: signMemberQr(t.ctx.qrKey, '2999999999998', t.clock.now().getTime()),
      }),
      404,
      'unknown_member',
    );
    expectError(await t.post('/v1/members/identify', { code: 'LM1.broken' }), 422, 'qr_malformed');
    // Five minutes later the same screenshot no longer works.
    t.clock.advanceMs(5 * 60_000);
    expectError(await t.post('/v1/members/identify', { code: qr }), 422, 'qr_expired');
  });

  it('links a pre-printed card carrying a member number this till would issue, without breaking enrolment', async () => {
    const first = await enrolMember();
    // Member numbers are 2 + till code + 6-digit counter + check digit: predict the next two.
    const numberAt = (n: number): string => {
      const first12 = `${first.slice(0, 6)}${String(n).padStart(6, '0')}`;
      return `${first12}${ean13CheckDigit(first12)}`;
    };
    const counter = Number(first.slice(6, 12));
    const a = await t.post('/v1/members', enrolRequest({ cardCode: numberAt(counter + 1) }));
    expect(a.status).toBe(201);
    const b = await t.post('/v1/members', enrolRequest({ cardCode: numberAt(counter + 3) }));
    expect(b.status).toBe(201);
    // The next enrolments skip the number already printed on b's card.
    const c = await t.post('/v1/members', enrolRequest());
    expect(c.status).toBe(201);
    const d = await t.post('/v1/members', enrolRequest());
    expect(d.status).toBe(201);
    const numbers = [a, b, c, d].map((r) => r.body.memberNo as string);
    expect(new Set(numbers).size).toBe(4);
    expect(numbers).not.toContain(numberAt(counter + 3));
    expect((await t.post('/v1/members/identify', { code: numberAt(counter + 3) })).body.memberNo).toBe(b.body.memberNo);
    expect((await t.post('/v1/members/identify', { code: numberAt(counter + 1) })).body.memberNo).toBe(a.body.memberNo);
  });

  it('refuses a phone or a card that already belongs to someone', async () => {
    await enrolMember({ phone: '13712345678', cardCode: 'DEADBEEF' });
    const before = snapshot();
    expectError(await t.post('/v1/members', enrolRequest({ phone: '137 1234 5678' })), 409, 'phone_in_use');
    expectError(await t.post('/v1/members', enrolRequest({ cardCode: 'de:ad:be:ef' })), 409, 'card_in_use');
    expect(snapshot()).toEqual(before);
  });

  it('refuses enrolment without consent, with a bad phone or birthday', async () => {
    const before = snapshot();
    const { consent: _c, ...noConsent } = enrolRequest();
    expectError(await t.post('/v1/members', noConsent), 400, 'validation_failed');
    expectError(await t.post('/v1/members', enrolRequest({ phone: '12345678901' })), 400, 'invalid_phone');
    expectError(await t.post('/v1/members', enrolRequest({ birthday: '02-30' })), 400, 'invalid_birthday');
    expectError(
      await t.post('/v1/members', enrolRequest({ referrerMemberNo: '2000000000008' })),
      404,
      'unknown_member',
    );
    expect(snapshot()).toEqual(before);
  });
});

describe('baskets, sales and returns', () => {
  it('a quote computes with a breakdown and changes nothing', async () => {
    const m = await memberWithPoints(1000);
    const before = snapshot();
    const q = await t.post('/v1/baskets/quote', {
      memberNo: m,
      lines: [food('A', 2500, 2), { sku: 'T', category: 'tobacco', quantity: 1, unitPrice: 3000 }],
      redeemPoints: 200,
    });
    expect(q.status).toBe(200);
    // net 8,000 fen; 200 points = ¥2.00 = 200 fen, allocated over nets 5,000 / 3,000:
    // A 125, T 75. eligible = 5,000 - 125 = 4,875 -> floor(4,875 / 100) = 48 points.
    expect(q.body).toMatchObject({
      memberNo: m,
      total: 8000,
      qualifyingSpend: 5000,
      pointsEarned: 48,
      pointsRedeemed: 200,
      redemptionValue: 200,
      // 50 % of 8,000 fen = 4,000 fen = 4,000 points; the balance (1,000) is smaller.
      maxRedeemablePoints: 1000,
      balance: 1000,
      redemptionProblem: null,
    });
    expect(q.body.breakdown.map((b: { kind: string }) => b.kind)).toEqual(
      expect.arrayContaining(['base', 'excluded', 'pointsTender', 'tier']),
    );
    // An anonymous quote shows what a member would earn.
    const anon = await t.post('/v1/baskets/quote', { lines: [food('A', 1999)] });
    expect(anon.status).toBe(200);
    expect(anon.body).toMatchObject({ memberNo: null, pointsEarned: 19, balance: null });
    // A quote may name a saleId (the basket in progress): still nothing recorded.
    expect((await t.post('/v1/baskets/quote', { saleId: 'Q-1', memberNo: m, lines: [food('A', 100)] })).status).toBe(
      200,
    );
    expect(snapshot()).toEqual(before);
    expect(t.ctx.sales.sale('Q-1')).toBeNull();
  });

  it('records a sale once: a replay answers the same and changes nothing; a different body is 409', async () => {
    const m = await enrolMember();
    const body = {
      saleId: 'R-1001',
      memberNo: m,
      lines: [food('A', 1250, 2), food('B', 999, 1.5, 100)],
      basketDiscount: 300,
      tenders: [{ type: 'cash', amount: 3599 }],
      staffId: 'cashier-7',
    };
    const first = await t.post('/v1/sales', body);
    expect(first.status).toBe(201);
    // gross A 2,500; B 1.5 x 999 = 1,498.5 -> 1,499 (half up); B own discount 100 -> 1,399.
    // basket discount 300 over 2,500 / 1,399: A 192.3 -> 192, B 107.6 -> 107, +1 to B (larger remainder).
    // net A 2,308, B 1,291 = 3,599; floor(3,599 / 100) = 35 points.
    expect(first.body).toMatchObject({
      saleId: 'R-1001',
      memberNo: m,
      total: 3599,
      pointsEarned: 35,
      pointsRedeemed: 0,
      balance: 35,
      tier: 'ordinary',
      tierChanged: false,
      receiptId: 'R-1001',
      ruleVersion: 1,
    });
    expect(first.body.entries).toHaveLength(1);

    const before = snapshot();
    const again = await t.post('/v1/sales', body);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    // Key order and defaults do not make a body "different".
    const reordered = { ...body, lines: body.lines.map((l) => ({ ...l })), basketDiscount: 300 };
    expect((await t.post('/v1/sales', Object.fromEntries(Object.entries(reordered).reverse()))).status).toBe(200);
    expect(snapshot()).toEqual(before);

    // Even after the clock moved and the member's balance changed, the replay is the first answer.
    t.clock.advanceDays(1);
    expect((await t.post('/v1/sales', { saleId: nextSaleId(), memberNo: m, lines: [food('C', 500)] })).status).toBe(
      201,
    );
    const later = await t.post('/v1/sales', body);
    expect(later.status).toBe(200);
    expect(later.body).toEqual(first.body);

    const mid = snapshot();
    expectError(await t.post('/v1/sales', { ...body, basketDiscount: 200 }), 409, 'idempotency_conflict');
    expectError(await t.post('/v1/sales', { ...body, memberNo: undefined }), 409, 'idempotency_conflict');
    expect(snapshot()).toEqual(mid);
  });

  it('records returns against a sale, idempotently, and refuses returning more than was sold', async () => {
    const m = await enrolMember();
    const sale = await t.post('/v1/sales', {
      saleId: 'R-2001',
      memberNo: m,
      lines: [food('A', 1000, 3), food('B', 2000)],
    });
    expect(sale.status).toBe(201);
    expect(sale.body.pointsEarned).toBe(50);

    const ret = { returnId: 'RET-1', originalSaleId: 'R-2001', lines: [{ sku: 'A', quantity: 1 }] };
    const first = await t.post('/v1/returns', ret);
    expect(first.status).toBe(201);
    // kept = floor(50 x 4,000 / 5,000) = 40 -> 10 reversed.
    expect(first.body).toMatchObject({
      returnId: 'RET-1',
      originalSaleId: 'R-2001',
      memberNo: m,
      pointsReversed: 10,
      pointsRestored: 0,
      returnedAmount: 1000,
      balance: 40,
      returned: { A: 1000 },
      fullyReturned: false,
    });
    const before = snapshot();
    const again = await t.post('/v1/returns', ret);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(snapshot()).toEqual(before);
    expectError(
      await t.post('/v1/returns', { ...ret, lines: [{ sku: 'A', quantity: 2 }] }),
      409,
      'idempotency_conflict',
    );

    // 2 A remain: returning 3 exceeds the sale; an unknown sku and an unknown sale are refused.
    expectError(
      await t.post('/v1/returns', { returnId: 'RET-2', originalSaleId: 'R-2001', lines: [{ sku: 'A', quantity: 3 }] }),
      422,
      'return_exceeds_sale',
    );
    expectError(
      await t.post('/v1/returns', { returnId: 'RET-2', originalSaleId: 'R-2001', lines: [{ sku: 'Z', quantity: 1 }] }),
      422,
      'unknown_sku',
    );
    expectError(
      await t.post('/v1/returns', { returnId: 'RET-2', originalSaleId: 'NOPE', lines: [{ sku: 'A', quantity: 1 }] }),
      404,
      'unknown_sale',
    );
    expect(snapshot()).toEqual(before);

    // The rest comes back: the two returns add up to exactly what was earned.
    const rest = await t.post('/v1/returns', {
      returnId: 'RET-2',
      originalSaleId: 'R-2001',
      lines: [
        { sku: 'A', quantity: 2 },
        { sku: 'B', quantity: 1 },
      ],
    });
    expect(rest.status).toBe(201);
    expect(rest.body).toMatchObject({ pointsReversed: 40, balance: 0, fullyReturned: true });
    expectError(
      await t.post('/v1/returns', { returnId: 'RET-3', originalSaleId: 'R-2001', lines: [{ sku: 'B', quantity: 1 }] }),
      422,
      'return_exceeds_sale',
    );
  });

  it('records an anonymous sale without ledger entries', async () => {
    const before = count(t.ctx, 'ledger');
    const r = await t.post('/v1/sales', { saleId: nextSaleId(), lines: [food('A', 5000)] });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ memberNo: null, pointsEarned: 0, balance: null, entries: [] });
    expect(count(t.ctx, 'ledger')).toBe(before);
  });

  it('health reports ids, version, mode and counts', async () => {
    const r = await t.get('/v1/health');
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      tillId: 'till-test-1',
      storeId: 'store-test',
      online: false,
      mode: 'standalone',
      lastSyncAt: null,
      ruleVersion: 1,
    });
    expect(r.body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(r.body.members).toBe(count(t.ctx, 'members'));
    expect(r.body.sales).toBe(count(t.ctx, 'sales'));
    // Nothing was ever acknowledged by head office: every entry waits.
    expect(r.body.entriesWaiting).toBe(count(t.ctx, 'ledger'));
    const before = r.body;
    await enrolMember();
    const after = (await t.get('/v1/health')).body;
    expect(after.members).toBe(before.members + 1);
    expect(after.entriesWaiting).toBe(before.entriesWaiting + 1);
  });
});

describe('OpenAPI document', () => {
  let doc: Record<string, unknown> & { paths: Record<string, Record<string, unknown>> };

  beforeAll(async () => {
    const r = await t.raw('/v1/openapi.json', {});
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(typeof r.body).toBe('object');
    doc = r.body;
  });

  it('lists every endpoint the till serves, with its method', () => {
    expect(doc.openapi).toMatch(/^3\./);
    for (const r of routes({ hqUrl: null })) {
      expect(doc.paths[r.path]?.[r.method.toLowerCase()], `${r.method} ${r.path}`).toBeDefined();
    }
    for (const [method, path] of [
      ['get', '/v1/health'],
      ['post', '/v1/members/identify'],
      ['post', '/v1/members'],
      ['post', '/v1/baskets/quote'],
      ['post', '/v1/sales'],
      ['post', '/v1/returns'],
      ['get', '/v1/events'],
      ['get', '/v1/openapi.json'],
    ] as const) {
      expect(doc.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });

  it('lists only endpoints the till really serves', async () => {
    for (const [path, methods] of Object.entries(doc.paths)) {
      if (path === '/v1/events') continue; // a stream that stays open
      for (const method of Object.keys(methods).filter((m) => ['get', 'post', 'put', 'delete'].includes(m))) {
        const url = path.replace(/\{[^}]+\}/g, 'NO-SUCH-ID');
        const r = await t.raw(url, {
          method: method.toUpperCase(),
          headers: { authorization: `Bearer ${POS_KEY}`, 'content-type': 'application/json' },
          ...(method === 'get' ? {} : { body: '{}' }),
        });
        expect(r.status, `${method} ${path}`).toBeLessThan(500);
        expect(r.status === 405 || r.body?.error?.code === 'not_found', `${method} ${path}: ${r.status}`).toBe(false);
      }
    }
  });

  it('lists the receipt endpoints CONTRACTS.md names', () => {
    expect(doc.paths['/v1/sales/{saleId}/receipt/print']?.post).toBeDefined();
    expect(doc.paths['/v1/sales/{saleId}/receipt']?.get).toBeDefined();
  });

  it('has components, and every $ref resolves inside the document', () => {
    const components = doc.components as Record<string, Record<string, unknown>>;
    expect(components.securitySchemes?.posApiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const refs: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref' && typeof x === 'string') refs.push(x);
          else walk(x);
        }
      }
    };
    walk(doc);
    expect(refs.length).toBeGreaterThan(0);
    const resolve = (ref: string): unknown =>
      ref
        .slice(2)
        .split('/')
        .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
        .reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), doc);
    const broken = [...new Set(refs)].filter((ref) => !ref.startsWith('#/') || resolve(ref) === undefined);
    expect(broken).toEqual([]);
    // The request and response schemas are shared under components.schemas.
    for (const id of ['SaleRequest', 'SaleResponse', 'BasketLine', 'Error', 'ReturnRequest', 'MemberSummary']) {
      expect(components.schemas?.[id], id).toBeDefined();
    }
  });
});

describe('bad input: 4xx with a stable code, never 5xx, nothing changes', () => {
  const auth = { authorization: `Bearer ${POS_KEY}` };
  let m: string;

  beforeAll(async () => {
    m = await memberWithPoints(3000);
  });

  const sale = (over: Record<string, unknown>): Record<string, unknown> => ({
    saleId: nextSaleId(),
    memberNo: m,
    lines: [food('A', 1000)],
    ...over,
  });

  it('refuses malformed JSON, a wrong content type and an oversize body', async () => {
    const before = snapshot();
    for (const body of ['{"saleId": "x", ', '', 'nul', "{'a':1}", '{"a":1}}']) {
      const r = await t.raw('/v1/sales', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
      expectError(r, 400, 'malformed_json');
    }
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonx']) {
      const r = await t.raw('/v1/sales', {
        method: 'POST',
        headers: { ...auth, 'content-type': type },
        body: JSON.stringify(sale({})),
      });
      expectError(r, 415, 'unsupported_media_type');
    }
    const huge = JSON.stringify({ ...sale({}), pad: 'x'.repeat(1024 * 1024 + 1) });
    const big = await t.raw('/v1/sales', {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: huge,
    });
    expectError(big, 413, 'payload_too_large');
    expect(snapshot()).toEqual(before);
    // The server is still there afterwards.
    expect((await t.get('/v1/health')).status).toBe(200);
  });

  it('refuses a NUL character or a lone surrogate anywhere in the body, naming the field (core/json-text.ts)', async () => {
    const before = snapshot();
    for (const [body, field] of [
      [JSON.stringify(sale({ saleId: 'NUL\u0000ID' })), 'saleId'],
      [JSON.stringify(sale({})).replace('"sku":"A"', '"sku":"A\\ud800"'), 'lines.0.sku'],
    ] as const) {
      const r = await t.raw('/v1/sales', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
      expectError(r, 400, 'malformed_json');
      expect(r.body.error.field).toBe(field);
    }
    expect(snapshot()).toEqual(before);
  });

  it('refuses deeply nested and oddly shaped JSON', async () => {
    const before = snapshot();
    const deep = '['.repeat(400_000) + ']'.repeat(400_000);
    for (const body of [deep, `{"saleId":"x","lines":${deep}}`, '"just a string"', '42', 'null', '[]']) {
      const r = await t.raw('/v1/sales', {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
      expect(r.status, body.slice(0, 40)).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
    expect(snapshot()).toEqual(before);
  });

  it.each([
    ['a string quantity', { lines: [{ ...food('A', 1000), quantity: '1' }] }, 400, 'validation_failed'],
    ['a negative quantity', { lines: [food('A', 1000, -1)] }, 400, 'validation_failed'],
    ['a zero quantity', { lines: [food('A', 1000, 0)] }, 400, 'validation_failed'],
    ['a 4-decimal quantity', { lines: [food('A', 1000, 1.2345)] }, 400, 'validation_failed'],
    ['a negative price', { lines: [food('A', -1)] }, 400, 'validation_failed'],
    ['a fractional price', { lines: [food('A', 10.5)] }, 400, 'validation_failed'],
    ['missing lines', { lines: undefined }, 400, 'validation_failed'],
    ['empty lines', { lines: [] }, 400, 'validation_failed'],
    ['a line without sku', { lines: [{ category: 'food', quantity: 1, unitPrice: 1 }] }, 400, 'validation_failed'],
    ['a discount over the line', { lines: [food('A', 1000, 1, 1001)] }, 422, 'invalid_basket'],
    ['a basket discount over the basket', { basketDiscount: 1001 }, 422, 'invalid_basket'],
    ['a bad occurredAt', { occurredAt: 'yesterday' }, 400, 'validation_failed'],
    ['an unknown tender type', { tenders: [{ type: 'bitcoin', amount: 1 }] }, 400, 'validation_failed'],
    ['a bad saleId', { saleId: 'has space' }, 400, 'validation_failed'],
    ['an unknown member number', { memberNo: '2000000000008' }, 404, 'unknown_member'],
    [
      'an unknown card',
      { memberNo: undefined, memberCode: `200000000001${ean13CheckDigit('200000000001')}` },
      404,
      'unknown_card',
    ],
    ['an unrecognised code', { memberNo: undefined, memberCode: 'hello' }, 422, 'unrecognised_code'],
  ])('refuses a sale with %s', async (_what, over, status, code) => {
    const before = snapshot();
    expectError(await t.post('/v1/sales', sale(over)), status, code);
    expectError(await t.post('/v1/baskets/quote', sale(over)), status, code);
    expect(snapshot()).toEqual(before);
  });

  it('refuses a misread member number (one digit changed) without looking it up', async () => {
    const before = snapshot();
    for (let i = 0; i < 13; i++) {
      const d = Number(m[i]);
      const misread = `${m.slice(0, i)}${(d + 1) % 10}${m.slice(i + 1)}`;
      expectError(await t.post('/v1/members/identify', { code: misread }), 422, 'misread_check_digit');
      expectError(
        await t.post('/v1/sales', sale({ memberNo: undefined, memberCode: misread })),
        422,
        'misread_check_digit',
      );
    }
    expect(snapshot()).toEqual(before);
  });

  it('refuses a blocked card, but the member and their other cards still work', async () => {
    const member = await enrolMember({ cardCode: '04:11:22:33:44:55:66' });
    expect(t.ctx.members.blockCard('04112233445566', t.clock.iso(), 'supervisor-1')).toBe(true);
    const before = snapshot();
    expectError(await t.post('/v1/members/identify', { code: '04:11:22:33:44:55:66' }), 422, 'card_blocked');
    expectError(await t.post('/v1/members/identify', { code: '04112233445566', source: 'nfc' }), 422, 'card_blocked');
    expectError(
      await t.post('/v1/sales', sale({ memberNo: undefined, memberCode: '04 11 22 33 44 55 66' })),
      422,
      'card_blocked',
    );
    expect(snapshot()).toEqual(before);
    expect((await t.post('/v1/members/identify', { code: member })).status).toBe(200);
    expect((await t.post('/v1/sales', sale({ memberNo: member }))).status).toBe(201);
  });

  it('refuses a missing or wrong key, unknown paths and wrong methods', async () => {
    expectError(await t.get('/v1/health', { key: null }), 401, 'unauthorized');
    expectError(await t.get('/v1/health', { key: 'wrong' }), 401, 'unauthorized');
    expectError(await t.get('/v1/health', { key: `${POS_KEY}x` }), 401, 'unauthorized');
    expectError(
      await t.raw('/v1/health', { headers: { authorization: POS_KEY } }), // no "Bearer"
      401,
      'unauthorized',
    );
    const before = snapshot();
    expectError(await t.post('/v1/sales', sale({}), { key: null }), 401, 'unauthorized');
    expectError(await t.post('/v1/members', enrolRequest(), { key: 'nope' }), 401, 'unauthorized');
    expect(snapshot()).toEqual(before);

    expectError(await t.get('/v1/nowhere'), 404, 'not_found');
    expectError(await t.post('/v1/sales/extra', sale({})), 404, 'not_found');
    expectError(await t.get('/'), 404, 'not_found');
    expectError(await t.get('/v1/sales'), 405, 'method_not_allowed');
    expectError(await t.get('/v1/members/identify'), 405, 'method_not_allowed');
    expectError(await t.raw('/v1/health', { method: 'DELETE', headers: auth }), 405, 'method_not_allowed');
    expect(snapshot()).toEqual(before);
  });

  it('refuses a points tender without a member', async () => {
    const before = snapshot();
    expectError(
      await t.post('/v1/sales', sale({ memberNo: undefined, tenders: [{ type: 'points', points: 100 }] })),
      422,
      'member_required',
    );
    expect(snapshot()).toEqual(before);
  });

  it.each([
    // 3,000 points on the books; the basket is ¥10.00 unless stated, so points may pay 500 fen.
    ['below the minimum', 50, 1000, 'below_minimum_redemption'],
    ['not whole units of 100', 150, 1000, 'not_whole_redemption_units'],
    ['over the basket share (50 %)', 600, 1000, 'exceeds_basket_share'],
    ['over the balance', 3100, 100_000, 'insufficient_points'],
  ])('refuses a redemption %s', async (_what, points, price, code) => {
    const before = snapshot();
    const body = sale({ lines: [food('A', price)], tenders: [{ type: 'points', points }] });
    expectError(await t.post('/v1/sales', body), 422, code);
    // The quote reports the same problem instead of failing.
    const q = await t.post('/v1/baskets/quote', { ...body, saleId: undefined });
    expect(q.status).toBe(200);
    expect(q.body.redemptionProblem?.code).toBe(code);
    expect(q.body.pointsRedeemed).toBe(0);
    expect(snapshot()).toEqual(before);
    // The saleId was not consumed: the POS can retry the same receipt with a valid tender.
    const ok = await t.post('/v1/sales', { ...body, tenders: [{ type: 'points', points: 100 }] });
    expect(ok.status).toBe(201);
    expect(ok.body.pointsRedeemed).toBe(100);
  });

  it('answers an identify with an unknown phone or code with 404', async () => {
    expectError(await t.post('/v1/members/identify', { phone: '13000000000' }), 404, 'unknown_member');
    expectError(await t.post('/v1/members/identify', { code: '2000000000008' }), 404, 'unknown_card');
    expectError(await t.post('/v1/members/identify', { phone: '555-1234' }), 400, 'invalid_phone');
    expectError(await t.post('/v1/members/identify', {}), 400, 'validation_failed');
    expectError(await t.post('/v1/members/identify', { code: '' }), 400, 'validation_failed');
  });

  // A sku is any string the POS sends: per-sku records are null-prototype objects, so a sku named
  // "__proto__" is counted like any other and cannot be returned twice.
  it('refuses returning a "__proto__" sku twice (prototype key in per-sku records)', async () => {
    const member = await enrolMember();
    const saleId = nextSaleId();
    const s = await t.post('/v1/sales', {
      saleId,
      memberNo: member,
      lines: [{ sku: '__proto__', category: 'food', quantity: 1, unitPrice: 10_000 }],
    });
    expect(s.status).toBe(201);
    const first = await t.post('/v1/returns', {
      returnId: `${saleId}-r1`,
      originalSaleId: saleId,
      lines: [{ sku: '__proto__', quantity: 1 }],
    });
    expect(first.status).toBe(201);
    expect(Object.entries(first.body.returned as object)).toEqual([['__proto__', 1000]]);
    expectError(
      await t.post('/v1/returns', {
        returnId: `${saleId}-r2`,
        originalSaleId: saleId,
        lines: [{ sku: '__proto__', quantity: 1 }],
      }),
      422,
      'return_exceeds_sale',
    );
  });
});

describe('fuzz: random bodies to every POST endpoint never produce a 5xx', () => {
  const POSTS = ['/v1/members/identify', '/v1/members', '/v1/baskets/quote', '/v1/sales', '/v1/returns'];
  let member: string;

  beforeAll(async () => {
    // Every POST endpoint the OpenAPI document lists (path parameters filled with a real sale).
    const doc = (await t.raw('/v1/openapi.json', {})).body as { paths: Record<string, Record<string, unknown>> };
    for (const [path, methods] of Object.entries(doc.paths)) {
      const url = path.replace(/\{[^}]+\}/g, 'FUZZ-SALE');
      if (methods.post && !POSTS.includes(url)) POSTS.push(url);
    }
    member = await memberWithPoints(500);
    const r = await t.post('/v1/sales', { saleId: 'FUZZ-SALE', memberNo: member, lines: [food('A', 1000, 2)] });
    expect(r.status).toBe(201);
  });

  const check = (path: string, a: ApiAnswer): void => {
    if (a.status >= 500) throw new Error(`${path} answered ${a.status}: ${JSON.stringify(a.body)}`);
    if (a.status >= 400) expect(a.body?.error?.code, JSON.stringify(a.body)).toMatch(/^[a-z][a-z0-9_]*$/);
  };

  it('arbitrary JSON values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.jsonValue(), async (i, body) => {
        const path = POSTS[i % POSTS.length] as string;
        check(path, await t.post(path, body));
      }),
      { numRuns: 150 },
    );
  });

  const scalar = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.integer(),
    fc.double(),
    fc.constantFrom(null, true, false, '', '__proto__', 'constructor', -1, 0, 1e300, 0.0001, 1.5, 2 ** 53),
  );
  const field = fc.oneof(
    scalar,
    fc.array(scalar, { maxLength: 3 }),
    fc.jsonValue({ maxDepth: 2 }),
    fc.constantFrom('13800000000', '2000000000008', '04A22B1C3D4E80', 'LM1.x.y.z', 'FUZZ-SALE'),
  );
  const lineArb = fc.record(
    {
      sku: fc.oneof(fc.constantFrom('A', 'B', 'toString', '__proto__'), field),
      category: fc.oneof(fc.constantFrom('food', 'tobacco', 'gift-card', 'constructor'), field),
      quantity: fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double({ min: -1, max: 100_001, noNaN: true }), field),
      unitPrice: fc.oneof(fc.integer({ min: -1, max: 10 ** 13 }), field),
      discount: fc.oneof(fc.integer({ min: -1, max: 10 ** 13 }), field),
      name: field,
    },
    { requiredKeys: [] },
  );
  const tenderArb = fc.record(
    {
      type: fc.oneof(fc.constantFrom('cash', 'card', 'points', 'other'), field),
      amount: fc.oneof(fc.integer({ min: -1, max: 10 ** 13 }), field),
      points: fc.oneof(fc.integer({ min: -1, max: 10 ** 13 }), fc.constantFrom(100, 200, 500, 10 ** 12), field),
    },
    { requiredKeys: [] },
  );
  const bodyArb = fc.record(
    {
      saleId: fc.oneof(fc.constantFrom('FUZZ-SALE', 'F-1', 'F-2'), field),
      returnId: fc.oneof(fc.constantFrom('FR-1', 'FR-2'), field),
      originalSaleId: fc.oneof(fc.constantFrom('FUZZ-SALE', 'nope'), field),
      memberNo: fc.oneof(fc.constant('MEMBER'), field),
      memberCode: fc.oneof(fc.constant('MEMBER'), field),
      code: fc.oneof(fc.constant('MEMBER'), field),
      source: fc.oneof(fc.constantFrom('barcode', 'nfc', 'qr'), field),
      phone: fc.oneof(fc.constantFrom('13800000000', '+86 139 0000 0000'), field),
      name: field,
      birthday: fc.oneof(fc.constantFrom('02-29', '1990-13-01', '12-31'), field),
      consent: fc.oneof(fc.record({ marketing: fc.oneof(fc.boolean(), field), text: field }), field),
      cardCode: field,
      referrerMemberNo: fc.oneof(fc.constant('MEMBER'), field),
      lines: fc.oneof(fc.array(lineArb, { maxLength: 4 }), field),
      basketDiscount: fc.oneof(fc.integer({ min: -1, max: 10 ** 13 }), field),
      tenders: fc.oneof(fc.array(tenderArb, { maxLength: 3 }), field),
      redeemPoints: fc.oneof(fc.integer({ min: -1, max: 10 ** 13 }), field),
      occurredAt: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        fc.constantFrom('2025-02-29T00:00:00Z', '1970-01-01T00:00:00+14:00', '9999-12-31T23:59:59Z'),
        field,
      ),
      staffId: field,
      rewardId: fc.oneof(fc.constantFrom('voucher-2', 'coupon-10', 'free-service'), field),
      pin: field,
      format: fc.oneof(fc.constantFrom('text', 'escpos', 'png'), field),
    },
    { requiredKeys: [] },
  );

  it('structured bodies with plausible and hostile field values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), bodyArb, async (i, raw) => {
        const path = POSTS[i % POSTS.length] as string;
        const body = JSON.parse(JSON.stringify(raw, (_k, v: unknown) => (v === 'MEMBER' ? member : v))) as unknown;
        check(path, await t.post(path, body));
      }),
      { numRuns: 400 },
    );
    // Whatever was accepted, the books still balance.
    expect(verifyCache(t.ctx.db, t.ctx.ledger, 'ordinary')).toEqual([]);
    expect(verifyTillChain(t.ctx.db).ok).toBe(true);
  });
});
