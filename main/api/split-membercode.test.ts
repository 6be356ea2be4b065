/**
 * Split redemptions (SECURITY.md: a cashier may not redeem above `supervisorThreshold` "alone or
 * split over an hour" without a supervisor's PIN; docs/decisions.md "Split redemptions"). The
 * gate counts the member's last hour under the member the sale will resolve the code to
 * (memberByCode: trimmed, an NFC UID in the reader's spelling, a member QR). Before, it counted
 * under the raw `memberCode`, so any other spelling started the hour at zero.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundedMember, gatedTill, type TestTill } from '../../test/helpers/till.js';

let t: TestTill;
let memberNo: string;
let cashier: string;
let n = 0;

const sale = (member: { memberNo?: string; memberCode?: string }, points: number) => ({
  saleId: `SPLITC-${++n}`,
  ...member,
  lines: [{ sku: 'tv', category: 'electronics', quantity: 1, unitPrice: 100_000 }],
  tenders: [{ type: 'points', points }],
});

beforeAll(async () => {
  ({ t, cashier } = await gatedTill());
  memberNo = await fundedMember(t, {
    name: '孙',
    phone: '13500002225',
    fen: 900_000,
    saleId: 'EARN-1',
    cardCode: '04:A2:2B:1C:5D:80:00',
  });
});

afterAll(async () => {
  await t.close();
});

describe('a redemption split over the hour needs a supervisor whichever way the member is named', () => {
  it('control: 300 then 100 more by memberNo -> supervisor_required', async () => {
    expect((await t.post('/v1/sales', sale({ memberNo }, 300), { key: cashier })).status).toBe(201);
    const r = await t.post('/v1/sales', sale({ memberNo }, 100), { key: cashier });
    expect([r.status, r.body.error?.code]).toEqual([403, 'supervisor_required']);
  });

  it('the member number as memberCode with a space around it (the sale trims it)', async () => {
    const r = await t.post('/v1/sales', sale({ memberCode: ` ${memberNo}` }, 300), { key: cashier });
    expect([r.status, r.body.error?.code]).toEqual([403, 'supervisor_required']);
  });

  it('the NFC card as the reader formats it (stored canonical)', async () => {
    const r = await t.post('/v1/sales', sale({ memberCode: '04:a2:2b:1c:5d:80:00' }, 300), { key: cashier });
    expect([r.status, r.body.error?.code]).toEqual([403, 'supervisor_required']);
  });

  it('over the whole hour, at most the threshold went through without an approval', async () => {
    expect(t.ctx.redemptions.recentPoints(memberNo, t.ctx.now())).toBeLessThanOrEqual(300);
  });
});
