/**
 * Need to know in the change feed (SECURITY.md, "change feed"), on SQLite and PostgreSQL: a till
 * of another store gets a member's name and phone only once it really served the member (a
 * sale, a return, a redemption, a coupon or service used) or looked them up by number. Entries
 * a till writes without the member in front of it (expiry, tier steps, bonuses, adjustments)
 * unlock nothing, so a till cannot harvest members by uploading a zero-point entry naming a
 * member number. The first real service still announces the member, even after such entries.
 */
import { describe, expect, it } from 'vitest';
import { ChangesResponse } from '../core/sync/protocol.js';
import { at, changes, provision, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';

let t: TestHq;
let A: TillSim;
let B: TillSim;
useTwoTillHq((x) => ({ t, A, B } = x));

const NAME = '诸葛测某';
const PHONE = '13566667777';

/** M1 as till B's feed from `after` shows it last, or undefined when it does not. */
async function memberAtB(after = 0): Promise<{ name: string; phone: string } | undefined> {
  const r = await changes(t, B, after);
  expect(r.status).toBe(200);
  const page = ChangesResponse.parse(r.body);
  const last = page.changes.filter((c) => c.type === 'member' && c.member.memberNo === 'M1').at(-1);
  return last?.type === 'member' ? last.member : undefined;
}

async function cursorAtB(): Promise<number> {
  return ChangesResponse.parse((await changes(t, B, 0)).body).cursor;
}

async function enrolAtA(): Promise<void> {
  A.enrol('M1', at(0), { name: NAME, phone: PHONE });
  A.sale('M1', 10_000, at(1));
  await uploadAll(t, A, 100);
  expect(await memberAtB()).toMatchObject({ name: '*', phone: '*M1' });
}

/** Entries a till writes about a member who need not be there: none shows the till served them. */
function bookkeeping(till: TillSim): void {
  const day = at(5).slice(0, 10);
  till.append('M1', 'expire', 0, at(5), { data: { before: day } });
  till.append('M1', 'tier', 0, at(6), { data: { fromTier: 'ordinary', toTier: 'ordinary', reason: 'review' } });
  till.append('M1', 'bonus', 0, at(7), { data: { bonus: 'referral', note: 'referred M9' } });
  till.append('M1', 'adjust_credit', 0, at(8), { data: { staffId: 'B-sup', note: 'x' } });
}

async function chainOk(tillId: string): Promise<void> {
  const rows = await t.sql<{ chain_status: string }>('SELECT chain_status FROM tills WHERE till_id = ?', tillId);
  expect(rows[0]?.chain_status).toBe('ok');
}

describe('need to know in the feed', () => {
  it('a zero-point expiry naming another store member does not unlock their name and phone', async () => {
    await enrolAtA();
    B.append('M1', 'expire', 0, at(5), { data: { before: at(5).slice(0, 10) } });
    await uploadAll(t, B, 100);
    await chainOk('B');
    expect(await memberAtB()).toMatchObject({ name: '*', phone: '*M1' });
    expect(JSON.stringify((await changes(t, B, 0)).body)).not.toContain(PHONE);
  });

  it('no bookkeeping entry unlocks them: expiry, tier, bonus, adjustment', async () => {
    await enrolAtA();
    bookkeeping(B);
    await uploadAll(t, B, 100);
    await chainOk('B');
    expect(await memberAtB()).toMatchObject({ name: '*', phone: '*M1' });
    const feed = JSON.stringify((await changes(t, B, 0)).body);
    expect(feed).not.toContain(PHONE);
    expect(feed).not.toContain(NAME);
  });

  it('a sale at the till announces the member with name and phone, also after bookkeeping entries', async () => {
    await enrolAtA();
    bookkeeping(B);
    await uploadAll(t, B, 100);
    const before = await cursorAtB();
    B.sale('M1', 5_000, at(10));
    await uploadAll(t, B, 100);
    await chainOk('B');
    // A new member change after the sale, carrying what the till now needs.
    expect(await memberAtB(before)).toMatchObject({ name: NAME, phone: PHONE });
  });

  it('a redemption at the till also shows it served the member', async () => {
    await enrolAtA();
    B.redeem('M1', 50, at(10));
    await uploadAll(t, B, 100);
    expect(await memberAtB()).toMatchObject({ name: NAME, phone: PHONE });
  });

  it("announces the member to the till that served them alone: every other till's feed skips it", async () => {
    const C = await provision(t, 'S3', 'C');
    await enrolAtA();
    const before = await cursorAtB();
    B.sale('M1', 5_000, at(10));
    await uploadAll(t, B, 100);
    expect(await memberAtB(before)).toMatchObject({ name: NAME, phone: PHONE });
    const rows = await t.sql<{ payload: string }>(
      "SELECT payload FROM changes WHERE type = 'member' AND cursor > ? ORDER BY cursor",
      before,
    );
    expect(rows.map((r) => JSON.parse(r.payload))).toEqual([{ memberNo: 'M1', forTill: 'B' }]);
    // Another store's till and the member's own store's till: the balance change, no member record again.
    for (const other of [C, A]) {
      const page = ChangesResponse.parse((await changes(t, other, before)).body);
      expect(page.changes.map((c) => c.type)).toEqual(['balance']);
      expect(page.cursor).toBe(await cursorAtB());
    }
  });

  it('reads on past a page of rows all for other tills, so no till is held at an empty page', async () => {
    const C = await provision(t, 'S3', 'C');
    await enrolAtA();
    const from = await cursorAtB();
    for (let i = 0; i < 7; i++) {
      await t.exec(
        'INSERT INTO changes (type, ref, payload, created_at) VALUES (?, ?, ?, ?)',
        'member',
        'M1',
        JSON.stringify({ memberNo: 'M1', forTill: 'B' }),
        new Date().toISOString(),
      );
    }
    // Nothing after them for C: an empty page, as at the feed's head.
    const empty = ChangesResponse.parse((await changes(t, C, from, 3)).body);
    expect(empty.changes).toEqual([]);
    A.sale('M1', 2_000, at(20));
    await uploadAll(t, A, 100);
    const head = await cursorAtB();
    // Pages of 3 from before the seven rows: the first page C gets holds A's balance change.
    const page = ChangesResponse.parse((await changes(t, C, from, 3)).body);
    expect(page.changes.map((c) => c.type)).toEqual(['balance']);
    expect(page.cursor).toBe(head);
    // B, whom they name, reads them (its page of 3 is three of them).
    const atB = ChangesResponse.parse((await changes(t, B, from, 3)).body);
    expect(atB.changes.map((c) => c.type)).toEqual(['member', 'member', 'member']);
  });
});
