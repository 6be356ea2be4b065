/**
 * Average spend per active member (DOMAIN.md 9 "average spend per member"), the summary's
 * `sales.averageSpendPerActiveMember`: the member sales of the rolling 12 months over the members
 * active in them, one population and one window, so a lapsed member's old spend is not divided
 * among today's active members.
 */
import { describe, expect, it } from 'vitest';
import { operator, uploadAll, type TestHq, type TillSim, useTwoTillHq } from './test-helpers.js';

let t: TestHq;
let A: TillSim;

useTwoTillHq((x) => ({ t, A } = x));

const DAY = 24 * 60 * 60 * 1000;
const daysAgo = (n: number): string => new Date(Date.now() - n * DAY).toISOString();

describe('average spend per active member (DOMAIN.md 9)', () => {
  it('counts only what the active members spent (one population, one window)', async () => {
    A.enrol('OLD', daysAgo(800));
    A.sale('OLD', 1_000_000, daysAgo(700)); // ¥10,000 nearly two years ago: not active
    A.enrol('NEW', daysAgo(20));
    A.sale('NEW', 10_000, daysAgo(10)); // ¥100 this month: the one active member
    await uploadAll(t, A, 100);
    const s = (await operator(t, 'GET', '/v1/reports/summary')).body;
    expect(s.members.active).toBe(1);
    // The one active member spent ¥100 in the 12 months (and ¥100 ever).
    expect(s.sales.averageSpendPerActiveMember).toBe(10_000);
  });
});
