/**
 * Anomaly rules (issue 11, item 10; domain/anomalies.ts): each raises one case with its
 * evidence, listed in GET /v1/reports/summary beside double spends; spread-out activity raises none.
 */
import { describe, expect, it } from 'vitest';
import { CASHIER_ENROLMENTS_PER_HOUR, MEMBER_SALES_PER_HOUR, PREFIX_ENROLMENTS_PER_DAY } from './domain/anomalies.js';
import { operator, useOneTillHq, uploadAll, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let till: TillSim;

useOneTillHq('T1', (x) => {
  ({ t, till } = x);
});

/** Minutes after the start of an hour two days ago: a burst inside one UTC hour. */
const HOUR = Math.floor((Date.now() - 2 * 86_400_000) / 3_600_000) * 3_600_000;
const t0 = (minutes: number): string => new Date(HOUR + minutes * 60_000).toISOString();

interface Case {
  kind: string;
  memberNo: string;
  detail: Record<string, unknown>;
  trigger: string;
}

async function cases(): Promise<Case[]> {
  return (await operator(t, 'GET', '/v1/reports/summary')).body.doubleSpendCases;
}

describe('anomaly rules (item 10)', () => {
  it("a member's earning velocity", async () => {
    till.enrol('M1', t0(0));
    for (let i = 0; i < MEMBER_SALES_PER_HOUR + 2; i++) till.sale('M1', 1_000, t0(1 + i * 4));
    till.enrol('M2', t0(0));
    for (let i = 0; i < MEMBER_SALES_PER_HOUR; i++) till.sale('M2', 1_000, t0(i * 120));
    await uploadAll(t, till, 7);
    const found = await cases();
    expect(found).toEqual([
      expect.objectContaining({
        kind: 'earning_velocity_member',
        memberNo: 'M1',
        detail: expect.objectContaining({ sales: MEMBER_SALES_PER_HOUR }),
      }),
    ]);
  });

  it("a cashier's earning velocity (staffId on the entries)", async () => {
    for (const m of ['M1', 'M2', 'M3', 'M4', 'M5']) {
      till.enrol(m, t0(0));
      till.append(m, 'earn', 5_000, t0(10), { data: { staffId: 'C7' } });
      till.append(m, 'earn', 5_000, t0(20), { data: { staffId: 'C8' } });
    }
    await uploadAll(t, till, 50);
    const found = await cases();
    expect(found).toEqual([
      expect.objectContaining({
        kind: 'earning_velocity_cashier',
        detail: expect.objectContaining({ staffId: 'C7', points: 20_000 }),
      }),
      expect.objectContaining({
        kind: 'earning_velocity_cashier',
        detail: expect.objectContaining({ staffId: 'C8', points: 20_000 }),
      }),
    ]);
  });

  it('many enrolments from one phone prefix, and from one cashier', async () => {
    for (let i = 0; i < PREFIX_ENROLMENTS_PER_DAY; i++) {
      till.enrol(`P${i}`, t0(i * 5), { phone: `1380013${String(i).padStart(4, '0')}`, enrolledBy: `S${i}` });
    }
    for (let i = 0; i < CASHIER_ENROLMENTS_PER_HOUR; i++) {
      till.enrol(`C${i}`, t0(i), {
        phone: `139${String(i).padStart(4, '0')}${String(i * 7).padStart(4, '0')}`,
        enrolledBy: 'C9',
      });
    }
    await uploadAll(t, till, 9);
    const found = await cases();
    expect(found.map((c) => c.kind).sort()).toEqual(['enrolment_burst_cashier', 'enrolment_burst_prefix']);
    const prefix = found.find((c) => c.kind === 'enrolment_burst_prefix');
    // The evidence names the prefix by a keyed hash, never its digits.
    expect(JSON.stringify(prefix)).not.toContain('1380013');
    expect(found.find((c) => c.kind === 'enrolment_burst_cashier')?.detail).toMatchObject({ staffId: 'C9' });
  });

  it('a redemption right after earning, not one a day later', async () => {
    till.enrol('M1', t0(0));
    till.sale('M1', 200_000, t0(1));
    const r = till.redeem('M1', 1_500, t0(6));
    till.enrol('M2', t0(0));
    till.sale('M2', 200_000, t0(1));
    till.redeem('M2', 1_500, new Date(HOUR + 86_400_000).toISOString());
    await uploadAll(t, till, 3);
    expect(await cases()).toEqual([
      expect.objectContaining({
        kind: 'redeem_after_earn',
        memberNo: 'M1',
        trigger: `T1:${r.seq}`,
        detail: expect.objectContaining({ redeemed: 1_500, earned: 2_000 }),
      }),
    ]);
  });
});
