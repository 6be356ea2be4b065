/**
 * The member page's POSTs refuse what a browser sends from another site or origin
 * (http/small-body.ts refuseCrossOrigin): a body that is not `application/json` (415) and an
 * `Origin` that is not head office's own host (403). An HTML form can post `text/plain` anywhere
 * without a preflight, and its body can read as JSON: `{"phone":"=","phone":"<p>","code":"<c>"}`
 * (JSON.parse keeps the last duplicate key). Before, such a post signed a visitor's browser into
 * the attacker's member account (a SameSite=Strict cookie is still stored from a top-level cross-
 * site post), and from another origin of the same site (SameSite is per site) made a signed-in
 * member leave the programme or withdraw their consent.
 */
import { describe, expect, it } from 'vitest';
import { codeSentTo } from '../test/helpers/sign-in-code.js';
import { at, uploadAll, useOneTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let till: TillSim;
useOneTillHq('A', (x) => ({ t, till } = x));

const PHONE = '13900004444';

async function enrol(): Promise<void> {
  till.enrol('M1', at(0), { name: '王小明', phone: PHONE, consentMarketing: true });
  till.sale('M1', 20_000, at(1));
  await uploadAll(t, till, 10);
}

/** What a browser sends for `<form method=post enctype=text/plain>` with one field. */
function formPost(path: string, name: string, value: string, origin: string, cookie?: string): Promise<Response> {
  return fetch(`${t.hq.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'text/plain',
      origin,
      referer: `${origin}/`,
      ...(cookie ? { cookie } : {}),
    },
    body: `${name}=${value}\r\n`,
  });
}

async function signInProperly(): Promise<string> {
  const otp = await fetch(`${t.hq.url}/v1/me/otp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone: PHONE }),
  });
  expect(otp.status).toBe(202);
  const r = await fetch(`${t.hq.url}/v1/me/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ phone: PHONE, code: await codeSentTo(t.dataDir, PHONE) }),
  });
  expect(r.status).toBe(200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

describe('member page POSTs and cross-site forms', () => {
  it('a cross-site text/plain form cannot sign a browser in (login CSRF)', async () => {
    await enrol();
    // The attacker asks for a code for their own number and puts it in their page.
    const otp = await fetch(`${t.hq.url}/v1/me/otp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: PHONE }),
    });
    expect(otp.status).toBe(202);
    const code = await codeSentTo(t.dataDir, PHONE);
    const r = await formPost(
      '/v1/me/session',
      '{"phone":"',
      `","phone":"${PHONE}","code":"${code}"}`,
      'https://attacker.example',
    );
    // Correct: refused (415 not JSON, or 403 foreign Origin), no session cookie.
    expect(r.headers.get('set-cookie')).toBeNull();
    expect(r.status).toBeGreaterThanOrEqual(400);
  });

  it('a same-site page of another origin cannot make a signed-in member leave with a text/plain form', async () => {
    await enrol();
    const cookie = await signInProperly();
    // Another port of the same host is the same site: the browser sends the Strict cookie.
    const r = await formPost('/v1/me/leave', '{"confirm":"', '","confirm":true}', 'http://127.0.0.1:1', cookie);
    const rows = await t.sql<{ erased_at: string | null }>('SELECT erased_at FROM members WHERE member_no = ?', 'M1');
    // Correct: refused, and the member is not erased.
    expect(rows[0]?.erased_at ?? null).toBeNull();
    expect(r.status).toBeGreaterThanOrEqual(400);
  });

  it("a same-site page of another origin cannot withdraw a member's consent with a text/plain form", async () => {
    await enrol();
    const cookie = await signInProperly();
    const r = await formPost(
      '/v1/me/preferences',
      '{"preferredChannel":"',
      '","preferredChannel":"none"}',
      'http://127.0.0.1:1',
      cookie,
    );
    const rows = await t.sql<{ preferred_channel: string }>(
      'SELECT preferred_channel FROM members WHERE member_no = ?',
      'M1',
    );
    // Correct: refused, and the member's channel unchanged.
    expect(rows[0]?.preferred_channel).toBe('sms');
    expect(r.status).toBeGreaterThanOrEqual(400);
  });
});
