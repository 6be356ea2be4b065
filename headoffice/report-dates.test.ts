/**
 * The dates reports and the end-of-day run take: 2000-01-01 to 9998-12-31 (api-schemas.ts
 * EARLIEST_DATE, LATEST_DATE). GET /v1/reports/daily, /overview and /nps refuse a date outside
 * it with 400 bad_query naming `from` or `to` (routes/operator.ts dailyQuery); POST /v1/eod with
 * 400 invalid_request naming `date`. The range keeps every date a report steps through (the day
 * before `from`, the previous period) a four-digit year: once a year has five digits, YYYY-MM-DD
 * strings stop sorting as dates, and the churn loop that compared them (core/overview.ts) ran
 * through ~33 million days on head office's event loop for `to=9999-12-31`. churn itself now
 * counts days by index (below), whatever dates it is given.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { churn } from '../core/overview.js';
import { operator, startHq, type TestHq } from './test-helpers.js';

let t: TestHq;

beforeAll(async () => {
  t = await startHq();
});

afterAll(async () => {
  await t?.close();
});

describe('churn over the last days of year 9999', () => {
  it('counts each day of the period once, past the four-digit years', () => {
    expect(churn('9999-12-31', '9999-12-31', []).daysWithoutSnapshot).toBe(1);
    // addDays('9999-12-31', 1) is "10000-01-01", which sorts before "9999-12-31" as text.
    const lapses = [{ date: '10000-01-01', live: 5, lapsed: 2 }];
    expect(churn('9999-12-30', '10000-01-01', lapses)).toMatchObject({ lapsed: 2, daysWithoutSnapshot: 2 });
  });
});

describe('report dates', () => {
  for (const path of ['/v1/reports/daily', '/v1/reports/overview', '/v1/reports/nps']) {
    it(`${path} refuses a date outside 2000-01-01..9998-12-31 with 400 bad_query naming it`, async () => {
      for (const [query, field] of [
        ['from=9999-12-31&to=9999-12-31', 'from'],
        ['from=9998-12-31&to=9999-01-01', 'to'],
        ['from=1999-12-31&to=2000-01-01', 'from'],
        ['from=0000-01-01&to=0000-01-01', 'from'],
      ] as const) {
        const r = await operator(t, 'GET', `${path}?${query}`);
        expect(r.status, query).toBe(400);
        expect(r.body.error, query).toMatchObject({ code: 'bad_query', field });
      }
    });
  }

  it('answers the first and the last days of the range', async () => {
    for (const query of ['from=2000-01-01&to=2000-01-01', 'from=9998-01-01&to=9998-12-31']) {
      const r = await operator(t, 'GET', `/v1/reports/overview?${query}`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    }
    const last = await operator(t, 'GET', '/v1/reports/overview?from=9998-12-31&to=9998-12-31');
    expect(last.body.churn.daysWithoutSnapshot).toBe(1);
  });

  it('still refuses a range longer than a year (366 days)', async () => {
    expect((await operator(t, 'GET', '/v1/reports/overview?from=2024-01-01&to=2024-12-31')).status).toBe(200);
    const r = await operator(t, 'GET', '/v1/reports/overview?from=2024-01-01&to=2025-01-01');
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'bad_query', field: 'to' });
  });

  it('POST /v1/eod refuses a date outside the range with 400 invalid_request naming date', async () => {
    for (const date of ['0000-01-01', '1999-12-31', '9999-12-31']) {
      const r = await operator(t, 'POST', '/v1/eod', { date });
      expect(r.status, date).toBe(400);
      expect(r.body.error, date).toMatchObject({ code: 'invalid_request', field: 'date' });
    }
  });
});
