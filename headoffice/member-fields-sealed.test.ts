/**
 * A member's gender, age band and interests at rest at head office, on SQLite and PostgreSQL
 * (store/member-fields.ts; migration 025 / pg 014). They are personal fields
 * (core/sync/protocol.ts PERSONAL_FIELDS; SECURITY.md "data at rest"), an interest tag is free
 * text, so head office seals them with its field key like name, phone and birthday:
 * - no table holds them in clear after an upload or a preference change; the members row
 *   holds them in gender_enc, age_band_enc and interests_enc, the plain columns NULL and '[]';
 * - every reader opens them: the feed a till reads, the operators' export;
 * - a row written before the migration (plain values) is sealed once when head office opens,
 *   again and again a no-op; on PostgreSQL two processes opening at once seal it once;
 * - erasure clears the sealed columns.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadOrCreateKeys } from './crypto.js';
import type { Logger } from './log.js';
import type { MemberFieldColumns } from './store/member-fields.js';
import { PgHqStore } from './store/pg.js';
import { cipherOf, scan } from './at-rest-scan.js';
import {
  at,
  changes,
  operator,
  testStore,
  uploadAll,
  useOneTillHq,
  type TestHq,
  type TillSim,
} from './test-helpers.js';

let t: TestHq;
let till: TillSim;
useOneTillHq('A', (x) => ({ t, till } = x));

const GENDER = '女性测试性别';
const AGE_BAND = '孕期35-39';
const TAG = '孕妇专享-欧阳';
const WHO = { operatorId: 'ops', reason: 'asked' };

type Stored = MemberFieldColumns;

async function stored(memberNo = 'M3'): Promise<Stored | undefined> {
  await t.hq.store.settle();
  const [r] = await t.sql<Stored>(
    'SELECT gender, age_band, interests, gender_enc, age_band_enc, interests_enc FROM members WHERE member_no = ?',
    memberNo,
  );
  return r;
}

/** What the row holds, opened with head office's key. */
function opened(r: Stored | undefined): { gender: string | null; ageBand: string | null; interests: unknown } {
  const c = cipherOf(t);
  return {
    gender: r?.gender_enc ? c.decrypt(r.gender_enc) : null,
    ageBand: r?.age_band_enc ? c.decrypt(r.age_band_enc) : null,
    interests: r?.interests_enc ? JSON.parse(c.decrypt(r.interests_enc)) : null,
  };
}

async function enrolled(): Promise<void> {
  till.enrol('M3', at(0), { gender: GENDER, ageBand: AGE_BAND, interests: [TAG] });
  await uploadAll(t, till, 100);
  await t.hq.store.settle();
}

/** The member's latest record in the feed, as the till opens it. */
async function fed(): Promise<Record<string, unknown> | undefined> {
  const page = await changes(t, till, 0);
  expect(page.status).toBe(200);
  const members = (page.body.changes as { type: string; member?: Record<string, unknown> }[]).filter(
    (c) => c.type === 'member' && c.member?.memberNo === 'M3',
  );
  return members.at(-1)?.member;
}

/** The row as a head office before migration 025 / pg 014 left it: plain values, nothing sealed. */
async function plainAsBefore(memberNo: string, interests: string[]): Promise<void> {
  const n = await t.exec(
    `UPDATE members SET gender = ?, age_band = ?, interests = ?, gender_enc = NULL, age_band_enc = NULL,
       interests_enc = NULL WHERE member_no = ?`,
    GENDER,
    AGE_BAND,
    JSON.stringify(interests),
    memberNo,
  );
  expect(n).toBe(1);
}

describe('gender, age band and interests sealed at head office', () => {
  it('no table holds them in clear; the member row holds them sealed', async () => {
    await enrolled();
    const hits = await scan(t, [GENDER, AGE_BAND, TAG]);
    expect(hits.map((h) => `${h.table}.${h.column}: ${h.needle}`)).toEqual([]);
    const r = await stored();
    expect(r).toMatchObject({ gender: null, age_band: null, interests: '[]' });
    expect(opened(r)).toEqual({ gender: GENDER, ageBand: AGE_BAND, interests: [TAG] });
  });

  it('the feed and the export open them', async () => {
    await enrolled();
    expect(await fed()).toMatchObject({ gender: GENDER, ageBand: AGE_BAND, interests: [TAG] });
    const exp = await operator(t, 'POST', '/v1/members/M3/export', WHO);
    expect(exp.status).toBe(200);
    expect(exp.body.personal).toMatchObject({ gender: GENDER, ageBand: AGE_BAND, interests: [TAG] });
  });

  it('a till re-uploading the record keeps head office interests, sealed; an edit of the age band is sealed', async () => {
    const m = till.enrol('M3', at(0), { gender: GENDER, ageBand: AGE_BAND, interests: [TAG] });
    await uploadAll(t, till, 100);
    // The till's copy changes the age band and (ignored once head office holds the member) the interests.
    till.enrol('M3', at(1), { ...m, ageBand: '40-49', interests: ['其他'] });
    await uploadAll(t, till, 100);
    const r = await stored();
    expect(r).toMatchObject({ gender: null, age_band: null, interests: '[]' });
    expect(opened(r)).toEqual({ gender: GENDER, ageBand: '40-49', interests: [TAG] });
    expect(await scan(t, ['40-49', TAG])).toEqual([]);
  });

  it('erasure clears the sealed columns', async () => {
    await enrolled();
    expect((await operator(t, 'POST', '/v1/members/M3/erase', WHO)).status).toBe(200);
    expect(await stored()).toEqual({
      gender: null,
      age_band: null,
      interests: '[]',
      gender_enc: null,
      age_band_enc: null,
      interests_enc: null,
    });
    expect(await scan(t, [GENDER, AGE_BAND, TAG], cipherOf(t))).toEqual([]);
  });

  it('seals the plain values of an older row once, when head office opens', async () => {
    await enrolled();
    await t.restart(() => plainAsBefore('M3', [TAG, '旧标签']));
    const r = await stored();
    expect(r).toMatchObject({ gender: null, age_band: null, interests: '[]' });
    expect(opened(r)).toEqual({ gender: GENDER, ageBand: AGE_BAND, interests: [TAG, '旧标签'] });
    expect(await scan(t, [GENDER, AGE_BAND, '旧标签'])).toEqual([]);
    expect(await fed()).toMatchObject({ gender: GENDER, ageBand: AGE_BAND, interests: [TAG, '旧标签'] });
    // Opening again seals nothing: the same sealed bytes.
    await t.restart();
    expect(await stored()).toEqual(r);
  });

  it.runIf(testStore() === 'postgres')(
    'two processes opening one PostgreSQL database at once seal a row once',
    async () => {
      for (const no of ['M4', 'M5', 'M6'])
        till.enrol(no, at(0), { gender: GENDER, ageBand: AGE_BAND, interests: [TAG] });
      await uploadAll(t, till, 100);
      await t.hq.store.settle();
      const url = t.env.HQ_DATABASE_URL as string;
      const keys = loadOrCreateKeys(join(t.dataDir, 'keys.json'));
      const sealed: number[] = [];
      const log: Logger = {
        log: (_level, event, fields) => {
          if (event === 'member_fields_sealed') sealed.push(Number(fields?.members));
        },
      };
      await t.restart(async () => {
        for (const no of ['M4', 'M5', 'M6']) await plainAsBefore(no, [TAG]);
        const stores = await Promise.all([PgHqStore.open(url, keys, log, 2), PgHqStore.open(url, keys, log, 2)]);
        await Promise.all(stores.map((s) => s.close()));
      });
      expect(sealed).toEqual([3]);
      for (const no of ['M4', 'M5', 'M6']) {
        const r = await stored(no);
        expect(r).toMatchObject({ gender: null, age_band: null, interests: '[]' });
        expect(opened(r)).toEqual({ gender: GENDER, ageBand: AGE_BAND, interests: [TAG] });
      }
    },
  );
});
