/**
 * A redemption split into small ones still needs a supervisor (issue 11, finding 9; DOMAIN.md 4
 * anti-fraud): a member's redemptions at this till over the last hour count against
 * `supervisorThreshold` with the one asked for. A real till over HTTP, a cashier's session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundedMember, gatedTill, type TestTill } from '../../test/helpers/till.js';
import { StaffDirectory } from '../api/staff.js';

let t: TestTill;
let memberNo: string;
let cashier: string;
let n = 0;

const pointsSale = (points: number) => ({
  saleId: `SPLIT-${++n}`,
  memberNo,
  lines: [{ sku: 'tv', category: 'electronics', quantity: 1, unitPrice: 100_000 }],
  tenders: [{ type: 'points', points }],
});

beforeAll(async () => {
  ({ t, cashier } = await gatedTill());
  memberNo = await fundedMember(t, { name: '赵', phone: '13500002222', fen: 500_000, saleId: 'EARN-1' });
  new StaffDirectory(t.ctx.db).add({ staffId: '2001', name: '王主管', role: 'supervisor', pin: '5678' });
});

afterAll(async () => {
  await t.close();
});

describe('redemptions split below the supervisor threshold', () => {
  it('count together over the last hour at this till', async () => {
    // 3 × 100 = 300: at the threshold, not above it.
    for (let i = 0; i < 3; i++) expect((await t.post('/v1/sales', pointsSale(100), { key: cashier })).status).toBe(201);
    t.clock.advanceMs(10 * 60_000);
    const fourth = await t.post('/v1/sales', pointsSale(100), { key: cashier });
    expect([fourth.status, fourth.body.error.code]).toEqual([403, 'supervisor_required']);
    // A catalogue reward counts the same way (150 points, below the threshold alone).
    const reward = await t.post('/v1/rewards/redeem', { memberNo, rewardId: 'voucher-2' }, { key: cashier });
    expect(reward.body.error.code).toBe('supervisor_required');
  });

  it("goes through with a supervisor's approval, and is free again an hour later", async () => {
    const approval = await t.post(
      '/v1/staff/approvals',
      { supervisorId: '2001', pin: '5678', action: { kind: 'redeem_points', memberNo, points: 100 } },
      { key: cashier },
    );
    expect(approval.status).toBe(201);
    const sale = pointsSale(100);
    const approved = await fetch(`${t.url}/v1/sales`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${cashier}`,
        'x-supervisor-approval': approval.body.approval as string,
      },
      body: JSON.stringify(sale),
    });
    expect(approved.status).toBe(201);
    t.clock.advanceMs(61 * 60_000);
    expect((await t.post('/v1/sales', pointsSale(100), { key: cashier })).status).toBe(201);
  });

  it('a sale dated in the past by the client still counts from when the till recorded it', async () => {
    const backdated = {
      ...pointsSale(200),
      occurredAt: new Date(t.clock.now().getTime() - 3 * 3600_000).toISOString(),
    };
    expect((await t.post('/v1/sales', backdated, { key: cashier })).status).toBe(201);
    const next = await t.post('/v1/sales', pointsSale(100), { key: cashier });
    expect(next.body.error.code).toBe('supervisor_required');
  });
});
