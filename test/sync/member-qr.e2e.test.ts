/**
 * Issue 15 item 4, end to end: "a dynamic signed QR member code that every till's scanner
 * accepts in place of a card". A real head-office process and in-process tills: each till
 * fetches head office's member-QR key sealed to it (`GET /v1/sync/member-qr-key`), keeps it
 * encrypted in its data folder, and identifies a member by the code the member page shows
 * (`POST /v1/me/otp`, the code from the simulated channel, `POST /v1/me/session`, `GET
 * /v1/me/qr`), posted to the POS identify API as a scanner delivers it; the window rules hold,
 * and the key serves offline, across a restart, once fetched.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signMemberQr } from '../../core/cards/memberqr.js';
import { memberQrKeyId } from '../../core/sync/memberqrkey.js';
import { MEMBER_QR_KEY_FILE } from '../../headoffice/member-qr-key.js';
import { HQ_QR_KEYS_FILE } from '../../main/db/hq-qr-keys.js';
import { configFromEnv } from '../../main/service/config.js';
import { createTill, type Till } from '../../main/service/till.js';
import { codeSentTo, messagesIn } from '../helpers/sign-in-code.js';
import { addTill, Clock, syncTills, tillPost, useHqProcess } from './procs.js';

const fx = useHqProcess('sync-member-qr', 'operator-token-member-qr');

async function hqPost(path: string, body: unknown, cookie?: string): Promise<Response> {
  return fetch(`${fx.hq.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: JSON.stringify(body),
  });
}

/** The member signs in on their own page; the session cookie. */
async function signIn(phone: string): Promise<string> {
  const after = messagesIn(fx.hqDir).length;
  expect((await hqPost('/v1/me/otp', { phone })).status).toBe(202);
  const r = await hqPost('/v1/me/session', { phone, code: await codeSentTo(fx.hqDir, phone, { after }) });
  expect(r.status, await r.clone().text()).toBe(200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

/** The text the member page draws as the QR code now. */
async function pageQr(cookie: string): Promise<string> {
  const r = await fetch(`${fx.hq.url}/v1/me/qr`, { headers: { cookie } });
  expect(r.status).toBe(200);
  return ((await r.json()) as { text: string }).text;
}

/** A till in this process on its own data folder (kept, so the test can restart the till on it). */
async function tillOn(dataDir: string, env: Record<string, string>, clock: Clock): Promise<Till> {
  const t = await createTill(
    {
      ...configFromEnv({}),
      dataDir,
      port: 0,
      posApiKey: 'pos-key',
      hqUrl: `http://127.0.0.1:${fx.hqPort}`,
      tillId: env.TILL_ID ?? '',
      storeId: env.TILL_STORE_ID ?? '',
      tillSecret: env.TILL_SECRET ?? '',
      hqPublicKey: env.TILL_HQ_PUBLIC_KEY ?? null,
      syncIntervalMs: 3_600_000,
    },
    { quiet: true, now: clock.now },
  );
  await t.sync?.stop();
  return t;
}

async function enrolAt(t: Till, name: string, phone: string): Promise<string> {
  const m = await tillPost(t, '/v1/members', { name, phone, consent: { marketing: true, text: 'v1' } });
  expect(m.status, JSON.stringify(m.json)).toBe(201);
  return m.json.memberNo as string;
}

describe("the member page's QR code at every till (issue 15 item 4)", () => {
  it('is accepted by a till of each store once they fetched the key; refused when older than the window', async () => {
    const clockA = new Clock();
    const a = await fx.tillAt('store-a', 'till-qr-a', clockA);
    const b = await fx.tillAt('store-b', 'till-qr-b');
    const phone = '13900000401';
    const memberNo = await enrolAt(a, '林一', phone);
    await syncTills(a, b);

    const hqKey = Buffer.from(readFileSync(join(fx.hqDir, MEMBER_QR_KEY_FILE), 'utf8').trim(), 'base64');
    for (const t of [a, b]) expect(t.ctx.hqQrKeys?.kids()).toEqual({ current: memberQrKeyId(hqKey), previous: null });

    const cookie = await signIn(phone);
    const text = await pageQr(cookie);
    expect(text.startsWith(`LM1.${memberNo}.`)).toBe(true);
    for (const t of [a, b]) {
      const r = await tillPost(t, '/v1/members/identify', { code: text, source: 'qr' });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.memberNo).toBe(memberNo);
    }
    // As a 2D scanner types it (no source): classified as a member QR all the same.
    expect((await tillPost(a, '/v1/members/identify', { code: text })).json.memberNo).toBe(memberNo);

    // A photo of the code: one window late still scans, past the window it is refused.
    clockA.advanceMinutes(1);
    expect((await tillPost(a, '/v1/members/identify', { code: text })).status).toBe(200);
    clockA.advanceMinutes(2);
    const late = await tillPost(a, '/v1/members/identify', { code: text });
    expect(late.status).toBe(422);
    expect(late.json).toMatchObject({ error: { code: 'qr_expired' } });

    // A code signed by any other key is forged, at every till.
    const forged = signMemberQr(randomBytes(32), memberNo, Date.now());
    const f = await tillPost(b, '/v1/members/identify', { code: forged });
    expect(f.json).toMatchObject({ error: { code: 'qr_forged' } });
  });

  it('keeps the key encrypted in the data folder and accepts codes offline, after a restart', async () => {
    const clock = new Clock();
    const env = addTill(fx.hqDir, 'store-c', 'till-qr-c');
    const dir = mkdtempSync(join(fx.root, 'till-qr-c-'));
    let t = await tillOn(dir, env, clock);
    const phone = '13900000402';
    const memberNo = await enrolAt(t, '林二', phone);
    await syncTills(t);
    const hqKey = Buffer.from(readFileSync(join(fx.hqDir, MEMBER_QR_KEY_FILE), 'utf8').trim(), 'base64');
    const stored = readFileSync(join(dir, HQ_QR_KEYS_FILE), 'utf8');
    expect(stored).toContain(memberQrKeyId(hqKey));
    expect(stored).not.toContain(hqKey.toString('base64'));
    expect(stored).not.toContain(hqKey.toString('hex'));
    expect(readFileSync(join(dir, 'keys.json'), 'utf8')).not.toContain(hqKey.toString('base64'));

    const cookie = await signIn(phone);
    const text = await pageQr(cookie);
    await t.close();
    await fx.hq.kill('SIGKILL');
    try {
      t = await tillOn(dir, env, clock);
      const s = await t.sync?.syncNow();
      expect(s?.problem?.code).toBe('hq_unreachable');
      const r = await tillPost(t, '/v1/members/identify', { code: text, source: 'qr' });
      expect(r.status, JSON.stringify(r.json)).toBe(200);
      expect(r.json.memberNo).toBe(memberNo);
    } finally {
      await t.close();
      await fx.restart();
    }
  });
});
