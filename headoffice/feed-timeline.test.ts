/**
 * A till's feed cursor from a timeline head office lost (restored from a backup): the rewind
 * point (store/feed-timeline.ts) on stamps laid out by hand, and a real head office whose
 * changes after a point are gone and whose cursor numbers are handed out again.
 */
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangesResponse } from '../core/sync/protocol.js';
import { runSqlite } from '../storage/sql-sqlite.js';
import { placeOnTimeline, REWIND_MARGIN_MS, rewindPoint } from './store/feed-timeline.js';
import { at, changes, testStore, uploadAll, useTwoTillHq, type TestHq, type TillSim } from './test-helpers.js';

const T0 = Date.parse('2026-11-01T08:00:00.000Z');
const stamp = (seconds: number): string => new Date(T0 + seconds * 1000).toISOString();

describe('the rewind point', () => {
  let db: Database.Database;
  beforeEach(() => {
    db = new Database(':memory:');
    db.exec('CREATE TABLE changes (cursor INTEGER PRIMARY KEY, created_at TEXT NOT NULL)');
  });
  afterEach(() => db.close());
  const put = (cursor: number, seconds: number): void => {
    db.prepare('INSERT INTO changes (cursor, created_at) VALUES (?, ?)').run(cursor, stamp(seconds));
  };

  it('is the last change the backup held, for a cursor past every change or on a number handed out again', () => {
    for (let c = 1; c <= 100; c++) put(c, c * 10); // the backup: stamped up to 1,000 s
    for (let c = 101; c <= 130; c++) put(c, 5_000 + c); // after the restore, an hour later
    // The till read to 120 on the lost timeline, stamped 1,500 s.
    expect(runSqlite(db, rewindPoint(120, stamp(1_500)))).toBe(100);
    expect(runSqlite(db, rewindPoint(400, stamp(1_500)))).toBe(100);
  });

  it('steps back the margin: changes stamped within it are read again', () => {
    for (let c = 1; c <= 100; c++) put(c, c * 10);
    // The lost change was stamped 20 s after the backup's last: the minute before it holds 94-100.
    const lost = stamp(1_020);
    expect(REWIND_MARGIN_MS).toBe(60_000);
    expect(runSqlite(db, rewindPoint(101, lost))).toBe(96);
  });

  it('passes over gaps in the cursor numbers and answers 0 when nothing is early enough', () => {
    for (const c of [3, 4, 9, 40, 41, 77]) put(c, c);
    expect(runSqlite(db, rewindPoint(90, stamp(41 + 60)))).toBe(41);
    expect(runSqlite(db, rewindPoint(90, stamp(1)))).toBe(0);
    expect(runSqlite(db, rewindPoint(90, 'not a stamp'))).toBe(0);
  });

  it('places an ask on its own cursor when head office holds that change with that stamp, else rewinds it', () => {
    for (let c = 1; c <= 10; c++) put(c, c * 100);
    const placed = runSqlite(
      db,
      placeOnTimeline([
        { after: 0 },
        { after: 5, afterAt: stamp(500) },
        { after: 5 },
        { after: 5, afterAt: stamp(501) },
        { after: 12, afterAt: stamp(1_200) },
      ]),
    );
    expect(placed).toEqual([
      { after: 0 },
      { after: 5 },
      { after: 5 },
      { after: 4, rewoundFrom: 5 },
      { after: 10, rewoundFrom: 12 },
    ]);
  });

  it('property: never past the restore, and exactly the last change stamped a margin before the lost one', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 60 }), // cursor steps, backup
        fc.array(fc.integer({ min: 0, max: 90 }), { minLength: 0, maxLength: 60 }), // stamp steps (s)
        fc.integer({ min: 0, max: 40 }), // changes after the restore
        fc.integer({ min: 1, max: 200 }), // the lost change: seconds after the backup's last
        fc.integer({ min: 1, max: 50 }), // its cursor past the backup's last
        (steps, gaps, after, lostDelay, lostAhead) => {
          db.exec('DELETE FROM changes');
          let cursor = 0;
          let seconds = 0;
          const backup: { cursor: number; seconds: number }[] = [];
          steps.forEach((s, i) => {
            cursor += s;
            seconds += gaps[i] ?? 0;
            put(cursor, seconds);
            backup.push({ cursor, seconds });
          });
          const restoredAt = cursor;
          const lostSeconds = seconds + lostDelay;
          for (let i = 1; i <= after; i++) put(restoredAt + i, lostSeconds + 3_600 + i);
          const lostCursor = restoredAt + lostAhead;
          const r = runSqlite(db, rewindPoint(lostCursor, stamp(lostSeconds)));
          const due = backup.filter((b) => b.seconds * 1000 <= lostSeconds * 1000 - REWIND_MARGIN_MS);
          expect(r).toBe(due.length === 0 ? 0 : (due[due.length - 1] as { cursor: number }).cursor);
          expect(r).toBeLessThanOrEqual(restoredAt);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe(`a till's cursor from before a restore (${testStore()})`, () => {
  let t: TestHq;
  let A: TillSim;
  let B: TillSim;
  useTwoTillHq((x) => ({ t, A, B } = x));

  async function page(after: number, afterAt?: string): Promise<ChangesResponse> {
    const r = await changes(t, B, after, 1000, afterAt);
    expect(r.status).toBe(200);
    return ChangesResponse.parse(r.body);
  }

  /** As a restore from a backup taken at `kept` leaves the feed: later changes gone, their numbers free again. */
  async function dropChangesAfter(kept: number): Promise<void> {
    await t.exec('DELETE FROM changes WHERE cursor > ?', kept);
    if (testStore() === 'postgres') {
      await t.exec("SELECT setval(pg_get_serial_sequence('changes', 'cursor'), ?)", kept);
    } else {
      await t.exec("UPDATE sqlite_sequence SET seq = ? WHERE name = 'changes'", kept);
    }
  }

  async function loseChangesAfter(kept: number): Promise<void> {
    await t.restart(() => dropChangesAfter(kept));
  }

  it("never answers a cursor handed out again with the change it kept from the lost one's row", async () => {
    A.enrol('M1', at(0));
    await uploadAll(t, A, 10);
    const kept = (await page(0)).cursor;
    A.sale('M1', 10_000, at(1));
    await uploadAll(t, A, 10);
    const lost = (await page(kept)).changes.find((c) => c.type === 'balance');
    expect(lost).toMatchObject({ balance: 100 });
    // The database loses it under the running head office, which keeps that balance change.
    await dropChangesAfter(kept);
    A.sale('M1', 20_000, at(2));
    await uploadAll(t, A, 10);
    const now = (await page(kept)).changes.find((c) => c.type === 'balance');
    expect(now?.cursor).toBe(lost?.cursor);
    expect(now).toMatchObject({ balance: 300 });
  });

  it('refuses a stamp that is not one, saying which parameter', async () => {
    for (const bad of ['yesterday', `2026-11-01T08:00:00.000Z${'0'.repeat(40)}`]) {
      const r = await changes(t, B, 1, 10, bad);
      expect(r.status).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'bad_query', field: 'afterAt' });
    }
  });

  it('reads the new changes again from before the lost ones, whether their numbers are past it or taken again', async () => {
    A.enrol('M1', at(0));
    A.sale('M1', 10_000, at(1));
    await uploadAll(t, A, 10);
    const backup = (await page(0)).cursor;
    // Each page also says how much of the asking till head office holds (B has sent nothing).
    expect((await page(0)).ackSeq).toBe(0);
    expect(ChangesResponse.parse((await changes(t, A, 0)).body).ackSeq).toBe(A.headSeq);
    A.sale('M1', 20_000, at(2));
    A.sale('M1', 30_000, at(3));
    await uploadAll(t, A, 10);
    const lost = await page(backup);
    expect(lost.changes.length).toBeGreaterThan(0);
    expect(lost.cursorAt).toEqual(expect.any(String));

    await loseChangesAfter(backup);
    // Head office holds nothing past the backup: its cursor is from a lost timeline.
    const first = await page(lost.cursor, lost.cursorAt);
    expect(first.rewound).toEqual({ from: lost.cursor, to: expect.any(Number) });
    expect(first.rewound?.to).toBeLessThanOrEqual(backup);

    // New changes take the lost ones' numbers.
    A.sale('M1', 40_000, at(4));
    await uploadAll(t, A, 10);
    const again = await page(lost.cursor, lost.cursorAt);
    expect(again.rewound?.from).toBe(lost.cursor);
    const balances = again.changes.filter((c) => c.type === 'balance' && c.memberNo === 'M1');
    expect(balances.at(-1)).toMatchObject({ balance: 1_000 });
    // The changes numbered at or below the till's lost cursor are in its page: without the stamp it would skip them.
    expect(again.changes.some((c) => c.cursor <= lost.cursor && c.cursor > backup)).toBe(true);
    const blind = await page(lost.cursor);
    expect(blind.rewound).toBeUndefined();

    // Where the till then stands is on this timeline: no rewind again.
    const next = await page(again.cursor, again.cursorAt);
    expect(next.rewound).toBeUndefined();
    expect(next.changes).toEqual([]);
    expect(next.cursorAt).toBe(again.cursorAt);
  });
});
