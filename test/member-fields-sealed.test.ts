/**
 * DOMAIN.md 10: personal data at rest on a till is encrypted. Gender, age band and interests
 * (free tags) are sealed with the field key like name, phone and birthday (migration 012); a
 * till whose database holds them plain from before is sealed when it opens (MemberStore.reseal),
 * and no plain copy stays in the database files (secure_delete, the WAL truncated).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTill } from '../main/service/till.js';
import { startTill, testConfig, type TestTill } from './helpers/till.js';

let t: TestTill | null = null;
afterEach(async () => {
  await t?.close();
  t = null;
});

const AGE_BAND = '孕期35-39';
const TAG = '孕妇专享-欧阳';

/** The till's database files (till.db, its -wal and -shm) whose bytes hold `needle` as UTF-8. */
function filesHolding(dir: string, needle: string): string[] {
  const pat = Buffer.from(needle, 'utf8');
  return readdirSync(dir)
    .filter((n) => n.startsWith('till.db'))
    .filter((n) => readFileSync(join(dir, n)).includes(pat));
}

async function enrol(till: TestTill): Promise<string> {
  const r = await till.post('/v1/members', {
    name: '欧阳测',
    phone: '13912340001',
    gender: 'female',
    ageBand: AGE_BAND,
    interests: [TAG],
    consent: { marketing: true, text: 'v1' },
  });
  expect(r.status).toBe(201);
  return r.body.memberNo as string;
}

describe("a member's gender, age band and interests on the till", () => {
  it('are sealed at enrolment and read back as entered', async () => {
    t = await startTill();
    const m = await enrol(t);
    const row = t.ctx.db.prepare('SELECT gender, age_band, interests FROM members').get();
    expect(row).toEqual({ gender: null, age_band: null, interests: '[]' });
    expect(t.ctx.members.get(m)).toMatchObject({ gender: 'female', ageBand: AGE_BAND, interests: [TAG] });
    t.ctx.db.pragma('wal_checkpoint(TRUNCATE)');
    expect({ ageBand: filesHolding(t.dir, AGE_BAND), tag: filesHolding(t.dir, TAG) }).toEqual({ ageBand: [], tag: [] });
  });

  it('held plain by an older till are sealed when the till opens, and read the same', async () => {
    t = await startTill();
    const m = await enrol(t);
    // As a till before migration 012 kept them.
    t.ctx.db
      .prepare(
        `UPDATE members SET gender = 'female', age_band = ?, interests = ?, gender_enc = NULL, age_band_enc = NULL,
           interests_enc = NULL`,
      )
      .run(AGE_BAND, JSON.stringify([TAG]));
    expect(t.ctx.members.get(m)).toMatchObject({ gender: 'female', ageBand: AGE_BAND, interests: [TAG] });
    await t.stop();
    const again = await createTill(testConfig(t.dir), { quiet: true });
    try {
      expect(again.ctx.db.prepare('SELECT gender, age_band, interests FROM members').get()).toEqual({
        gender: null,
        age_band: null,
        interests: '[]',
      });
      expect(again.ctx.members.get(m)).toMatchObject({ gender: 'female', ageBand: AGE_BAND, interests: [TAG] });
      expect(again.ctx.members.preferencesOf(m)?.interests).toEqual([TAG]);
      expect({ ageBand: filesHolding(t.dir, AGE_BAND), tag: filesHolding(t.dir, TAG) }).toEqual({
        ageBand: [],
        tag: [],
      });
    } finally {
      await again.close();
    }
  });
});
