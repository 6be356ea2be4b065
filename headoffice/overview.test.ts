/**
 * GET /v1/reports/overview and the programme's targets (GET/POST /v1/targets) on a small chain
 * worked by hand, with the end-of-day run's daily snapshots (store/aggregates.ts) behind churn.
 * Real server, real SQLite / PostgreSQL, real HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate } from '../core/time.js';
import { operator, provision, startHq, uploadAll, type TestHq } from './test-helpers.js';

let t: TestHq;
const today = localDate(new Date(), 'Asia/Shanghai').date;
/** noon in Shanghai `n` days ago: on that local date whatever the hour of the run */
const noon = (n: number): string => new Date(`${addDays(today, -n)}T12:00:00+08:00`).toISOString();
const from = addDays(today, -6);

beforeAll(async () => {
  t = await startHq();
  const A = await provision(t, 'S1', 'A');
  A.enrol('M1', noon(400));
  A.enrol('M2', noon(400));
  A.enrol('M3', noon(400));
  A.sale('M1', 10_000, noon(200)); // dormant since 20 days ago: before the period
  A.sale('M2', 10_000, noon(185)); // turns dormant 5 days ago: in the period
  A.sale('M3', 10_000, noon(10)); // the previous period: one sale
  A.sale('M3', 10_000, noon(5)); // this period: two
  A.sale('M3', 10_000, noon(3));
  A.enrol('M4', noon(1), { referrerMemberNo: 'M3' });
  await uploadAll(t, A, 100);
  // The end-of-day run of every day from the day before the period to today.
  for (let d = addDays(from, -1); d <= today; d = addDays(d, 1)) {
    expect((await operator(t, 'POST', '/v1/eod', { date: d })).status).toBe(200);
  }
});

afterAll(async () => {
  await t?.close();
});

describe('GET /v1/reports/overview', () => {
  it('churn: 1 lapsed (M2) of 2 active at the start (M2, M3); M1 lapsed before it', async () => {
    const r = await operator(t, 'GET', `/v1/reports/overview?from=${from}&to=${today}`);
    expect(r.status).toBe(200);
    expect(r.body.churn).toEqual({ activeAtStart: 2, lapsed: 1, rate: 0.5, daysWithoutSnapshot: 0 });
  });

  it('repurchase: M3 bought twice this period (1 of 1), once in the previous one (0 of 1): target 0 + 10 %', async () => {
    const r = await operator(t, 'GET', `/v1/reports/overview?from=${from}&to=${today}`);
    expect(r.body.repurchase).toEqual({
      current: { buyers: 1, repeaters: 1, rate: 1 },
      previous: { buyers: 1, repeaters: 0, rate: 0 },
      target: 0,
    });
    expect(r.body.previous).toEqual({ from: addDays(from, -7), to: addDays(from, -1) });
  });

  it('no churn rate without the snapshot of the day before the period; missing days counted', async () => {
    const early = addDays(today, -30);
    const r = await operator(t, 'GET', `/v1/reports/overview?from=${early}&to=${today}`);
    expect(r.body.churn).toMatchObject({ activeAtStart: null, rate: null, daysWithoutSnapshot: 23 });
  });

  it('referral rate: M4 of the day’s enrolments was referred by a member', async () => {
    const r = await operator(t, 'GET', `/v1/reports/daily?from=${addDays(today, -1)}&to=${addDays(today, -1)}`);
    expect(r.body.days[0]).toMatchObject({ enrolments: 1, referred: 1 });
  });

  it('the end-of-day run snapshots tiers and classes', async () => {
    const rows = await t.sql<{ dimension: string; members: number }>(
      "SELECT dimension, sum(members) AS members FROM agg_snapshot WHERE snap_date = ? AND dimension IN ('tier', 'class') GROUP BY dimension ORDER BY dimension",
      today,
    );
    expect(rows.map((r) => [r.dimension, Number(r.members)])).toEqual([
      ['class', 4],
      ['tier', 4],
    ]);
  });

  it('refuses a bad range as the daily report does', async () => {
    const r = await operator(t, 'GET', `/v1/reports/overview?from=${today}`);
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'bad_query', field: 'to' });
  });
});

describe('the programme targets', () => {
  it("are the guides' figures until set; an admin sets them with who and why; the CLV target follows", async () => {
    const before = await operator(t, 'GET', '/v1/targets');
    expect(before.body).toEqual({
      memberShare: { low: 0.5, high: 0.6 },
      repurchaseLift: 0.1,
      clvLift: 0.2,
      clvBaselineFen: null,
      updatedAt: null,
      updatedBy: null,
      reason: null,
    });
    const set = await operator(t, 'POST', '/v1/targets', {
      operatorId: 'ana',
      reason: 'plan 2027',
      memberShare: { low: 0.55, high: 0.65 },
      repurchaseLift: 0.15,
      clvLift: 0.2,
      clvBaselineFen: 50_000,
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ updatedBy: 'ana', reason: 'plan 2027', repurchaseLift: 0.15 });
    const o = await operator(t, 'GET', `/v1/reports/overview?from=${from}&to=${today}`);
    expect(o.body.targets).toMatchObject({ memberShare: { low: 0.55, high: 0.65 }, clvTargetFen: 60_000 });
  });

  it('refuses a band whose low is above its high (400 invalid_request)', async () => {
    const r = await operator(t, 'POST', '/v1/targets', {
      operatorId: 'ana',
      reason: 'typo',
      memberShare: { low: 0.7, high: 0.6 },
      repurchaseLift: 0.1,
      clvLift: 0.2,
      clvBaselineFen: null,
    });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_request');
  });
});
