/**
 * Staff sign-in, sessions, lockout, supervisor approvals and the event ticket, against the
 * real service (HTTP on 127.0.0.1, a real SQLite file).
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, enrolDirect, installRuleSet, POS_KEY, startTill, type TestTill } from '../../test/helpers/till.js';
import { StaffAuth, StaffDirectory } from './staff.js';

let t: TestTill;

interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

async function call(
  method: 'GET' | 'POST',
  path: string,
  opts: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const token = opts.token === undefined ? POS_KEY : opts.token;
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...opts.headers,
    },
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function signIn(staffId: string, pin: string): Promise<string> {
  const r = await call('POST', '/v1/staff/sessions', { token: null, body: { staffId, pin } });
  expect(r.status).toBe(201);
  return r.body.token as string;
}

let member: string;

beforeAll(async () => {
  t = await startTill();
  // Supervisor threshold 500 points: the ¥10 coupon (1,000 points) needs a supervisor, the ¥2 voucher does not.
  installRuleSet(t.ctx, { version: 2, redemption: { supervisorThreshold: 500 } });
  const dir = new StaffDirectory(t.ctx.db);
  dir.add({ staffId: '1001', name: '李收银', role: 'cashier', pin: '1234' });
  dir.add({ staffId: '2001', name: '王主管', role: 'supervisor', pin: '5678' });
  dir.add({ staffId: '9001', name: '管理员', role: 'admin', pin: '246810' });
  dir.add({ staffId: '1002', name: '锁定测试', role: 'cashier', pin: '4321' });
  member = enrolDirect(t.ctx);
  const sale = await call('POST', '/v1/sales', {
    body: {
      saleId: 'SEED-1',
      memberNo: member,
      lines: [{ sku: 'tv', category: 'electronics', quantity: 1, unitPrice: 300_000 }],
    },
  });
  expect(sale.status).toBe(201);
});

afterAll(async () => {
  await t?.close();
});

describe('staff sign-in', () => {
  it('signs in, uses the session on the POS API, and signs out', async () => {
    const token = await signIn('1001', '1234');
    const who = await call('GET', '/v1/staff/session', { token });
    expect(who.status).toBe(200);
    expect(who.body.staff).toEqual({ staffId: '1001', name: '李收银', role: 'cashier' });
    expect((await call('GET', '/v1/health', { token })).status).toBe(200);
    expect((await call('POST', '/v1/staff/sessions/end', { token })).status).toBe(200);
    const after = await call('GET', '/v1/health', { token });
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('unauthorized');
  });

  it('answers a wrong PIN and an unknown staff number alike', async () => {
    const wrong = await call('POST', '/v1/staff/sessions', { token: null, body: { staffId: '2001', pin: '0000' } });
    const unknown = await call('POST', '/v1/staff/sessions', { token: null, body: { staffId: '7777', pin: '0000' } });
    expect([wrong.status, wrong.body.error.code]).toEqual([401, 'invalid_credentials']);
    expect([unknown.status, unknown.body.error.code]).toEqual([401, 'invalid_credentials']);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it('refuses a malformed sign-in with the field named', async () => {
    const r = await call('POST', '/v1/staff/sessions', { token: null, body: { staffId: '1001', pin: '12' } });
    expect(r.status).toBe(400);
    expect(r.body.error.field).toBe('pin');
  });

  it('delays the client after wrong PINs for one staff number, even for the right PIN', async () => {
    // Three typos are free and the fourth costs nothing yet; the next attempt must wait a second.
    for (let i = 1; i <= 4; i++) {
      const r = await call('POST', '/v1/staff/sessions', { token: null, body: { staffId: '1002', pin: '9999' } });
      expect(r.body.error.code).toBe('invalid_credentials');
    }
    const right = await call('POST', '/v1/staff/sessions', { token: null, body: { staffId: '1002', pin: '4321' } });
    expect([right.status, right.body.error.code]).toEqual([429, 'staff_locked']);
    expect(right.body.error.message).toMatch(/try again in 1 s/);
  });

  it('lets the delayed client in once the delay has passed, other clients at once, and expires idle sessions', () => {
    let now = 1_000_000;
    const auth = new StaffAuth(t.ctx, { now: () => now, idleMinutes: 30 });
    for (let i = 0; i < 4; i++) expect(() => auth.signIn('2001', '1111', 'addr:10.0.0.9')).toThrow(/wrong/);
    expect(() => auth.signIn('2001', '5678', 'addr:10.0.0.9')).toThrow(/try again in 1 s/);
    expect(auth.signIn('2001', '5678', 'addr:10.0.0.7').session.role).toBe('supervisor');
    now += 1_000;
    const { token, session } = auth.signIn('2001', '5678', 'addr:10.0.0.9');
    expect(session.role).toBe('supervisor');
    const digest = Buffer.from(session.id, 'hex');
    now += 29 * 60_000;
    expect(auth.sessionByDigest(digest)).not.toBeNull();
    now += 30 * 60_000 + 1;
    expect(auth.sessionByDigest(digest)).toBeNull();
    expect(token.length).toBeGreaterThan(30);
  });

  it('rejects staff routes for the POS key and admin routes for a cashier', async () => {
    expect((await call('GET', '/v1/staff/session')).body.error.code).toBe('forbidden');
    const cashier = await signIn('1001', '1234');
    const r = await call('GET', '/v1/staff/pos-key', { token: cashier });
    expect([r.status, r.body.error.code]).toEqual([403, 'forbidden']);
    expect((await call('GET', '/v1/staff/programme', { token: null })).status).toBe(401);
  });
});

describe('attribution and supervisor approvals', () => {
  it("records the signed-in staff member's number whatever the client sends", async () => {
    const token = await signIn('1001', '1234');
    const r = await call('POST', '/v1/members', {
      token,
      body: { name: '赵六', phone: '13700001111', consent: { marketing: true, text: 'privacy-v1' }, staffId: '2001' },
    });
    expect(r.status).toBe(201);
    expect(t.ctx.members.get(r.body.memberNo)?.enrolledBy).toBe('1001');
  });

  it('refuses a cashier a reward above the threshold without a supervisor, then allows it with one', async () => {
    const token = await signIn('1001', '1234');
    const body = { memberNo: member, rewardId: 'coupon-10' };
    const ledgerBefore = count(t.ctx, 'ledger');
    const refused = await call('POST', '/v1/rewards/redeem', { token, body });
    expect([refused.status, refused.body.error.code]).toEqual([403, 'supervisor_required']);
    expect(count(t.ctx, 'ledger')).toBe(ledgerBefore);

    // Below the threshold: no supervisor needed.
    expect(
      (await call('POST', '/v1/rewards/redeem', { token, body: { memberNo: member, rewardId: 'voucher-2' } })).status,
    ).toBe(201);

    const action = { kind: 'redeem_reward', memberNo: member, rewardId: 'coupon-10' };
    const byCashier = await call('POST', '/v1/staff/approvals', {
      token,
      body: { supervisorId: '1001', pin: '1234', action },
    });
    expect([byCashier.status, byCashier.body.error.code]).toEqual([403, 'forbidden']);
    const wrongPin = await call('POST', '/v1/staff/approvals', {
      token,
      body: { supervisorId: '2001', pin: '0000', action },
    });
    expect(wrongPin.body.error.code).toBe('invalid_credentials');
    const ok = await call('POST', '/v1/staff/approvals', {
      token,
      body: { supervisorId: '2001', pin: '5678', action },
    });
    expect(ok.status).toBe(201);
    expect(ok.body.supervisor).toEqual({ staffId: '2001', name: '王主管', role: 'supervisor' });

    // An approval for another action does not cover this one.
    const other = await call('POST', '/v1/rewards/redeem', {
      token,
      body: { memberNo: member, rewardId: 'free-service' },
      headers: { 'x-supervisor-approval': ok.body.approval },
    });
    expect(other.body.error.code).toBe('supervisor_required');

    const redeemed = await call('POST', '/v1/rewards/redeem', {
      token,
      body,
      headers: { 'x-supervisor-approval': ok.body.approval },
    });
    expect(redeemed.status).toBe(201);
    const entry = t.ctx.db.prepare("SELECT data FROM ledger WHERE kind = 'reward' ORDER BY seq DESC LIMIT 1").get() as {
      data: string;
    };
    expect(JSON.parse(entry.data).staffId).toBe('2001');

    const again = await call('POST', '/v1/rewards/redeem', {
      token,
      body,
      headers: { 'x-supervisor-approval': ok.body.approval },
    });
    expect(again.body.error.code).toBe('supervisor_required');
  });

  it('needs a supervisor for a points tender above the threshold; a failed sale keeps the approval', async () => {
    const token = await signIn('1001', '1234');
    const sale = (saleId: string, points: number) => ({
      saleId,
      memberNo: member,
      lines: [{ sku: 'rice', category: 'food', quantity: 1, unitPrice: 200_000 }],
      tenders: [{ type: 'points', points }],
    });
    const refused = await call('POST', '/v1/sales', { token, body: sale('UI-1', 600) });
    expect(refused.body.error.code).toBe('supervisor_required');
    const ok = await call('POST', '/v1/staff/approvals', {
      token,
      body: { supervisorId: '2001', pin: '5678', action: { kind: 'redeem_points', memberNo: member, points: 600 } },
    });
    const headers = { 'x-supervisor-approval': ok.body.approval };
    // Not whole units of 100: the sale fails, the approval is not spent.
    expect((await call('POST', '/v1/sales', { token, body: sale('UI-2', 550), headers })).body.error.code).toBe(
      'not_whole_redemption_units',
    );
    const done = await call('POST', '/v1/sales', { token, body: sale('UI-3', 600), headers });
    expect(done.status).toBe(201);
    expect(done.body.pointsRedeemed).toBe(600);
    const entry = t.ctx.db.prepare("SELECT data FROM ledger WHERE kind = 'redeem' AND sale_id = 'UI-3'").get() as {
      data: string;
    };
    expect(JSON.parse(entry.data).staffId).toBe('2001');
    // Another session cannot use someone else's approval, and a supervisor needs none.
    const supervisor = await signIn('2001', '5678');
    expect((await call('POST', '/v1/sales', { token: supervisor, body: sale('UI-4', 600) })).status).toBe(201);
    // The POS is trusted with its own supervisor flow.
    expect((await call('POST', '/v1/sales', { body: sale('POS-9', 600) })).status).toBe(201);
  });

  it('needs a supervisor to unblock a card, not to block it', async () => {
    const token = await signIn('1001', '1234');
    const blocked = await call('POST', '/v1/staff/cards/block', { token, body: { code: member } });
    expect(blocked.body.status).toBe('blocked');
    expect((await call('POST', '/v1/members/identify', { body: { code: member } })).body.error.code).toBe(
      'card_blocked',
    );
    expect((await call('POST', '/v1/staff/cards/unblock', { token, body: { code: member } })).body.error.code).toBe(
      'supervisor_required',
    );
    const ok = await call('POST', '/v1/staff/approvals', {
      token,
      body: { supervisorId: '2001', pin: '5678', action: { kind: 'unblock_card', code: member } },
    });
    const unblocked = await call('POST', '/v1/staff/cards/unblock', {
      token,
      body: { code: member },
      headers: { 'x-supervisor-approval': ok.body.approval },
    });
    expect(unblocked.body.status).toBe('active');
    expect((await call('POST', '/v1/members/identify', { body: { code: member } })).status).toBe(200);
  });
});

describe('event ticket and POS key', () => {
  it('opens the event stream with a single-use ticket', async () => {
    const token = await signIn('1001', '1234');
    const { body } = await call('POST', '/v1/staff/events/ticket', { token });
    const ctl = new AbortController();
    const res = await fetch(`${t.url}/v1/events?ticket=${encodeURIComponent(body.ticket)}`, { signal: ctl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
    ctl.abort();
    const again = await fetch(`${t.url}/v1/events?ticket=${encodeURIComponent(body.ticket)}`);
    expect(again.status).toBe(401);
    await again.text();
  });

  it("shows an admin the POS key's fingerprint, never the key; a key from the environment is not rotated", async () => {
    const admin = await signIn('9001', '246810');
    const shown = await call('GET', '/v1/staff/pos-key', { token: admin });
    const fingerprint = createHash('sha256').update(POS_KEY).digest('hex').slice(0, 8);
    expect(shown.body).toEqual({ fingerprint, file: expect.any(String), fromEnvironment: true });
    expect(JSON.stringify(shown.body)).not.toContain(POS_KEY);
    const rotate = await call('POST', '/v1/staff/pos-key/rotate', { token: admin });
    expect([rotate.status, rotate.body.error.code]).toEqual([409, 'pos_key_from_environment']);
  });
});
