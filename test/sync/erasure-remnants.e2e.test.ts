/**
 * DOMAIN.md 10, "erasure removes personal fields everywhere", on the till's disk: a member
 * enrolled at the till, synced, erased at head office, and the till syncs. Its database files
 * (till.db and its WAL) then hold neither the member's sealed name, phone or birthday nor the
 * phone's lookup hash: the till's key sits beside them in keys.json, so a copy left in a freed
 * part of a page or in the WAL would be the member's name and number to anyone who opens the data
 * folder. secure_delete zeroes freed space (main/db/open.ts) and applying an erasure truncates
 * the WAL (main/sync/feed.ts).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syncTillsCleanly, tillPost, useHqProcess } from './procs.js';

const TOKEN = 'operator-token-erasure-remnants';
const f = useHqProcess('erasure-remnants', TOKEN);

const NAME = '司马晓宁';
const PHONE = '13698765432';

function dataFiles(dir: string): { name: string; bytes: Buffer }[] {
  return readdirSync(dir)
    .filter((n) => n.startsWith('till.db'))
    .map((n) => ({ name: n, bytes: readFileSync(join(dir, n)) }));
}

describe('an erased member on the till', () => {
  it('leaves no sealed copy of the name or phone, and no phone hash, in the till database files', async () => {
    const a = await f.tillAt('store-pa', 'till-pa');
    const enrolled = await tillPost(a, '/v1/members', {
      name: NAME,
      phone: PHONE,
      birthday: '04-09',
      consent: { marketing: true, text: 'v1' },
    });
    expect(enrolled.status).toBe(201);
    const memberNo = enrolled.json.memberNo as string;
    expect(
      (
        await tillPost(a, '/v1/sales', {
          saleId: 'PA-1',
          memberNo,
          lines: [{ sku: 'g', category: 'grocery', quantity: 1, unitPrice: 9_900 }],
        })
      ).status,
    ).toBe(201);
    await syncTillsCleanly(a);
    const held = a.ctx.db
      .prepare('SELECT name_enc, phone_enc, birthday_enc, phone_hash FROM members WHERE member_no = ?')
      .get(memberNo) as { name_enc: Buffer; phone_enc: Buffer; birthday_enc: Buffer; phone_hash: Buffer };
    // what the till held was the member's, sealed with the key of its data folder
    expect(a.ctx.cipher.decrypt(held.name_enc)).toBe(NAME);

    const r = await fetch(`http://127.0.0.1:${f.hqPort}/v1/members/${memberNo}/erase`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ operatorId: 'ops-1', reason: 'member asked' }),
    });
    expect(r.status).toBe(200);
    await syncTillsCleanly(a);
    expect(a.ctx.members.get(memberNo)).toMatchObject({ name: '', phone: '', status: 'blocked' });

    const dir = dirname(a.ctx.db.name);
    const before = copiesIn(dir, held);
    // As SQLite's automatic checkpoint (or closing the till) does: the WAL is written into till.db.
    a.ctx.db.pragma('wal_checkpoint(TRUNCATE)');
    const after = copiesIn(dir, held);
    expect({ beforeCheckpoint: before, afterCheckpoint: after }).toEqual({ beforeCheckpoint: [], afterCheckpoint: [] });
  });
});

function copiesIn(dir: string, held: Record<string, Buffer>): string[] {
  expect(existsSync(join(dir, 'till.db'))).toBe(true);
  const copies: string[] = [];
  for (const file of dataFiles(dir)) {
    for (const [field, blob] of Object.entries(held)) {
      // the envelope's IV and tag (28 random bytes) are enough to find a copy
      if (file.bytes.includes(blob.subarray(1, 29))) copies.push(`${file.name}: ${field}`);
    }
  }
  return copies;
}
