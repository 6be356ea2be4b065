/**
 * Issue 11, finding 2, end to end: a head-office process and two tills of two stores enrol,
 * sell, block a card, sync and ask the member page for a sign-in code; then no file under any data folder (head office's database, its
 * -wal and -shm, keys, log, the simulated channel's messages.jsonl; the tills' folders) holds a test member's name or phone in clear,
 * and the till of the other store was sent them only once it served the member (need to know).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MESSAGES_FILE } from '../../headoffice/messages/channel.js';
import { codeSentTo } from '../helpers/sign-in-code.js';
import { hqDatabaseText, syncTillsCleanly, tillPost, useHqProcess, filesUnder } from './procs.js';

const TOKEN = 'operator-token-at-rest';
const f = useHqProcess('sync-at-rest', TOKEN);

const NAME = '欧阳晓岚';
const PHONE = '13712340987';
const basket = (price: number) => [{ sku: 'goods', category: 'grocery', quantity: 1, unitPrice: price }];

/** Every file holding one of `needles` as bytes: UTF-8, and UTF-16 for the name. */
function filesHolding(dir: string, needles: string[]): string[] {
  const patterns = needles.flatMap((n) => [Buffer.from(n, 'utf8'), Buffer.from(n, 'utf16le')]);
  return filesUnder(dir).filter((p) => {
    const bytes = readFileSync(p);
    return patterns.some((pat) => bytes.includes(pat));
  });
}

describe('personal data at rest at head office (finding 2)', () => {
  it('after an end-to-end run no file of any data folder holds the name or phone in clear', async () => {
    const a = await f.tillAt('store-ra', 'till-ra');
    const b = await f.tillAt('store-rb', 'till-rb');
    const enrolled = await tillPost(a, '/v1/members', {
      name: NAME,
      phone: PHONE,
      birthday: '02-14',
      consent: { marketing: true, text: 'v1' },
      cardCode: '04:A1:B2:C3:D4:E5:F6',
    });
    expect(enrolled.status).toBe(201);
    const memberNo = enrolled.json.memberNo as string;
    for (let i = 1; i <= 3; i++) {
      expect((await tillPost(a, '/v1/sales', { saleId: `RA-${i}`, memberNo, lines: basket(10_000 * i) })).status).toBe(
        201,
      );
    }
    await syncTillsCleanly(a, b);
    // Store B has not served the member: it holds neither name nor phone.
    expect(b.ctx.members.get(memberNo)).toMatchObject({ name: '*', phone: `*${memberNo}` });
    // Store B serves the member by card: from then on its feed brings the name and phone.
    expect(
      (await tillPost(b, '/v1/sales', { saleId: 'RB-1', memberCode: '04:A1:B2:C3:D4:E5:F6', lines: basket(5_000) }))
        .status,
    ).toBe(201);
    await syncTillsCleanly(a, b);

    // The member asks the member page for a sign-in code: the simulated channel writes a file.
    const otp = await fetch(`${f.hq.url}/v1/me/otp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ phone: PHONE }),
    });
    expect(otp.status).toBe(202);
    await codeSentTo(f.hqDir, PHONE);
    expect(filesUnder(f.hqDir).some((p) => p.endsWith(MESSAGES_FILE))).toBe(true);

    const held = filesHolding(f.root, [NAME, PHONE]);
    expect(held.map((p) => p.slice(f.root.length + 1))).toEqual([]);
    // Encrypted at rest on both tills (the file search above holds that).
    expect(b.ctx.members.get(memberNo)).toMatchObject({ name: NAME, phone: PHONE });
    expect(a.ctx.members.get(memberNo)).toMatchObject({ name: NAME, phone: PHONE });
    const names = filesUnder(f.hqDir).map((p) => p.slice(f.hqDir.length + 1));
    const database = await hqDatabaseText(f.hqDir);
    if (database === null) {
      // The folder holds what the test expects to search: head office's database, its WAL and log.
      expect(names).toEqual(expect.arrayContaining(['headoffice.sqlite', 'headoffice.sqlite-wal', 'keys.json']));
    } else {
      // On PostgreSQL the database is not in the folder: every row of it, as text, holds neither.
      expect(names).toEqual(expect.arrayContaining(['keys.json']));
      expect(database).toContain('till-ra');
      for (const needle of [NAME, PHONE]) expect(database.includes(needle), needle).toBe(false);
    }
  });
});
