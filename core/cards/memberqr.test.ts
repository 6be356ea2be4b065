import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { qrWindowAt, signMemberQr, verifyMemberQr, verifyMemberQrWithAny } from './memberqr.js';

const key = Buffer.from('000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const otherKey = Buffer.from('ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f', 'hex');
const member = '2001000000012';
const T = Date.UTC(2025, 0, 15, 10, 30, 15); // 15 s into a minute
const MIN = 60_000;

describe('signMemberQr', () => {
  it('writes LM1.<memberNo>.<window>.<22-char base64url of 16 HMAC bytes>', () => {
    const text = signMemberQr(key, member, T);
    const window = Math.floor(T / 1000 / 60);
    const body = `LM1.${member}.${window}`;
    const sig = createHmac('sha256', key).update(body).digest().subarray(0, 16).toString('base64url');
    expect(text).toBe(`${body}.${sig}`);
    expect(sig).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(qrWindowAt(T)).toBe(window);
    expect(signMemberQr(new Uint8Array(key), member, T)).toBe(text);
  });

  it('refuses member numbers the format cannot carry and short keys', () => {
    for (const bad of ['', 'a.b', '会员', 'x'.repeat(33), 'a b'])
      expect(() => signMemberQr(key, bad, T)).toThrow(RangeError);
    expect(() => signMemberQr(Buffer.alloc(8), member, T)).toThrow(RangeError);
    expect(() => signMemberQr(key, member, T, 0)).toThrow(RangeError);
    expect(() => signMemberQr(key, member, Number.NaN)).toThrow(RangeError);
  });
});

describe('verifyMemberQr', () => {
  const ok = (text: string, now: number, opts = {}) => verifyMemberQr(key, text, now, opts);

  it('accepts a code made now', () => {
    expect(ok(signMemberQr(key, member, T), T)).toMatchObject({ ok: true, memberNo: member });
  });

  it('accepts a code from the previous window (skew 1) and refuses it two windows later', () => {
    const text = signMemberQr(key, member, T);
    expect(ok(text, T + MIN)).toMatchObject({ ok: true, memberNo: member });
    expect(ok(text, T + 2 * MIN)).toMatchObject({ ok: false, code: 'qr_expired' });
    expect(ok(text, T + 60 * MIN)).toMatchObject({ ok: false, code: 'qr_expired' });
    // with no skew, the previous window is already too old
    expect(ok(text, T + MIN, { skewWindows: 0 })).toMatchObject({ ok: false, code: 'qr_expired' });
  });

  it('accepts a phone one window fast, refuses one further ahead as expired (clock), never as valid', () => {
    expect(ok(signMemberQr(key, member, T + MIN), T)).toMatchObject({ ok: true });
    const future = ok(signMemberQr(key, member, T + 2 * MIN), T);
    expect(future).toMatchObject({ ok: false, code: 'qr_expired' });
    if (!future.ok) expect(future.message).toMatch(/clock/);
  });

  it('honours windowSeconds', () => {
    const text = signMemberQr(key, member, T, 300);
    expect(ok(text, T + 5 * MIN, { windowSeconds: 300 })).toMatchObject({ ok: true });
    expect(ok(text, T + 10 * MIN, { windowSeconds: 300 })).toMatchObject({ ok: false, code: 'qr_expired' });
    // a code signed for 300 s windows checked as 60 s windows names a window far in the past
    expect(ok(text, T)).toMatchObject({ ok: false, code: 'qr_expired' });
  });

  it('refuses a forged signature', () => {
    const text = signMemberQr(key, member, T);
    const sig = text.slice(-22);
    const flipped = (sig[0] === 'A' ? 'B' : 'A') + sig.slice(1);
    expect(ok(`${text.slice(0, -22)}${flipped}`, T)).toMatchObject({ ok: false, code: 'qr_forged' });
    expect(ok(`${text.slice(0, -22)}${'A'.repeat(22)}`, T)).toMatchObject({ ok: false, code: 'qr_forged' });
  });

  it("refuses another member's signature on this member number", () => {
    const theirs = signMemberQr(key, '2001000000029', T);
    const spliced = `LM1.${member}.${qrWindowAt(T)}.${theirs.slice(-22)}`;
    expect(ok(spliced, T)).toMatchObject({ ok: false, code: 'qr_forged' });
  });

  it('refuses a code made with another key, and a moved window, as forged', () => {
    expect(ok(signMemberQr(otherKey, member, T), T)).toMatchObject({ ok: false, code: 'qr_forged' });
    const text = signMemberQr(key, member, T - 10 * MIN);
    const moved = text.replace(`.${qrWindowAt(T - 10 * MIN)}.`, `.${qrWindowAt(T)}.`);
    expect(ok(moved, T)).toMatchObject({ ok: false, code: 'qr_forged' });
    // forged is reported before expired: a tampered old code is still "forged"
    expect(ok(`${text.slice(0, -1)}${text.endsWith('A') ? 'B' : 'A'}`, T)).toMatchObject({ code: 'qr_forged' });
  });

  it('refuses a non-canonical spelling of the right signature bytes', () => {
    const text = signMemberQr(key, member, T);
    // the last of 22 base64url characters carries 2 data bits; its low 4 bits must be zero
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(text.slice(-1));
    const variant = `${text.slice(0, -1)}${alphabet.charAt(last + 1)}`;
    expect(Buffer.from(variant.slice(-22), 'base64url')).toEqual(Buffer.from(text.slice(-22), 'base64url'));
    expect(ok(variant, T)).toMatchObject({ ok: false, code: 'qr_forged' });
  });

  it('refuses malformed pieces', () => {
    const good = signMemberQr(key, member, T);
    const [, m, w, s] = good.split('.') as [string, string, string, string];
    const malformed = [
      '',
      'LM1',
      'LM1.',
      `LM2.${m}.${w}.${s}`,
      `lm1.${m}.${w}.${s}`,
      `LM1.${m}.${w}`,
      `LM1.${m}.${w}.${s}.extra`,
      `LM1..${w}.${s}`,
      `LM1.${m}..${s}`,
      `LM1.${m}.${w}.`,
      `LM1.${m}.0${w}.${s}`, // leading zero
      `LM1.${m}.-${w}.${s}`,
      `LM1.${m}.${w}.0.${s}`,
      `LM1.${m}.1e9.${s}`,
      `LM1.${m}.${w}.${s}=`, // padding
      `LM1.${m}.${w}.${s.slice(1)}`, // 21 chars
      `LM1.${m}.${w}.${s}A`, // 23 chars
      `LM1.${m}.${w}.${s.slice(0, -1)}+`, // base64, not base64url
      `LM1.${m} .${w}.${s}`,
      `LM1.会员.${w}.${s}`,
      `${good}\n`,
      ` ${good}`,
      `LM1.${'9'.repeat(33)}.${w}.${s}`,
      `LM1.${m}.${'9'.repeat(16)}.${s}`,
      `LM1.${'.'.repeat(300)}`,
    ];
    for (const text of malformed)
      expect(ok(text, T), JSON.stringify(text)).toMatchObject({ ok: false, code: 'qr_malformed' });
  });

  it('throws on bad configuration only', () => {
    const text = signMemberQr(key, member, T);
    expect(() => verifyMemberQr(Buffer.alloc(0), text, T)).toThrow(RangeError);
    expect(() => verifyMemberQr(key, text, T, { windowSeconds: 1.5 })).toThrow(RangeError);
    expect(() => verifyMemberQr(key, text, T, { skewWindows: -1 })).toThrow(RangeError);
    expect(() => verifyMemberQr(key, text, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });
});

describe('verifyMemberQrWithAny (a till: its own key and head office current + previous)', () => {
  const third = Buffer.alloc(32, 7);
  it('accepts a code signed by any of the keys, with the same window rules', () => {
    const text = signMemberQr(otherKey, member, T);
    expect(verifyMemberQrWithAny([key, otherKey], text, T)).toEqual({
      ok: true,
      memberNo: member,
      window: qrWindowAt(T),
    });
    expect(verifyMemberQrWithAny([third, key, otherKey], text, T + MIN)).toMatchObject({ ok: true });
    expect(verifyMemberQrWithAny([key, otherKey], text, T + 2 * MIN)).toMatchObject({ code: 'qr_expired' });
  });

  it('calls a code no key signs forged, and a non-code malformed', () => {
    expect(verifyMemberQrWithAny([key, third], signMemberQr(otherKey, member, T), T)).toMatchObject({
      code: 'qr_forged',
    });
    expect(verifyMemberQrWithAny([key, third], 'hello', T)).toMatchObject({ code: 'qr_malformed' });
    expect(() => verifyMemberQrWithAny([], 'hello', T)).toThrow(RangeError);
  });
});
