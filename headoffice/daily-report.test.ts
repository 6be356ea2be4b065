/** GET /v1/reports/daily: the measures by local date from what tills uploaded (core/analytics.ts defines them). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localDate } from '../core/time.js';
import { operator, provision, startHq, uploadAll, type TestHq } from './test-helpers.js';

let t: TestHq;
// Two days in Shanghai: 1 March 10:00 and 2 March 00:30 local (still 1 March in UTC).
const DAY1 = '2026-03-01T02:00:00.000Z';
const DAY2 = '2026-03-01T16:30:00.000Z';

beforeAll(async () => {
  t = await startHq();
  const A = await provision(t, 'S1', 'A');
  const B = await provision(t, 'S2', 'B');
  A.enrol('M1', DAY1);
  A.sale('M1', 30_000, DAY1);
  B.enrol('M2', DAY2);
  B.sale('M2', 8_000, DAY2);
  B.sale('M1', 2_000, DAY2, { redeem: 100 });
  await uploadAll(t, A, 100);
  await uploadAll(t, B, 100);
});

afterAll(async () => {
  await t?.close();
});

describe('GET /v1/reports/daily', () => {
  it('gives each local date of the range for the chain and per store', async () => {
    expect(localDate(DAY2, 'Asia/Shanghai').date).toBe('2026-03-02');
    const r = await operator(t, 'GET', '/v1/reports/daily?from=2026-03-01&to=2026-03-03');
    expect(r.status).toBe(200);
    expect(r.body.timeZone).toBe('Asia/Shanghai');
    const days = r.body.days as {
      date: string;
      sales: number;
      salesTotal: number;
      enrolments: number;
      pointsIssued: number;
    }[];
    expect(days.map((d) => [d.date, d.sales, d.salesTotal, d.enrolments])).toEqual([
      ['2026-03-01', 1, 30_000, 1],
      ['2026-03-02', 2, 10_000, 1],
      ['2026-03-03', 0, 0, 0],
    ]);
    expect(days[1]).toMatchObject({ memberSales: 2, memberSalesTotal: 10_000, pointsRedeemed: 100 });
    expect(days[0]?.pointsIssued).toBeGreaterThan(0);
    expect((r.body.stores as { storeId: string }[]).map((s) => s.storeId)).toEqual(['S1', 'S2']);
  });

  it('narrows to the stores asked for', async () => {
    const r = await operator(t, 'GET', '/v1/reports/daily?from=2026-03-01&to=2026-03-02&store=S2');
    expect(r.status).toBe(200);
    expect((r.body.days as { sales: number }[]).map((d) => d.sales)).toEqual([0, 2]);
    expect((r.body.stores as { storeId: string }[]).map((s) => s.storeId)).toEqual(['S2']);
  });

  it('refuses a bad range with 400 bad_query naming the parameter, and a caller without the token', async () => {
    for (const [q, field] of [
      ['from=2026-03-01', 'to'],
      ['from=2026-02-30&to=2026-03-01', 'from'],
      ['from=2026-03-02&to=2026-03-01', 'to'],
      ['from=2025-01-01&to=2026-03-01', 'to'],
    ] as const) {
      const r = await operator(t, 'GET', `/v1/reports/daily?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'bad_query', field });
    }
    expect((await fetch(`${t.hq.url}/v1/reports/daily?from=2026-03-01&to=2026-03-01`)).status).toBe(401);
  });
});
