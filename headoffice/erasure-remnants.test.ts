/**
 * What an erasure leaves in head office's storage (DOMAIN.md 10 "erasure removes personal fields
 * everywhere"; SECURITY.md "data at rest"). The erased member's sealed fields (name, phone,
 * birthday, gender, age band, interests) and the phone's lookup hash are read from the row
 * before the erasure; keys.json, in the same folder, would open them or confirm a number.
 *
 * - SQLite: no file of the database (headoffice.sqlite, -wal, -shm) holds any of those bytes
 *   afterwards: secure_delete zeroes freed space and the WAL is truncated after the erasure
 *   (store/sqlite.ts afterPersonalDataRemoved).
 * - PostgreSQL keeps the row's old version in the table's pages until a vacuum, and its bytes
 *   in the page's free space until they are overwritten or the table rewritten (and in the WAL,
 *   WAL archives, replicas and backups for their retention): a known limit, SECURITY.md "Not yet
 *   (head office)". What head office guarantees is tested: the live row holds none of it at
 *   once, and after the operator's remedy (`VACUUM FULL members`) no byte of the table's or its
 *   indexes' pages does either.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { at, operator, testStore, uploadAll, useOneTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let till: TillSim;
useOneTillHq('A', (x) => ({ t, till } = x));

const SEALED = ['name_enc', 'phone_enc', 'birthday_enc', 'gender_enc', 'age_band_enc', 'interests_enc'] as const;
type Held = Record<(typeof SEALED)[number] | 'phone_hash', Buffer>;

/** A member with every personal field, uploaded and applied; its stored blobs before erasure. */
async function heldMember(): Promise<Held> {
  till.enrol('M9', at(0), {
    name: '上官测试',
    phone: '13611112222',
    birthday: '06-30',
    gender: 'female',
    ageBand: '30-39',
    interests: ['孕妇专享-上官'],
  });
  till.sale('M9', 10_000, at(5));
  await uploadAll(t, till, 100);
  await t.hq.store.settle();
  const [held] = await t.sql<Held>(`SELECT ${SEALED.join(', ')}, phone_hash FROM members WHERE member_no = ?`, 'M9');
  expect(held).toBeDefined();
  for (const c of SEALED) expect(Buffer.isBuffer(held?.[c]), c).toBe(true);
  return held as Held;
}

async function erase(): Promise<void> {
  expect((await operator(t, 'POST', '/v1/members/M9/erase', { operatorId: 'ops', reason: 'asked' })).status).toBe(200);
  await t.hq.store.settle();
}

/** Where the bytes show: past the envelope's version byte, the IV and tag (28 random bytes). */
function found(bytes: Buffer, held: Held): string[] {
  return Object.entries(held)
    .filter(([, blob]) => bytes.includes(blob.subarray(1, 29)))
    .map(([field]) => field);
}

function copiesInFiles(dir: string, held: Held): string[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith('headoffice.sqlite'))
    .flatMap((n) => found(readFileSync(join(dir, n)), held).map((f) => `${n}: ${f}`));
}

/** Every byte of the relation's pages, live tuples, dead ones and free space alike (pageinspect). */
async function pageCopies(rel: string, held: Held): Promise<string[]> {
  const [{ n }] = (await t.sql<{ n: number }>(
    "SELECT (pg_relation_size(?::regclass) / current_setting('block_size')::int)::int AS n",
    rel,
  )) as [{ n: number }];
  const out = new Set<string>();
  for (let page = 0; page < n; page++) {
    const [p] = await t.sql<{ b: Buffer }>('SELECT get_raw_page(?, ?::int) AS b', rel, page);
    for (const f of found(Buffer.from(p?.b ?? Buffer.alloc(0)), held)) out.add(`${rel} page ${page}: ${f}`);
  }
  return [...out];
}

describe.skipIf(testStore() === 'postgres')('an erased member in head office SQLite files', () => {
  it('leaves no copy of the sealed fields nor the phone hash in any file of the database', async () => {
    const held = await heldMember();
    await erase();
    expect(copiesInFiles(t.dataDir, held)).toEqual([]);
  });
});

describe.runIf(testStore() === 'postgres')('an erased member in head office PostgreSQL', () => {
  it('leaves none in the live row at once, and no byte of it in the pages after VACUUM FULL', async () => {
    const held = await heldMember();
    // pageinspect needs a superuser: the tests' own server has one; an HQ_TEST_DATABASE_URL
    // role with CREATEDB alone may not, and then only the live row is checked.
    const inspect = await t.sql('CREATE EXTENSION IF NOT EXISTS pageinspect').then(
      () => true,
      () => false,
    );
    if (!inspect) {
      await erase();
      const [live] = await t.sql<Record<string, unknown>>('SELECT * FROM members WHERE member_no = ?', 'M9');
      expect(live).toMatchObject({ birthday_enc: null, gender_enc: null, age_band_enc: null, interests_enc: null });
      return;
    }
    // The scan sees the member where it is (else it would prove nothing below).
    expect(await pageCopies('members', held)).toContain('members page 0: name_enc');
    await erase();
    const live = await t.sql<Record<string, unknown>>('SELECT * FROM members WHERE member_no = ?', 'M9');
    expect(live).toHaveLength(1);
    const blobs = Object.values(live[0] ?? {}).filter((v): v is Buffer => Buffer.isBuffer(v));
    expect(blobs.flatMap((v) => found(v, held))).toEqual([]);
    expect(live[0]).toMatchObject({ birthday_enc: null, gender_enc: null, age_band_enc: null, interests_enc: null });
    // The known limit (the old row version stays in the pages until a vacuum, its bytes until the
    // table is rewritten) and the operator's remedy SECURITY.md names.
    // VACUUM FULL keeps a dead version any open transaction may still see (head office's own
    // background passes hold snapshots for a moment, often under a loaded test run): in a quiet
    // moment it is gone, so the test asks again a few times, as an operator would run it quietly.
    const relations = ['members', 'members_pkey', 'members_phone', 'members_store'];
    let copies: string[] = [];
    for (let attempt = 0; attempt < 20; attempt++) {
      await t.sql('VACUUM FULL members');
      copies = [];
      for (const rel of relations) copies.push(...(await pageCopies(rel, held)));
      if (copies.length === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(copies).toEqual([]);
  });
});
