import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { personalKey } from './personal.js';
import { MemberQrKeyError, memberQrKeyId, memberQrSealKey, openMemberQrKey, sealMemberQrKey } from './memberqrkey.js';
import { SealedMemberQrKey } from './protocol.js';

const KEY = randomBytes(32);
const SECRET_A = 'secret-of-till-a-0123456789abcdef';
const SECRET_B = 'secret-of-till-b-0123456789abcdef';

describe("head office's member-QR key sealed to one till", () => {
  it('opens at the till it was sealed to, and the wire form fits the schema', () => {
    const sealed = sealMemberQrKey('till-a', SECRET_A, KEY);
    expect(SealedMemberQrKey.parse(sealed)).toEqual(sealed);
    expect(sealed.kid).toBe(memberQrKeyId(KEY));
    expect(sealed.ciphertext).not.toContain(KEY.toString('base64').slice(0, 12));
    expect(openMemberQrKey('till-a', SECRET_A, sealed).equals(KEY)).toBe(true);
  });

  it('uses a fresh nonce for every answer', () => {
    const a = sealMemberQrKey('till-a', SECRET_A, KEY);
    const b = sealMemberQrKey('till-a', SECRET_A, KEY);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('does not open at another till, nor under another till id with the same secret', () => {
    const sealed = sealMemberQrKey('till-a', SECRET_A, KEY);
    expect(() => openMemberQrKey('till-b', SECRET_B, sealed)).toThrow(MemberQrKeyError);
    expect(() => openMemberQrKey('till-b', SECRET_A, sealed)).toThrow(MemberQrKeyError);
    expect(() => openMemberQrKey('till-a', SECRET_B, sealed)).toThrow(MemberQrKeyError);
  });

  it('does not open with a swapped kid or a flipped byte', () => {
    const sealed = sealMemberQrKey('till-a', SECRET_A, KEY);
    const other = memberQrKeyId(randomBytes(32));
    expect(() => openMemberQrKey('till-a', SECRET_A, { ...sealed, kid: other })).toThrow(MemberQrKeyError);
    const body = Buffer.from(sealed.ciphertext, 'base64');
    body[3] = (body[3] ?? 0) ^ 1;
    expect(() => openMemberQrKey('till-a', SECRET_A, { ...sealed, ciphertext: body.toString('base64') })).toThrow(
      MemberQrKeyError,
    );
    expect(() => openMemberQrKey('till-a', SECRET_A, { ...sealed, nonce: 'AAAA' })).toThrow(MemberQrKeyError);
  });

  it("derives a key independent of the personal fields' key from the same secret", () => {
    expect(memberQrSealKey(SECRET_A).equals(personalKey(SECRET_A))).toBe(false);
  });

  it('refuses to seal a key of the wrong length', () => {
    expect(() => sealMemberQrKey('till-a', SECRET_A, randomBytes(16))).toThrow(RangeError);
  });
});
