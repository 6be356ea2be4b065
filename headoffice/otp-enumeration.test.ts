/**
 * The member page's sign-in does not tell who is a member (docs/member-page.md "Signing in"),
 * on SQLite and PostgreSQL: `POST /v1/me/otp` answers alike whether or not a member holds the
 * number, and so does every later step. A number no member holds gets a decoy code (kept as a
 * hash, never sent, never matching), so a wrong code, the count of tries left, spent tries and
 * an expired code are answered exactly as at a member's number. The decoy names no one: its
 * row holds the phone's keyed hash only, and no message is queued or sent for it.
 */
import { describe, expect, it } from 'vitest';
import { OTP_MAX_TRIES } from './domain/otp.js';
import { messagesIn } from '../test/helpers/sign-in-code.js';
import { at, uploadAll, useOneTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let till: TillSim;
useOneTillHq('A', (x) => ({ t, till } = x));

const MEMBER_PHONE = '13755550001';
const STRANGER_PHONE = '13755550002';

interface Answer {
  status: number;
  body: unknown;
}

async function post(path: string, body: unknown): Promise<Answer> {
  const res = await fetch(`${t.hq.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

/** A code the member was not sent: the sent one is random, so this one is wrong but for 1 in 10^6. */
const WRONG = '000000';

async function enrolMember(): Promise<void> {
  till.enrol('M5', at(0), { phone: MEMBER_PHONE });
  await uploadAll(t, till, 100);
  await t.hq.store.settle();
}

describe('the member page does not tell who is a member', () => {
  it('answers a wrong code alike for a member number and for a number nobody holds', async () => {
    await enrolMember();
    const memberOtp = await post('/v1/me/otp', { phone: MEMBER_PHONE });
    const strangerOtp = await post('/v1/me/otp', { phone: STRANGER_PHONE });
    expect(strangerOtp).toEqual(memberOtp);
    const member = await post('/v1/me/session', { phone: MEMBER_PHONE, code: WRONG });
    const stranger = await post('/v1/me/session', { phone: STRANGER_PHONE, code: WRONG });
    expect(member).toMatchObject({ status: 401, body: { error: { code: 'wrong_code' } } });
    expect(stranger).toEqual(member);
  });

  it('counts tries down alike and ends both at no_code once they are spent', async () => {
    await enrolMember();
    await post('/v1/me/otp', { phone: MEMBER_PHONE });
    await post('/v1/me/otp', { phone: STRANGER_PHONE });
    for (let i = 0; i <= OTP_MAX_TRIES; i++) {
      const member = await post('/v1/me/session', { phone: MEMBER_PHONE, code: WRONG });
      const stranger = await post('/v1/me/session', { phone: STRANGER_PHONE, code: WRONG });
      expect(stranger, `try ${i + 1}`).toEqual(member);
    }
    const last = await post('/v1/me/session', { phone: STRANGER_PHONE, code: WRONG });
    expect(last).toMatchObject({ status: 401, body: { error: { code: 'no_code' } } });
  });

  it('answers an expired code alike', async () => {
    await enrolMember();
    await post('/v1/me/otp', { phone: MEMBER_PHONE });
    await post('/v1/me/otp', { phone: STRANGER_PHONE });
    await t.exec('UPDATE member_otps SET expires_at = ?', new Date(Date.now() - 1_000).toISOString());
    const member = await post('/v1/me/session', { phone: MEMBER_PHONE, code: WRONG });
    const stranger = await post('/v1/me/session', { phone: STRANGER_PHONE, code: WRONG });
    expect(member).toMatchObject({ status: 401, body: { error: { code: 'code_expired' } } });
    expect(stranger).toEqual(member);
  });

  it('keeps the decoy as hashes naming no one, and sends nothing for it', async () => {
    await enrolMember();
    await post('/v1/me/otp', { phone: STRANGER_PHONE });
    const rows = await t.sql<{ member_no: string | null; code_hash: unknown; expires_at: string | null }>(
      'SELECT member_no, code_hash, expires_at FROM member_otps',
    );
    // The decoy, and the number's count of codes from every address (no code in it).
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => r.member_no)).toEqual([null, null]);
    const decoy = rows.filter((r) => r.code_hash !== null);
    expect(decoy).toHaveLength(1);
    expect(decoy[0]?.expires_at).not.toBeNull();
    await t.hq.idle();
    expect(messagesIn(t.dataDir)).toEqual([]);
    expect(await t.sql('SELECT 1 FROM outbox')).toHaveLength(0);
  });
});
