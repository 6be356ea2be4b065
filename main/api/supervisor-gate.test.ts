/**
 * The supervisor gate (main/api/staff.ts `admit`, `overrideNeeded`). DOMAIN.md 4: "redemptions
 * above `supervisorThreshold` points ... need a supervisor's PIN"; SECURITY.md: a cashier may not
 * redeem above it alone or split over an hour without one. The gate judges the body as the route
 * will see it, stamped with the session's own staff number: before, a body with an invalid
 * `staffId` failed the gate's schema check, passed as "the route refuses it", and was then made
 * valid by the stamp, so any redemption went through without a supervisor.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundedMember, gatedTill, type TestTill } from '../../test/helpers/till.js';

let t: TestTill;
let memberNo: string;
let member2: string;
let cashier: string;
let n = 0;

const line = [{ sku: 'tv', category: 'electronics', quantity: 1, unitPrice: 100_000 }];

beforeAll(async () => {
  ({ t, cashier } = await gatedTill());
  memberNo = await fundedMember(t, { name: '赵', phone: '13500002223', fen: 900_000, saleId: 'EARN-1' });
  member2 = await fundedMember(t, { name: '钱', phone: '13500002224', fen: 900_000, saleId: 'EARN-2' });
});

afterAll(async () => {
  await t.close();
});

describe('a cashier cannot redeem above the threshold without a supervisor', () => {
  it('control: a 5000-point tender is refused with supervisor_required', async () => {
    const r = await t.post(
      '/v1/sales',
      { saleId: `GATE-${++n}`, memberNo, lines: line, tenders: [{ type: 'points', points: 5000 }] },
      { key: cashier },
    );
    expect([r.status, r.body.error?.code]).toEqual([403, 'supervisor_required']);
  });

  it('not even when the body carries an invalid staffId: the gate judges the body as stamped with the session own number', async () => {
    const before = t.ctx.redemptions.recentPoints(memberNo, t.ctx.now());
    const r = await t.post(
      '/v1/sales',
      {
        saleId: `GATE-${++n}`,
        memberNo,
        lines: line,
        tenders: [{ type: 'points', points: 5000 }],
        staffId: 'not a valid id!', // a client's own staffId never reaches the route: the gate judges the stamped body
      },
      { key: cashier },
    );
    expect([r.status, r.body.error?.code]).toEqual([403, 'supervisor_required']);
    expect(t.ctx.redemptions.recentPoints(memberNo, t.ctx.now())).toBe(before);
  });

  it('nor a catalogue reward above the threshold (coupon-10, 1000 points) with an invalid staffId', async () => {
    const control = await t.post('/v1/rewards/redeem', { memberNo: member2, rewardId: 'coupon-10' }, { key: cashier });
    expect([control.status, control.body.error?.code]).toEqual([403, 'supervisor_required']);
    const r = await t.post(
      '/v1/rewards/redeem',
      { memberNo: member2, rewardId: 'coupon-10', staffId: 42 },
      { key: cashier },
    );
    expect([r.status, r.body.error?.code]).toEqual([403, 'supervisor_required']);
    expect(t.ctx.redemptions.recentPoints(member2, t.ctx.now())).toBe(0);
  });
});
