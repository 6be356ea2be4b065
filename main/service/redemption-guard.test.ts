import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { startTill, type TestTill } from '../../test/helpers/till.js';
import { StaffDirectory } from '../api/staff.js';

let t: TestTill;
let memberNo: string;
let n = 0;

const redeemSale = (points: number) => ({
  saleId: `RL-${++n}`,
  memberNo,
  lines: [{ sku: 'tv', category: 'electronics', quantity: 1, unitPrice: 100_000 }],
  tenders: [{ type: 'points', points }],
});

beforeEach(async () => {
  t = await startTill({
    now: '2026-03-10T04:00:00Z',
    ruleSet: { redemption: { ...DEFAULT_RULE_SET_INPUT.redemption, maxRedemptionsPerMinute: 3 } },
  });
  const m = await t.post('/v1/members', {
    name: '赵',
    phone: '13500001111',
    consent: { marketing: false, text: 'v1' },
  });
  memberNo = m.body.memberNo as string;
  // ¥10,000 earns 10,000 points (daily cap 5,000 applies per day: two days).
  await t.post('/v1/sales', {
    saleId: 'EARN-1',
    memberNo,
    lines: [{ sku: 'a', category: 'x', quantity: 1, unitPrice: 500_000 }],
  });
  t.clock.advanceDays(1);
  await t.post('/v1/sales', {
    saleId: 'EARN-2',
    memberNo,
    lines: [{ sku: 'a', category: 'x', quantity: 1, unitPrice: 500_000 }],
  });
});

afterEach(async () => {
  await t.close();
});

describe('redemption lock (DOMAIN.md 4 anti-fraud)', () => {
  it('more than maxRedemptionsPerMinute locks redemption on the till until a supervisor clears it', async () => {
    for (let i = 0; i < 3; i++) expect((await t.post('/v1/sales', redeemSale(100))).status).toBe(201);
    const fourth = await t.post('/v1/sales', redeemSale(100));
    expect(fourth.status).toBe(423);
    expect(fourth.body.error.code).toBe('redemption_locked');
    // Nothing of the refused sale was written; earning without redemption goes on.
    expect((await t.post('/v1/sales', { ...redeemSale(0), tenders: [] })).status).toBe(201);
    expect((await t.post('/v1/rewards/redeem', { memberNo, rewardId: 'voucher-2' })).body.error.code).toBe(
      'redemption_locked',
    );

    // The lock is durable: it is in the database, so a restart does not clear it.
    await t.stop();
    const db = new Database(t.dbFile, { readonly: true });
    const row = db.prepare("SELECT value FROM meta WHERE key = 'redemption_lock'").get() as
      { value: string } | undefined;
    db.close();
    expect(JSON.parse(row?.value ?? 'null')).toMatchObject({ count: 4 });
  });

  it('a cashier cannot clear it; a supervisor can', async () => {
    for (let i = 0; i < 4; i++) await t.post('/v1/sales', redeemSale(100));
    const dir = new StaffDirectory(t.ctx.db);
    dir.add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
    dir.add({ staffId: '2001', name: '王主管', role: 'supervisor', pin: '5678' });
    const token = async (staffId: string, pin: string): Promise<string> =>
      (await t.post('/v1/staff/sessions', { staffId, pin }, { key: null })).body.token as string;
    const cashier = await token('1001', '1234');
    const refused = await t.post('/v1/staff/redemption-lock/clear', undefined, { key: cashier });
    expect(refused.status).toBe(403);
    const pos = await t.post('/v1/staff/redemption-lock/clear', undefined);
    expect(pos.status).toBe(403);
    const supervisor = await token('2001', '5678');
    const cleared = await t.post('/v1/staff/redemption-lock/clear', undefined, { key: supervisor });
    expect(cleared.status).toBe(200);
    expect(cleared.body.lock).toBeNull();
    expect((await t.post('/v1/sales', redeemSale(100))).status).toBe(201);
  });
});
