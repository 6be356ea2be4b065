import { describe, expect, it } from 'vitest';
import { OTP_MAX_TRIES, OTP_PER_HOUR, isOtpShape, judgeOtpAttempt, judgeOtpRequest, newOtpCode } from './otp.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const at = (ms: number): Date => new Date(T0 + ms);

describe('one-time sign-in codes', () => {
  it('are 6 digits, leading zeros kept', () => {
    expect(newOtpCode(() => 42)).toBe('000042');
    expect(newOtpCode(() => 999_999)).toBe('999999');
    for (let i = 0; i < 50; i++) expect(isOtpShape(newOtpCode())).toBe(true);
    expect(isOtpShape('12345')).toBe(false);
  });

  it('are sent at most once a minute and five times an hour per phone', () => {
    let state = null as Parameters<typeof judgeOtpRequest>[0];
    const first = judgeOtpRequest(state, at(0));
    expect(first.ok).toBe(true);
    if (first.ok) state = first.next;
    expect(judgeOtpRequest(state, at(30_000))).toEqual({ ok: false, retryAfterSeconds: 30 });
    for (let i = 1; i < OTP_PER_HOUR; i++) {
      const r = judgeOtpRequest(state, at(i * 60_000));
      expect(r.ok).toBe(true);
      if (r.ok) state = r.next;
    }
    expect(judgeOtpRequest(state, at(10 * 60_000))).toEqual({ ok: false, retryAfterSeconds: 50 * 60 });
    // A new hour, a new allowance.
    expect(judgeOtpRequest(state, at(60 * 60_000)).ok).toBe(true);
  });

  it('expire after 5 minutes and allow 5 tries', () => {
    const expiresAt = at(5 * 60_000).toISOString();
    expect(judgeOtpAttempt({ expiresAt, tries: 0, hasCode: true }, true, at(4 * 60_000))).toEqual({ kind: 'ok' });
    expect(judgeOtpAttempt({ expiresAt, tries: 0, hasCode: true }, true, at(5 * 60_000))).toEqual({ kind: 'expired' });
    expect(judgeOtpAttempt({ expiresAt, tries: 0, hasCode: true }, false, at(0))).toEqual({
      kind: 'wrong',
      triesLeft: OTP_MAX_TRIES - 1,
    });
    expect(judgeOtpAttempt({ expiresAt, tries: OTP_MAX_TRIES - 1, hasCode: true }, false, at(0))).toEqual({
      kind: 'wrong',
      triesLeft: 0,
    });
    // Tries spent: even the right code is refused.
    expect(judgeOtpAttempt({ expiresAt, tries: OTP_MAX_TRIES, hasCode: true }, true, at(0))).toEqual({ kind: 'none' });
    expect(judgeOtpAttempt({ expiresAt: null, tries: 0, hasCode: false }, true, at(0))).toEqual({ kind: 'none' });
  });
});
