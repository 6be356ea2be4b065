/**
 * The member's own page API against a real head office, on SQLite and PostgreSQL
 * (docs/member-page.md): sign-in by phone and a one-time code read from the simulated channel's
 * file, the session cookie, /v1/me and the QR code a till's key verifies; the code's rules
 * (wrong tries, single use, per-phone rate limit); and the outbox's consent, quiet hours and cap.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyMemberQr } from '../core/cards/memberqr.js';
import { MARKETING_CAP } from './domain/messages.js';
import { OTP_MAX_TRIES } from './domain/otp.js';
import { MEMBER_QR_KEY_FILE } from './member-qr-key.js';
import { qrRefreshSeconds } from './routes/me.js';
import { maskPhone } from '../core/members.js';
import { codeIn, codeSentTo, messagesIn } from '../test/helpers/sign-in-code.js';
import { at, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
useTwoTillHq((x) => ({ t, A } = x));

const PHONE = '13900002222';

async function post(path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${t.hq.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
}

async function enrolMember(consentMarketing = true): Promise<void> {
  A.enrol('M1', at(0), { name: '王小明', phone: PHONE, consentMarketing });
  A.sale('M1', 20_000, at(1));
  await uploadAll(t, A, 10);
}

async function signIn(): Promise<string> {
  expect((await post('/v1/me/otp', { phone: '+86 139-0000-2222' })).status).toBe(202);
  const r = await post('/v1/me/session', { phone: PHONE, code: await codeSentTo(t.dataDir, PHONE) });
  expect(r.status).toBe(200);
  const setCookie = r.headers.get('set-cookie') ?? '';
  expect(setCookie).toMatch(
    /^lm_session=M1\.[A-Za-z0-9_-]{32}; Path=\/v1\/me; HttpOnly; SameSite=Strict; Max-Age=604800$/,
  );
  return setCookie.split(';')[0] ?? '';
}

describe('member page: sign-in and /v1/me', () => {
  it('signs in with the code sent through the channel and shows balance, tier, progress and a QR a till verifies', async () => {
    await enrolMember();
    const cookie = await signIn();
    await t.hq.idle(); // the text's outcome is recorded just after the code reaches the file
    const sent = messagesIn(t.dataDir);
    expect(sent).toHaveLength(1);
    // The simulated channel's file keeps the number masked.
    expect(sent[0]?.to).toBe(maskPhone(PHONE));
    // Stored hashed: the code is nowhere in the database.
    const code = codeIn(sent[0]?.text ?? '') ?? '';
    // The member's code (the number's count from every address keeps no member and no code).
    const otps = await t.sql<{ code_hash: unknown }>("SELECT code_hash FROM member_otps WHERE member_no = 'M1'");
    expect(otps).toHaveLength(1);
    expect(otps[0]?.code_hash).toBeNull(); // used: single use
    const outbox = await t.sql<{ purpose: string; status: string; body: string }>(
      'SELECT purpose, status, body FROM outbox',
    );
    expect(outbox).toMatchObject([{ purpose: 'otp', status: 'sent' }]);
    expect(outbox[0]?.body).toContain('******');
    expect(outbox[0]?.body).not.toContain(code);
    expect(code).toHaveLength(6);

    const me = await fetch(`${t.hq.url}/v1/me`, { headers: { cookie } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ memberNo: 'M1', name: '王**', phone: '139****2222', offers: [], coupons: [] });
    expect(body.balance).toBeGreaterThan(0);
    expect(body.tier).toMatchObject({ code: expect.any(String) });
    expect(body.nextTier === null || typeof (body.nextTier as { remaining: number }).remaining === 'number').toBe(true);

    const qr = await fetch(`${t.hq.url}/v1/me/qr`, { headers: { cookie } });
    expect(qr.status).toBe(200);
    const q = (await qr.json()) as { text: string; windowSeconds: number; refreshSeconds: number };
    expect(q.refreshSeconds).toBe(30);
    // A shorter window is refreshed at least twice a window, so the phone never shows an expired code.
    expect([15, 16, 60, 61, 3600].map(qrRefreshSeconds)).toEqual([7, 8, 30, 30, 30]);
    const key = Buffer.from(readFileSync(join(t.dataDir, MEMBER_QR_KEY_FILE), 'utf8').trim(), 'base64');
    expect(verifyMemberQr(key, q.text, Date.now(), { windowSeconds: q.windowSeconds })).toMatchObject({
      ok: true,
      memberNo: 'M1',
    });
    // Short-lived: three windows later the same code is refused.
    expect(
      verifyMemberQr(key, q.text, Date.now() + 3 * q.windowSeconds * 1000, { windowSeconds: q.windowSeconds }),
    ).toMatchObject({
      ok: false,
      code: 'qr_expired',
    });

    const out = await post('/v1/me/signout', {}, cookie);
    expect(out.status).toBe(200);
    expect((await fetch(`${t.hq.url}/v1/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('refuses without a session, a forged cookie, and an unknown number gets the same answer and no message', async () => {
    await enrolMember();
    expect((await fetch(`${t.hq.url}/v1/me`)).status).toBe(401);
    expect(
      (await fetch(`${t.hq.url}/v1/me/qr`, { headers: { cookie: `lm_session=M1.${'A'.repeat(32)}` } })).status,
    ).toBe(401);
    const r = await post('/v1/me/otp', { phone: '13700001111' });
    expect(r.status).toBe(202);
    expect(await r.json()).toEqual({ sent: true, expiresInSeconds: 300 });
    await t.hq.idle();
    expect(messagesIn(t.dataDir)).toHaveLength(0);
    expect((await post('/v1/me/session', { phone: '13700001111', code: '123456' })).status).toBe(401);
    expect((await post('/v1/me/otp', { phone: '12345' })).status).toBe(400);
  });

  it('allows 5 wrong tries, then not even the right code; a second code within a minute is refused', async () => {
    await enrolMember();
    expect((await post('/v1/me/otp', { phone: PHONE })).status).toBe(202);
    const code = await codeSentTo(t.dataDir, PHONE);
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = OTP_MAX_TRIES - 1; i >= 0; i--) {
      const r = await post('/v1/me/session', { phone: PHONE, code: wrong });
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({ error: { code: 'wrong_code' }, triesLeft: i });
    }
    const r = await post('/v1/me/session', { phone: PHONE, code });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ error: { code: 'no_code' } });
    const again = await post('/v1/me/otp', { phone: PHONE });
    expect(again.status).toBe(429);
    expect(await again.json()).toMatchObject({ error: { code: 'otp_rate_limited' } });
    await t.hq.idle();
    expect(messagesIn(t.dataDir)).toHaveLength(1);
  });
});

describe('outbox: consent, quiet hours, frequency cap', () => {
  // 12:00 and 23:00 in Shanghai (the default programme's zone).
  const noon = new Date('2026-03-02T04:00:00Z');
  const night = new Date('2026-03-02T15:00:00Z');
  const outboxRows = async (): Promise<number> =>
    Number((await t.sql<{ n: number }>('SELECT COUNT(*) AS n FROM outbox'))[0]?.n);

  it('queues nothing for a member without marketing consent, or inside quiet hours; an OTP still goes', async () => {
    await enrolMember(false);
    await t.hq.store.settle();
    expect(await t.hq.store.queueMessage({ memberNo: 'M1', purpose: 'offer', text: 'x' }, noon)).toEqual({
      kind: 'refused',
      reason: 'no_consent',
    });
    expect(await outboxRows()).toBe(0);
    expect((await post('/v1/me/otp', { phone: PHONE })).status).toBe(202);
    await codeSentTo(t.dataDir, PHONE);
    expect(messagesIn(t.dataDir)).toHaveLength(1);
  });

  it('holds marketing in quiet hours and caps it per member', async () => {
    await enrolMember(true);
    await t.hq.store.settle();
    const ask = (now: Date) =>
      t.hq.store.queueMessage({ memberNo: 'M1', purpose: 'expiring', text: '积分即将过期' }, now);
    expect(await ask(night)).toEqual({ kind: 'refused', reason: 'quiet_hours' });
    expect(await outboxRows()).toBe(0);
    for (let i = 0; i < MARKETING_CAP; i++) expect(await ask(noon)).toMatchObject({ kind: 'queued', to: PHONE });
    expect(await ask(noon)).toEqual({ kind: 'refused', reason: 'frequency_cap' });
    expect(await outboxRows()).toBe(MARKETING_CAP);
    expect(await t.hq.store.queueMessage({ memberNo: 'NOPE', purpose: 'offer', text: 'x' }, noon)).toEqual({
      kind: 'refused',
      reason: 'member_unknown',
    });
  });
});
