import { describe, expect, it } from 'vitest';
import { MARKETING_CAP, inQuietHours, judgeMessage, localHour } from './messages.js';

const ok = { consentMarketing: true, localHour: 12, marketingRecent: 0 };

describe('message policy: consent, quiet hours, frequency cap', () => {
  it('sends a one-time code without marketing consent, at night, whatever the cap', () => {
    expect(judgeMessage({ purpose: 'otp', consentMarketing: false, localHour: 23, marketingRecent: 99 })).toEqual({
      ok: true,
    });
  });

  it('refuses every marketing purpose without consent', () => {
    for (const purpose of ['offer', 'expiring', 'tier'] as const) {
      expect(judgeMessage({ ...ok, purpose, consentMarketing: false })).toEqual({ ok: false, reason: 'no_consent' });
    }
  });

  it("refuses marketing when the member chose no channel ('none'), not a sign-in code", () => {
    expect(judgeMessage({ ...ok, purpose: 'offer', preferredChannel: 'none' })).toEqual({
      ok: false,
      reason: 'no_channel',
    });
    expect(judgeMessage({ ...ok, purpose: 'offer', preferredChannel: 'wechat' })).toEqual({ ok: true });
    expect(judgeMessage({ ...ok, purpose: 'otp', preferredChannel: 'none' })).toEqual({ ok: true });
  });

  it('keeps quiet from 22:00 up to 08:00 local time', () => {
    expect([21, 22, 23, 0, 7, 8].map(inQuietHours)).toEqual([false, true, true, true, true, false]);
    expect(judgeMessage({ ...ok, purpose: 'offer', localHour: 22 })).toEqual({ ok: false, reason: 'quiet_hours' });
    expect(judgeMessage({ ...ok, purpose: 'offer', localHour: 7 })).toEqual({ ok: false, reason: 'quiet_hours' });
    expect(judgeMessage({ ...ok, purpose: 'offer', localHour: 8 })).toEqual({ ok: true });
  });

  it('caps marketing messages per member', () => {
    expect(judgeMessage({ ...ok, purpose: 'tier', marketingRecent: MARKETING_CAP - 1 })).toEqual({ ok: true });
    expect(judgeMessage({ ...ok, purpose: 'tier', marketingRecent: MARKETING_CAP })).toEqual({
      ok: false,
      reason: 'frequency_cap',
    });
  });

  it("reads the hour on the programme's wall clock", () => {
    // 14:30 UTC is 22:30 in Shanghai: quiet there, not in London.
    const t = new Date('2026-03-02T14:30:00Z');
    expect(localHour(t, 'Asia/Shanghai')).toBe(22);
    expect(localHour(t, 'Europe/London')).toBe(14);
    expect(localHour(new Date('2026-03-02T16:00:00Z'), 'Asia/Shanghai')).toBe(0);
  });
});
