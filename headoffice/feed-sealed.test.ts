/**
 * Issue 11, item 2: the feed and the member lookup give a till personal data sealed to that till
 * (core/sync/personal.ts). Checked on the raw HTTP bodies head office sends: no name, phone or
 * birthday in clear; the till they are for opens them; another till's secret does not.
 */
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { PersonalDataError, openChange, openMember, personalKey } from '../core/sync/personal.js';
import {
  SealedChangesResponse,
  SealedMemberLookupAnswer,
  SYNC_PATHS,
  type SealedChange,
} from '../core/sync/protocol.js';
import { signRequest } from '../core/sync/sign.js';
import { at, rawChanges, type TestHq, type TillSim, uploadAll, useTwoTillHq } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;

useTwoTillHq((x) => ({ t, A, B } = x));

const NAME = '欧阳明月';
const PHONE = '13912345678';

function memberChange(page: { changes: SealedChange[] }, memberNo: string) {
  const c = page.changes.find((x) => x.type === 'member' && x.member.memberNo === memberNo);
  if (c?.type !== 'member') throw new Error(`no member change for ${memberNo}`);
  return c;
}

describe('personal data sealed to each till', () => {
  it('the feed page bytes carry no name, phone or birthday in clear; only the till it is for opens them', async () => {
    A.enrol('M1', at(0), { name: NAME, phone: PHONE, birthday: '11-23' });
    await uploadAll(t, A, 10);
    const res = await rawChanges(t, A, 0);
    expect(res.status).toBe(200);
    const text = await res.text();
    for (const clear of [NAME, PHONE, '11-23']) expect(text).not.toContain(clear);
    const page = SealedChangesResponse.parse(JSON.parse(text));
    const change = memberChange(page, 'M1');
    expect(Object.keys(change.member)).not.toEqual(expect.arrayContaining(['name']));
    expect(Object.keys(change.member)).not.toEqual(expect.arrayContaining(['phone']));
    expect(change.member.personal.nonce).toMatch(/^[A-Za-z0-9+/]{16}$/);
    expect(openChange(personalKey(A.secret), change)).toMatchObject({
      member: { memberNo: 'M1', name: NAME, phone: PHONE, birthday: '11-23', enrolledStore: 'S1' },
    });
    // Till B of another store holds its own credential; with it A's page does not open.
    expect(() => openMember(personalKey(B.secret), change.member)).toThrow(PersonalDataError);
  });

  it('a member lookup answer is sealed to the asking till too', async () => {
    A.enrol('M1', at(0), { name: NAME, phone: PHONE });
    await uploadAll(t, A, 10);
    const wire = Buffer.from(JSON.stringify({ phone: PHONE }));
    const gz = gzipSync(wire);
    const res = await fetch(`${t.hq.url}${SYNC_PATHS.memberLookup}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
        ...signRequest(B, 'POST', SYNC_PATHS.memberLookup, gz, Date.now()),
      },
      body: new Uint8Array(gz),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(NAME);
    expect(text).not.toContain(PHONE);
    const answer = SealedMemberLookupAnswer.parse(JSON.parse(text));
    expect(openMember(personalKey(B.secret), answer.member)).toMatchObject({ name: NAME, phone: PHONE });
    expect(() => openMember(personalKey(A.secret), answer.member)).toThrow(PersonalDataError);
  });
});
