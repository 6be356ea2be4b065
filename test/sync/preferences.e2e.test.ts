/**
 * Member preferences end to end (issue 15 item 6, PIPL; DOMAIN.md 10): a real head-office
 * process and two tills of two stores.
 *
 * - Consent withdrawn on the member page reaches both tills, and a campaign's offer message is
 *   then queued for the member who kept consent but not for the one who withdrew.
 * - A change keyed by a cashier (staff PIN) at till A reaches till B and the member's page,
 *   with where it was made.
 * - Two changes made offline at A and B: the later one wins everywhere, whatever order they
 *   reach head office in.
 * - "Leave" on the member page erases at head office and on both tills.
 */
import { describe, expect, it } from 'vitest';
import { StaffDirectory } from '../../main/api/staff.js';
import type { Till } from '../../main/service/till.js';
import { hqCli } from '../../headoffice/test-helpers.js';
import { codeSentTo, messagesIn } from '../helpers/sign-in-code.js';
import { Clock, hqEnv, syncTills, tillPost, useHqProcess, type Json } from './procs.js';

const TOKEN = 'operator-token-preferences';
const f = useHqProcess('sync-preferences', TOKEN);

async function hq(method: string, path: string, body?: unknown, auth?: { cookie?: string; token?: string }) {
  const r = await fetch(`${f.hq.url}${path}`, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(auth?.cookie ? { cookie: auth.cookie } : {}),
      ...(auth?.token ? { authorization: `Bearer ${auth.token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as Json };
}

async function signIn(phone: string): Promise<string> {
  const after = messagesIn(f.hqDir).length;
  expect((await hq('POST', '/v1/me/otp', { phone })).status).toBe(202);
  const code = await codeSentTo(f.hqDir, phone, { after });
  const r = await fetch(`${f.hq.url}/v1/me/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone, code }),
  });
  expect(r.status).toBe(200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

async function cashierOf(t: Till, staffId: string): Promise<string> {
  new StaffDirectory(t.ctx.db).add({ staffId, name: '收银员', role: 'cashier', pin: '1234' });
  const r = await staff(t, '', 'POST', '/v1/staff/sessions', { staffId, pin: '1234' });
  expect(r.status).toBe(201);
  return r.json.token as string;
}

async function staff(t: Till, token: string, method: string, path: string, body?: unknown) {
  const r = await fetch(`${t.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: r.status, json: (await r.json()) as Json };
}

function prefsAt(t: Till, memberNo: string) {
  const m = t.ctx.members.get(memberNo);
  return m && { consentMarketing: m.consentMarketing, preferredChannel: m.preferredChannel, interests: m.interests };
}

async function enrol(t: Till, name: string, phone: string): Promise<string> {
  const r = await tillPost(t, '/v1/members', { name, phone, consent: { marketing: true, text: 'v1' } });
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  const memberNo = r.json.memberNo as string;
  const sale = await tillPost(t, '/v1/sales', {
    saleId: `S-${memberNo}`,
    memberNo,
    lines: [{ sku: 'goods', category: 'grocery', quantity: 1, unitPrice: 10_000 }],
  });
  expect(sale.status).toBe(201);
  return memberNo;
}

describe('preferences across head office and two tills', () => {
  it('page withdrawal reaches both tills and stops messages; a till change reaches the other till and the page; leave erases everywhere', async () => {
    // The tills' business clocks stand 10 minutes back until step 3 moves them.
    const clockA = new Clock();
    const clockB = new Clock();
    clockA.set(new Date(Date.now() - 600_000).toISOString());
    clockB.set(new Date(Date.now() - 600_000).toISOString());
    const a = await f.tillAt('store-pa', 'till-pa', clockA);
    const b = await f.tillAt('store-pb', 'till-pb', clockB);
    const x = await enrol(a, '钱七', '13700000051');
    const y = await enrol(a, '孙九', '13700000052');
    await syncTills(a, b);
    expect(prefsAt(b, x)).toMatchObject({ consentMarketing: true, preferredChannel: 'sms' });

    // 1. X withdraws marketing consent on their page.
    const xPage = await signIn('13700000051');
    const withdrawn = await hq('POST', '/v1/me/preferences', { consentMarketing: false }, { cookie: xPage });
    expect(withdrawn.status, JSON.stringify(withdrawn.json)).toBe(200);
    await syncTills(a, b);
    for (const t of [a, b]) expect(prefsAt(t, x)?.consentMarketing).toBe(false);

    // ... and no message goes to X: a campaign for the store queues the offer message for Y only.
    const draft = await hq(
      'POST',
      '/v1/campaigns',
      {
        id: 'pa-double',
        name: '门店双倍积分',
        target: { homeStores: ['store-pa'] },
        offer: { multiplierMilli: 2000, days: 7, name: { zh: '双倍积分', en: 'double points' } },
        holdoutPercent: 0,
        budgetPoints: 100_000,
        costPerGrant: 10,
      },
      { token: TOKEN },
    );
    expect(draft.status, JSON.stringify(draft.json)).toBe(201);
    // A second operator approves (once named operators exist, the bootstrap token stops).
    const out = await hqCli({ env: hqEnv(f.hqDir) }, ['add-operator', '--id', 'alice', '--role', 'admin']);
    const alice = (/^OPERATOR_TOKEN=(\S+)$/m.exec(out) as RegExpExecArray)[1] as string;
    expect((await hq('POST', '/v1/campaigns/pa-double/approve', {}, { token: alice })).status).toBe(200);
    const started = await hq('POST', '/v1/campaigns/pa-double/start', {}, { token: alice });
    expect(started.status, JSON.stringify(started.json)).toBe(200);
    expect(started.json).toMatchObject({ granted: 2 });
    const messagesOf = async (memberNo: string) => {
      const e = await hq(
        'POST',
        `/v1/members/${memberNo}/export`,
        { operatorId: 'alice', reason: 'test' },
        { token: alice },
      );
      expect(e.status, JSON.stringify(e.json)).toBe(200);
      return (e.json.messages as { purpose: string }[]).filter((m) => m.purpose === 'offer');
    };
    expect(await messagesOf(x)).toEqual([]);
    expect(await messagesOf(y)).toHaveLength(1);

    // 2. At till A a cashier (signed in with their PIN) changes Y's channel and interests.
    const cashierA = await cashierOf(a, '2001');
    expect((await tillPost(a, `/v1/staff/members/${y}/preferences`, { preferredChannel: 'wechat' })).status).toBe(403);
    const changed = await staff(a, cashierA, 'POST', `/v1/staff/members/${y}/preferences`, {
      preferredChannel: 'wechat',
      interests: ['baby', 'fresh'],
    });
    expect(changed.status, JSON.stringify(changed.json)).toBe(200);
    expect(changed.json.current).toEqual({
      consentMarketing: true,
      preferredChannel: 'wechat',
      interests: ['fresh', 'baby'],
    });
    expect(changed.json.changes).toMatchObject([{ staffId: '2001', confirmed: false }]);
    await syncTills(a, b);
    expect(prefsAt(b, y)).toEqual({ consentMarketing: true, preferredChannel: 'wechat', interests: ['fresh', 'baby'] });
    const yPage = await signIn('13700000052');
    const yPrefs = await hq('GET', '/v1/me/preferences', undefined, { cookie: yPage });
    expect(yPrefs.json.current).toEqual({
      consentMarketing: true,
      preferredChannel: 'wechat',
      interests: ['fresh', 'baby'],
    });
    expect(yPrefs.json.history).toMatchObject([{ origin: 'till', tillId: 'till-pa', staffId: '2001' }]);
    const onA = await staff(a, cashierA, 'GET', `/v1/staff/members/${y}/preferences`);
    expect(onA.json.changes).toMatchObject([{ staffId: '2001', confirmed: true }]);

    // 3. Offline at both tills: at T-2min A withdraws Y's consent and sets email; at T-1min B sets
    // SMS and pets. B's change reaches head office first; per field, the later change wins.
    const now = Date.now();
    clockA.set(new Date(now - 120_000).toISOString());
    clockB.set(new Date(now - 60_000).toISOString());
    const cashierB = await cashierOf(b, '3001');
    const offA = await staff(a, cashierA, 'POST', `/v1/staff/members/${y}/preferences`, {
      consentMarketing: false,
      preferredChannel: 'email',
    });
    expect(offA.status).toBe(200);
    const onB = await staff(b, cashierB, 'POST', `/v1/staff/members/${y}/preferences`, {
      preferredChannel: 'sms',
      interests: ['pets'],
    });
    expect(onB.status).toBe(200);
    expect(prefsAt(a, y)).toMatchObject({ consentMarketing: false, preferredChannel: 'email' });
    expect(prefsAt(b, y)).toMatchObject({ consentMarketing: true, preferredChannel: 'sms' });
    expect((await b.sync?.syncNow())?.problem ?? null).toBeNull();
    expect((await a.sync?.syncNow())?.problem ?? null).toBeNull();
    await syncTills(a, b);
    const agreed = { consentMarketing: false, preferredChannel: 'sms', interests: ['pets'] };
    expect(prefsAt(a, y)).toEqual(agreed);
    expect(prefsAt(b, y)).toEqual(agreed);
    const yAfter = await hq('GET', '/v1/me/preferences', undefined, { cookie: yPage });
    expect(yAfter.json.current).toEqual(agreed);
    expect(
      (yAfter.json.history as { tillId: string | null; staffId: string | null }[]).map((h) => [h.tillId, h.staffId]),
    ).toEqual([
      ['till-pa', '2001'],
      ['till-pa', '2001'],
      ['till-pb', '3001'],
    ]);

    // 4. X leaves the programme on their page: erased at head office and on both tills.
    expect((await hq('POST', '/v1/me/leave', {}, { cookie: xPage })).status).toBe(400);
    const left = await hq('POST', '/v1/me/leave', { confirm: true }, { cookie: xPage });
    expect(left.status, JSON.stringify(left.json)).toBe(200);
    await syncTills(a, b);
    for (const t of [a, b]) {
      const rec = t.ctx.members.get(x);
      expect(rec).toMatchObject({ name: '', phone: '', status: 'blocked', consentMarketing: false });
      expect(rec?.erasedAt).toBe(left.json.erasedAt);
      expect((await tillPost(t, '/v1/members/identify', { phone: '13700000051' })).status).toBe(404);
    }
    const view = await hq('GET', `/v1/members/${x}`, undefined, { token: alice });
    expect(view.json.erasedAt).toBe(left.json.erasedAt);
    expect((await hq('GET', '/v1/me', undefined, { cookie: xPage })).status).toBe(401);
  });
});
