/** Reconciliation and reports against a real head office: double spends, recompute, expiry, summary. */
import { describe, expect, it } from 'vitest';
import { at, ledgerSum, operator, upload, uploadAll, type TestHq, type TillSim, useTwoTillHq } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

async function summary() {
  const r = await operator(t, 'GET', '/v1/reports/summary');
  expect(r.status).toBe(200);
  return r.body;
}

describe('double spend (DOMAIN.md 4)', () => {
  for (const order of ['A first', 'B first'] as const) {
    it(`lets the balance go negative and lists a case when two tills spend the same points (${order})`, async () => {
      A.enrol('M1', at(0));
      A.sale('M1', 100_000, at(1)); // 1,000 points
      await uploadAll(t, A, 100);
      const sent = A.headSeq;
      // Both stores believe the 1,000 points are there while offline.
      A.redeem('M1', 800, at(10));
      B.redeem('M1', 800, at(11));
      if (order === 'A first') {
        await upload(t, A, A.batch(sent + 1));
        await uploadAll(t, B, 100);
      } else {
        await uploadAll(t, B, 100);
        await upload(t, A, A.batch(sent + 1));
      }
      const m = await operator(t, 'GET', '/v1/members/M1');
      expect(m.body.ledgerBalance).toBe(-600);
      expect(m.body.ledgerBalance).toBe(ledgerSum([A, B], 'M1'));
      const s = await summary();
      expect(s.doubleSpendCases).toHaveLength(1);
      expect(s.doubleSpendCases[0]).toMatchObject({
        memberNo: 'M1',
        tills: ['A', 'B'],
        points: 600,
        balanceAfter: -600,
      });
      expect(s.points.negativeBalances).toEqual({ members: 1, points: 600 });
    });
  }

  it('does not call one till overdrawing a double spend', async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 10_000, at(1));
    B.redeem('M1', 500, at(2));
    await uploadAll(t, A, 100);
    await uploadAll(t, B, 100);
    expect((await summary()).doubleSpendCases).toEqual([]);
  });
});

describe('recompute', () => {
  it('flags a sale whose points differ from head office’s computation', async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 10_000, at(1));
    A.sale('M1', 10_000, at(2), { inflate: 7 });
    B.sale('M1', 700_000, at(3)); // hits the daily cap: still compared, since the till's view is rebuilt exactly
    await uploadAll(t, A, 100);
    await uploadAll(t, B, 100);
    const tills = (await operator(t, 'GET', '/v1/tills')).body.tills;
    expect(tills.map((x: { tillId: string; mismatches: number }) => [x.tillId, x.mismatches])).toEqual([
      ['A', 1],
      ['B', 0],
    ]);
    expect((await summary()).sales.mismatches).toBe(1);
    const listed = (await operator(t, 'GET', '/v1/tills/A/mismatches')).body;
    expect(listed.mismatches).toEqual([
      expect.objectContaining({ kind: 'sale', id: 'A-S2', saleId: 'A-S2', originalTillId: null, occurredAt: at(2) }),
    ]);
    expect(listed.mismatches[0].note).toMatch(/^pointsEarned till=\d+ hq=\d+; earnEntry/);
  });

  it('checks a sale whose record arrived before its entries once they arrive', async () => {
    A.enrol('M1', at(0));
    const sale = A.sale('M1', 10_000, at(1), { inflate: 3 });
    const early = { ...A.batch(1, 1), sales: [sale] };
    await upload(t, A, early);
    expect((await operator(t, 'GET', '/v1/tills')).body.tills[0].mismatches).toBe(0);
    await upload(t, A, A.batch(2));
    expect((await operator(t, 'GET', '/v1/tills')).body.tills[0].mismatches).toBe(1);
  });
});

describe('expiry across tills', () => {
  it("applies each till's expire entry although the merged lots differ from the till's own", async () => {
    A.enrol('M1', at(0));
    A.append('M1', 'earn', 100, at(1), { expiresOn: '2020-01-31', spend: 10_000 });
    B.append('M1', 'bonus', 50, at(2), { expiresOn: '2020-01-31', data: { bonus: 'enrolment' } });
    await uploadAll(t, A, 100);
    await uploadAll(t, B, 100);
    let m = (await operator(t, 'GET', '/v1/members/M1')).body;
    expect(m.ledgerBalance).toBe(150);
    expect(m.balance).toBe(0); // expired points are never shown
    const aFrom = A.headSeq + 1;
    const bFrom = B.headSeq + 1;
    expect(A.expire('M1', '2020-02-01', at(3))?.points).toBe(100);
    expect(B.expire('M1', '2020-02-01', at(4))?.points).toBe(50);
    expect((await upload(t, A, A.batch(aFrom))).status).toBe(200);
    expect((await upload(t, B, B.batch(bFrom))).status).toBe(200);
    m = (await operator(t, 'GET', '/v1/members/M1')).body;
    expect(m.ledgerBalance).toBe(0);
    expect(m.debt).toBe(0);
    expect((await summary()).points.expired).toBe(150);
  });
});

describe('operator views', () => {
  it('shows a member masked, with tier, class, lifecycle and ledger', async () => {
    A.enrol('M1', at(0), { name: '张三丰', phone: '13812345678' });
    A.sale('M1', 10_000, at(1));
    await uploadAll(t, A, 100);
    expect((await operator(t, 'POST', '/v1/segments/refresh')).body.changed).toBe(1);
    const m = (await operator(t, 'GET', '/v1/members/M1')).body;
    expect(m).toMatchObject({
      memberNo: 'M1',
      known: true,
      name: '张**',
      phone: '138****5678',
      tier: 'ordinary',
      class: 'A',
      lifecycle: 'new',
      balance: 100,
      enrolledStore: 'S1',
    });
    expect(m.ledger.map((e: { kind: string }) => e.kind)).toEqual(['tier', 'earn']);
    expect(JSON.stringify(m)).not.toContain('13812345678');
    expect((await operator(t, 'GET', '/v1/members/NOPE')).status).toBe(404);
  });

  it('summarises the programme', async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 10_000, at(1));
    A.sale('M1', 20_000, at(2), { redeem: 100 });
    B.enrol('M2', at(3));
    B.sale('M2', 5_000, at(4));
    await uploadAll(t, A, 3);
    await uploadAll(t, B, 3);
    await upload(t, B, {
      ...B.batch(B.headSeq + 1, B.headSeq),
      sales: [
        {
          saleId: 'anon-1',
          memberNo: null,
          ruleVersion: 1,
          request: { lines: [{ sku: 'X', category: 'grocery', quantity: 1, unitPrice: 5_000, discount: 0 }] },
          pointsEarned: 0,
          bonusPoints: 0,
          pointsRedeemed: 0,
          total: 5_000,
          occurredAt: at(5),
        },
      ],
    });
    await operator(t, 'POST', '/v1/segments/refresh');
    const s = await summary();
    expect(s.members).toMatchObject({ enrolled: 2, active: 2, withLedger: 2, tiers: { ordinary: 2 } });
    expect(s.members.lifecycle).toEqual({ new: 2, active: 0, at_risk: 0, dormant: 0 });
    // Of two ranked members the top 20 % and top 50 % are both the first one, so the second is C.
    expect(s.members.classes).toEqual({ A: 1, C: 1 });
    const issued = 100 + 199 + 50;
    expect(s.points).toMatchObject({ issued, redeemed: 100, expired: 0, outstanding: issued - 100 });
    expect(s.points.liabilityFen).toBe(issued - 100); // 100 points = ¥1 = 100 fen
    expect(s.sales).toMatchObject({ count: 4, memberCount: 3, total: 40_000, memberTotal: 35_000, mismatches: 0 });
    expect(s.stores).toEqual([
      {
        storeId: 'S1',
        storeName: null,
        enrolments: 1,
        sales: 2,
        salesTotal: 30_000,
        memberSales: 2,
        memberSalesTotal: 30_000,
      },
      {
        storeId: 'S2',
        storeName: null,
        enrolments: 1,
        sales: 2,
        salesTotal: 10_000,
        memberSales: 1,
        memberSalesTotal: 5_000,
      },
    ]);
    // one staff id at two stores: two people (a staff id is its store's own)
    expect(s.staff).toEqual([
      { storeId: 'S1', staffId: 'staff-1', enrolments: 1 },
      { storeId: 'S2', staffId: 'staff-1', enrolments: 1 },
    ]);
    expect(s.tills).toEqual({ total: 2, broken: 0 });
    expect(s.doubleSpendCases).toEqual([]);
  });
});
