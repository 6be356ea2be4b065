/**
 * Issue 13, slice 3 over HTTP: store and till names registered at head office (add-till
 * --store-name, POST /v1/tills, the rename endpoints) shown in GET /v1/tills and the reports'
 * store rows; tier movement, cohort retention and CLTV in GET /v1/reports/members; per staff
 * member in GET /v1/reports/daily. Runs on SQLite, and on PostgreSQL under HQ_TEST_STORE=postgres.
 * core/rfm-cohorts.test.ts and core/analytics.test.ts check the figures by hand.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addTill } from './provision.js';
import { localDate } from '../core/time.js';
import { hqCli, operator, startHq, TillSim, uploadAll, type TestHq } from './test-helpers.js';

let t: TestHq;
const now = Date.now();
const ago = (days: number): string => new Date(now - days * 86_400_000).toISOString();
const shanghai = (iso: string): string => localDate(iso, 'Asia/Shanghai').date;

beforeAll(async () => {
  t = await startHq();
  const issued = await addTill(t.hq.store, 'S1', 'A', new Date(), { storeName: '南京西路店', tillName: '1号收银台' });
  const A = new TillSim(issued.tillId, issued.storeId, issued.secret);
  // M1 enrolled this month by staff-1, buys twice (once rung up by staff-2) and is upgraded
  A.enrol('M1', ago(0.02));
  A.sale('M1', 30_000, ago(0.01)).request.staffId = 'staff-1';
  A.sale('M1', 10_000, ago(0.005)).request.staffId = 'staff-2';
  A.append('M1', 'tier', 0, ago(0.004), {
    data: { fromTier: 'ordinary', toTier: 'silver', reason: 'threshold', rank: 1 },
  });
  // the same upgrade from a second entry (another till, offline) counts once
  A.append('M1', 'tier', 0, ago(0.003), {
    data: { fromTier: 'ordinary', toTier: 'silver', reason: 'threshold', rank: 1 },
  });
  // M2 enrolled by staff-2 this month, no sale yet
  A.enrol('M2', ago(0.02), { enrolledBy: 'staff-2' });
  await uploadAll(t, A, 100);
});

afterAll(async () => {
  await t?.close();
});

describe('store and till names', () => {
  it('add-till registers them; GET /v1/tills and the reports show them beside the ids', async () => {
    const tills = await operator(t, 'GET', '/v1/tills');
    expect(tills.status).toBe(200);
    expect(tills.body.tills).toEqual([
      expect.objectContaining({ tillId: 'A', storeId: 'S1', tillName: '1号收银台', storeName: '南京西路店' }),
    ]);
    const summary = await operator(t, 'GET', '/v1/reports/summary');
    expect(summary.body.stores).toEqual([expect.objectContaining({ storeId: 'S1', storeName: '南京西路店' })]);
    const today = shanghai(new Date().toISOString());
    const daily = await operator(t, 'GET', `/v1/reports/daily?from=${today}&to=${today}`);
    expect(daily.status).toBe(200);
    expect(daily.body.stores).toEqual([expect.objectContaining({ storeId: 'S1', storeName: '南京西路店' })]);
  });

  it('POST /v1/tills takes names; a bad name refuses the whole request', async () => {
    const bad = await operator(t, 'POST', '/v1/tills', { tills: [{ storeId: 'S2', tillId: 'B', storeName: '' }] });
    expect(bad.status).toBe(400);
    const ok = await operator(t, 'POST', '/v1/tills', {
      tills: [
        { storeId: 'S2', tillId: 'B', storeName: ' 徐家汇店 ', tillName: '2号机' },
        { storeId: 'S2', tillId: 'C' },
      ],
    });
    expect(ok.status).toBe(200);
    expect(ok.body.issued).toBe(2);
    const tills = (await operator(t, 'GET', '/v1/tills')).body.tills as Record<string, unknown>[];
    expect(tills.map((x) => [x.tillId, x.storeName, x.tillName])).toEqual([
      ['A', '南京西路店', '1号收银台'],
      ['B', '徐家汇店', '2号机'],
      ['C', '徐家汇店', null],
    ]);
  });

  it('renames a store and a till (admin), keeping who did it; 404 for an unknown one', async () => {
    const r = await operator(t, 'POST', '/v1/stores/S2/name', { operatorId: 'ops', name: '徐家汇旗舰店' });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'renamed', kind: 'store', id: 'S2', name: '徐家汇旗舰店', previous: '徐家汇店' });
    const c = await operator(t, 'POST', '/v1/tills/C/name', { operatorId: 'ops', name: '3号机' });
    expect(c.body).toMatchObject({ kind: 'till', previous: null, name: '3号机' });
    expect((await operator(t, 'POST', '/v1/tills/Z/name', { operatorId: 'ops', name: 'x' })).status).toBe(404);
    expect((await operator(t, 'POST', '/v1/stores/hq/name', { operatorId: 'ops', name: 'x' })).status).toBe(404);
    expect((await operator(t, 'POST', '/v1/stores/S2/name', { operatorId: 'ops', name: 'a\nb' })).status).toBe(400);
    const rows = await t.sql<{ name: string; name_set_by: string }>(
      'SELECT name, name_set_by FROM stores WHERE store_id = ?',
      'S2',
    );
    expect(rows).toEqual([{ name: '徐家汇旗舰店', name_set_by: 'ops' }]);
  });

  it('add-till --store-name --till-name from the command line', async () => {
    const out = await hqCli(t, [
      'add-till',
      '--store',
      'S3',
      '--till',
      'D',
      '--store-name',
      '静安寺店',
      '--till-name',
      '4号机',
    ]);
    expect(out).toMatch(/^TILL_ID=D$/m);
    const tills = (await operator(t, 'GET', '/v1/tills')).body.tills as Record<string, unknown>[];
    expect(tills.find((x) => x.tillId === 'D')).toMatchObject({ storeName: '静安寺店', tillName: '4号机' });
  });
});

describe('GET /v1/reports/members: tier movement, cohorts, CLTV', () => {
  it('counts the upgrade once this month, as a from → to flow', async () => {
    const r = await operator(t, 'GET', '/v1/reports/members');
    expect(r.status).toBe(200);
    const month = shanghai(new Date().toISOString()).slice(0, 7);
    const m = r.body.tierMovement;
    expect(m.months).toHaveLength(12);
    expect(m.months[11]).toEqual({ month, upgrades: 1, downgrades: 0 });
    expect(m.flows).toEqual([{ from: 'ordinary', to: 'silver', direction: 'up', members: 1 }]);
    expect([m.upgrades, m.downgrades]).toEqual([1, 0]);
  });

  it("puts both members in this month's cohort, one of two buying", async () => {
    const r = await operator(t, 'GET', '/v1/reports/members');
    const cohorts = r.body.cohorts as { cohort: string; members: number; buyers: number[]; share: number[] }[];
    expect(cohorts).toHaveLength(12);
    expect(cohorts[11]).toEqual({
      cohort: shanghai(new Date().toISOString()).slice(0, 7),
      members: 2,
      buyers: [1],
      share: [0.5],
    });
    // a triangle: the cohort k months back has k + 1 months
    expect(cohorts.map((c) => c.buyers.length)).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('values the buying member at 12-month spend × 1 year while churn cannot be measured', async () => {
    const r = await operator(t, 'GET', '/v1/reports/members');
    const c = r.body.cltv;
    expect(c).toMatchObject({
      members: 1,
      lifetimeYears: 1,
      lifetimeBasis: 'unmeasured',
      churn: { base: 0, retained: 0, churned: 0, rate: null },
      purchaseFrequency: 2,
    });
    expect(c.mean).toBe(c.median);
    expect(c.mean).toBe(c.averageOrderValue * 2);
    expect((c.buckets as { members: number }[]).reduce((n, b) => n + b.members, 0)).toBe(1);
  });
});

describe('GET /v1/reports/daily: per staff member', () => {
  it('counts enrolments and sales (member sales among them) per store and staff id', async () => {
    const today = shanghai(new Date().toISOString());
    const from = shanghai(ago(2));
    const r = await operator(t, 'GET', `/v1/reports/daily?from=${from}&to=${today}`);
    expect(r.status).toBe(200);
    const staff = r.body.staff as { storeId: string; staffId: string; enrolments: number; memberSales: number }[];
    expect(staff.map((s) => [s.storeId, s.staffId, s.enrolments, s.memberSales])).toEqual([
      ['S1', 'staff-1', 1, 1],
      ['S1', 'staff-2', 1, 1],
    ]);
    const s1 = await t.sql<{ staff_id: string | null }>('SELECT staff_id FROM sales ORDER BY sale_id');
    expect(s1.map((x) => x.staff_id)).toEqual(['staff-1', 'staff-2']);
  });
});
