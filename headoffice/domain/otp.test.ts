import { describe, expect, it } from 'vitest';
import {
  OTP_CLIENT_LIMIT,
  OTP_MAX_TRIES,
  OTP_PAIR_LIMIT,
  isOtpShape,
  judgeOtpAttempt,
  judgeSend,
  newOtpCode,
} from './otp.js';

const T0 = Date.parse('2026-03-02T10:00:00Z');
const at = (ms: number): Date => new Date(T0 + ms);

describe('one-time sign-in codes', () => {
  it('are 6 digits, leading zeros kept', () => {
    expect(newOtpCode(() => 42)).toBe('000042');
    expect(newOtpCode(() => 999_999)).toBe('999999');
    for (let i = 0; i < 50; i++) expect(isOtpShape(newOtpCode())).toBe(true);
    expect(isOtpShape('12345')).toBe(false);
  });

  it('are sent at most once a minute and five times a day per number and address', () => {
    const limit = OTP_PAIR_LIMIT;
    let state = null as Parameters<typeof judgeSend>[0];
    const first = judgeSend(state, at(0), limit);
    expect(first.ok).toBe(true);
    if (first.ok) state = first.next;
    expect(judgeSend(state, at(30_000), limit)).toEqual({ ok: false, retryAfterSeconds: 30 });
    for (let i = 1; i < limit.perWindow; i++) {
      const r = judgeSend(state, at(i * 60_000), limit);
      expect(r.ok).toBe(true);
      if (r.ok) state = r.next;
    }
    expect(judgeSend(state, at(10 * 60_000), limit)).toEqual({ ok: false, retryAfterSeconds: 24 * 3600 - 10 * 60 });
    // A new day, a new allowance.
    expect(judgeSend(state, at(24 * 3_600_000), limit).ok).toBe(true);
  });

  it('allow an address ten an hour, with no gap between them', () => {
    let state = null as Parameters<typeof judgeSend>[0];
    for (let i = 0; i < OTP_CLIENT_LIMIT.perWindow; i++) {
      const r = judgeSend(state, at(i), OTP_CLIENT_LIMIT);
      expect(r.ok).toBe(true);
      if (r.ok) state = r.next;
    }
    expect(judgeSend(state, at(1_000), OTP_CLIENT_LIMIT)).toEqual({ ok: false, retryAfterSeconds: 3599 });
    expect(judgeSend(state, at(3_600_000), OTP_CLIENT_LIMIT).ok).toBe(true);
    // Judged after a later request (each read its clock before waiting for the writer): no gap asked, no refusal.
    const later = judgeSend(
      { lastSentAt: at(5).toISOString(), windowStart: at(0).toISOString(), sentInWindow: 1 },
      at(4),
      OTP_CLIENT_LIMIT,
    );
    expect(later).toMatchObject({ ok: true, next: { sentInWindow: 2 } });
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
