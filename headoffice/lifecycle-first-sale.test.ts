/**
 * Lifecycle "new" on the member view (DOMAIN.md 8 / 12: one definition, "new" = first sale within
 * the last 90 days). The first sale is the earliest sale date, on the member view as in the
 * summary and the Members report, also when a sale dated earlier reaches head office after later
 * ones in the till's chain (a late sale, DOMAIN.md 12).
 */
import { describe, expect, it } from 'vitest';
import { operator, uploadAll, type TestHq, type TillSim, useTwoTillHq } from './test-helpers.js';

let t: TestHq;
let A: TillSim;

useTwoTillHq((x) => ({ t, A } = x));

const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (n: number): string => new Date(Date.now() - n * DAY).toISOString();

describe('lifecycle "new" on the member view (DOMAIN.md 8, 12)', () => {
  it('measures "new" from the earliest sale date, as the summary does', async () => {
    A.enrol('M1', daysAgo(200));
    A.sale('M1', 10_000, daysAgo(80)); // recorded first
    A.sale('M1', 10_000, daysAgo(95)); // a sale dated earlier, delivered later in the chain
    await uploadAll(t, A, 100);
    const s = await operator(t, 'GET', '/v1/reports/summary');
    // earliest sale 95 days ago: not new; last sale 80 days ago: active
    expect(s.body.members.lifecycle).toMatchObject({ new: 0, active: 1 });
    const m = await operator(t, 'GET', '/v1/members/M1');
    expect(m.body.lifecycle).toBe('active');
  });
});
