/**
 * A member's personal data at head office, on both stores. A member enrolled
 * at till A (store S1) with a distinctive name, phone and birthday, sales at A and B, feedback
 * naming them, a survey answer, sign-in and preferences on the member page, a lookup by number
 * at B (store S2), feed reads, an export and a win-back message. Then:
 * - DOMAIN.md 10 / SECURITY.md "data at rest": no table holds the name, phone or birthday in clear;
 * - DOMAIN.md 10 "erasure removes personal fields everywhere": after erasure no table holds
 *   them, in clear or in a value head office's own key still opens.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SYNC_PATHS } from '../core/sync/protocol.js';
import { signSurveyToken, surveyKey } from '../core/survey/token.js';
import { localDate } from '../core/time.js';
import { LOG_FILE } from './open.js';
import { codeSentTo, messagesIn } from '../test/helpers/sign-in-code.js';
import {
  at,
  changes,
  operator,
  recordsBatch,
  signedPost,
  upload,
  uploadAll,
  useTwoTillHq,
  type TestHq,
  type TillSim,
} from './test-helpers.js';
import { cipherOf, scan } from './at-rest-scan.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;
useTwoTillHq((x) => ({ t, A, B } = x));

const NAME = '欧阳娜测';
const PHONE = '13912345678';
const BIRTHDAY = '02-29';
const WORDS = '欧阳娜测投诉收银员';
const COMMENT = '我是欧阳娜测电话13912345678';
const WHO = { operatorId: 'ops-1', reason: 'member asked' };

async function call(method: string, path: string, body?: unknown, cookie?: string) {
  const res = await fetch(`${t.hq.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, body: (text ? JSON.parse(text) : null) as any, headers: res.headers };
}

async function signIn(phone: string): Promise<string> {
  const after = messagesIn(t.dataDir).length;
  expect((await call('POST', '/v1/me/otp', { phone })).status).toBe(202);
  const code = await codeSentTo(t.dataDir, phone, { after });
  const r = await call('POST', '/v1/me/session', { phone, code });
  expect(r.status).toBe(200);
  return (r.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
}

async function livedMember(): Promise<void> {
  A.enrol('M77', at(0), {
    name: NAME,
    phone: PHONE,
    birthday: BIRTHDAY,
    gender: 'female',
    ageBand: '30-39',
    interests: ['beauty'],
  });
  A.sale('M77', 12_000, at(10));
  B.sale('M77', 8_000, at(20));
  await uploadAll(t, A, 100);
  await uploadAll(t, B, 100);
  // feedback naming the member, from the till
  const fb = recordsBatch(A, {
    firstSeq: A.headSeq + 1,
    lastSeq: A.headSeq,
    prevHash: A.entries.at(-1)?.hash,
    feedback: [
      {
        feedbackId: 'fb-77',
        kind: 'complaint',
        category: 'service',
        text: WORDS,
        memberNo: 'M77',
        followUp: true,
        staffId: 'staff-1',
        recordedAt: at(30),
      },
    ],
  });
  const fr = await upload(t, A, fb);
  expect(fr.status, JSON.stringify(fr.body)).toBe(200);
  // the member page: sign-in, preferences, a survey answer for the sale at A
  const cookie = await signIn(PHONE);
  expect((await call('POST', '/v1/me/preferences', { interests: ['beauty', 'baby'] }, cookie)).status).toBe(200);
  const rs = await t.hq.store.ruleSetInForce(new Date());
  const token = signSurveyToken(surveyKey(A.secret), {
    storeId: 'S1',
    tillId: 'A',
    saleId: 'A-S1',
    day: localDate(new Date(), rs.timeZone).date,
  });
  const sv = await call('POST', '/v1/me/survey', { token, score: 3, comment: COMMENT }, cookie);
  expect(sv.status, JSON.stringify(sv.body)).toBe(201);
  // store S2 looks the member up by number, reads the feed; A reads it too
  const lk = await signedPost(t, B, SYNC_PATHS.memberLookup, { phone: PHONE });
  expect(lk.status).toBe(200);
  expect((await changes(t, A, 0)).status).toBe(200);
  expect((await changes(t, B, 0)).status).toBe(200);
  // operators: an export and a win-back (a message queued)
  expect((await operator(t, 'POST', '/v1/members/M77/export', WHO)).status).toBe(200);
  expect((await operator(t, 'POST', '/v1/members/M77/win-back', WHO)).status).toBe(201);
}

describe('personal data at rest at head office', () => {
  it('no table holds the name, phone or birthday in clear', async () => {
    await livedMember();
    const hits = await scan(t, [NAME, PHONE, BIRTHDAY, WORDS]);
    expect(hits).toEqual([]);
    // the scan itself sees them where they are sealed
    const sealed = await scan(t, [NAME, PHONE, WORDS, COMMENT], cipherOf(t));
    expect(sealed.map((h) => `${h.table}.${h.column}`)).toEqual(
      expect.arrayContaining([
        'members.name_enc',
        'members.phone_enc',
        'feedback.text_enc',
        'survey_answers.comment_enc',
      ]),
    );
  });

  it('after erasure no table holds them, in clear or under head office key', async () => {
    await livedMember();
    const r = await operator(t, 'POST', '/v1/members/M77/erase', WHO);
    expect(r.status).toBe(200);
    const hits = await scan(t, [NAME, PHONE, BIRTHDAY, WORDS, COMMENT], cipherOf(t));
    expect(hits).toEqual([]);
  });

  it('the log holds none of it', async () => {
    await livedMember();
    await operator(t, 'POST', '/v1/members/M77/erase', WHO);
    const log = readFileSync(join(t.dataDir, LOG_FILE), 'utf8');
    for (const needle of [NAME, PHONE, BIRTHDAY, WORDS, A.secret, B.secret]) expect(log).not.toContain(needle);
  });
});
