/** core/sync/personal.ts: a member's personal fields sealed to one till (issue 11, item 2). */
import { describe, expect, it } from 'vitest';
import { PersonalDataError, openChange, openMember, personalKey, sealChange, sealMember } from './personal.js';
import { SealedMemberFeed, type MemberFeed } from './protocol.js';

const member: MemberFeed = {
  memberNo: 'M1',
  name: '王小明',
  phone: '13900001111',
  birthday: '05-17',
  gender: 'f',
  ageBand: '30-39',
  preferredChannel: 'sms',
  interests: ['tea'],
  consentMarketing: true,
  consentText: 'v1',
  consentAt: '2026-01-02T03:04:05.000Z',
  enrolledStore: 'S1',
  enrolledTill: 'A',
  enrolledBy: 'staff-1',
  referrerMemberNo: null,
  status: 'active',
};
const keyA = personalKey('secret-of-till-a');
const keyB = personalKey('secret-of-till-b');

describe('personal fields sealed to a till', () => {
  it('open with the till key to exactly the record sealed; the wire record holds none of them in clear', () => {
    const sealed = sealMember(keyA, member);
    expect(SealedMemberFeed.parse(sealed)).toEqual(sealed);
    const wire = JSON.stringify(sealed);
    for (const clear of ['王小明', '13900001111', '05-17', '30-39', 'tea', '"name"', '"phone"']) {
      expect(wire).not.toContain(clear);
    }
    expect(openMember(keyA, sealed)).toEqual(member);
  });

  it('use a fresh nonce every time', () => {
    const a = sealMember(keyA, member).personal;
    const b = sealMember(keyA, member).personal;
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ciphertext).not.toBe(b.ciphertext);
  });

  it('never repeat a nonce across the blocks they are drawn from (4,096 a block)', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 10_000; i++) {
      const p = sealMember(keyA, member).personal;
      expect(Buffer.from(p.nonce, 'base64')).toHaveLength(12);
      seen.add(p.nonce);
    }
    expect(seen.size).toBe(10_000);
  });

  it("do not open with another till's key, moved to another member, or altered", () => {
    const sealed = sealMember(keyA, member);
    expect(() => openMember(keyB, sealed)).toThrow(PersonalDataError);
    // The envelope of M1 pasted into M2's record: the member number is in the associated data.
    expect(() => openMember(keyA, { ...sealed, memberNo: 'M2' })).toThrow(PersonalDataError);
    const bytes = Buffer.from(sealed.personal.ciphertext, 'base64');
    bytes[0] = (bytes[0] as number) ^ 1;
    const altered = { ...sealed, personal: { ...sealed.personal, ciphertext: bytes.toString('base64') } };
    expect(() => openMember(keyA, altered)).toThrow(PersonalDataError);
    expect(() => openMember(keyA, altered)).toThrow(/member M1/);
  });

  it('seal only member changes of a page; the rest passes as it was', () => {
    const card = { type: 'card', cursor: 2, code: 'C1', kind: 'nfc', memberNo: 'M1', status: 'blocked' } as const;
    expect(sealChange(keyA, card)).toEqual(card);
    const change = { type: 'member', cursor: 1, member, state: null } as const;
    expect(openChange(keyA, sealChange(keyA, change))).toEqual(change);
  });
});
