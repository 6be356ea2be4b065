/**
 * Ingest keeps derived state incrementally (store/sqlite-cache.ts): each member's merged state
 * and `includes`, and each till's own view of a member for sale recompute. These tests hold
 * it to the slow definitions: whatever the batch cuts, wherever sale records travel, and
 * whenever the caches are lost, every table ends as when each chain arrives in one batch.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { MemberState } from '../core/ledger/state.js';
import { localDate } from '../core/time.js';
import { RecentCache, dropIngestCaches } from './store/sqlite-cache.js';
import { stateJson } from './store/sqlite-memberstate.js';
import { DB_FILE, type SqliteHqStore } from './store/sqlite.js';
import { at, provision, startHq, upload, type TestHq, type TillSim } from './test-helpers.js';

describe('stateJson', () => {
  const text = fc.string({ unit: fc.constantFrom('a', '"', '\\', ':', '0', 'l', 'o', 't', 's', ',', '{', '}', '中') });
  const lot = fc.record({
    id: text,
    earnedOn: text,
    expiresOn: fc.option(text),
    remaining: fc.integer(),
  });
  const state = fc.record({
    memberNo: text,
    balance: fc.integer(),
    tier: text,
    lots: fc.array(lot, { maxLength: 6 }),
    debt: fc.integer(),
    spend: fc.array(fc.record({ on: text, amount: fc.integer() }), { maxLength: 3 }),
    stamps: fc.integer(),
    birthdayGiftYear: fc.option(fc.integer()),
    earnedDays: fc.array(fc.record({ on: text, points: fc.integer() }), { maxLength: 3 }),
    winBackUntil: fc.option(text),
    tierSince: fc.option(text),
    reviewedThrough: fc.option(text),
    lastSaleOn: fc.option(text),
    lastSeq: fc.option(text),
  });

  it('is JSON.stringify, also with lots shared between states and quotes in every string', () => {
    fc.assert(
      fc.property(state, fc.array(lot, { maxLength: 3 }), (s, more) => {
        const a = s as MemberState;
        expect(stateJson(a)).toBe(JSON.stringify(a));
        const b = { ...a, lots: [...a.lots.slice(1), ...more], balance: a.balance + 1 };
        expect(stateJson(b)).toBe(JSON.stringify(b));
      }),
      { numRuns: 300 },
    );
  });
});

describe('RecentCache', () => {
  it('keeps what was used lately and never more than its capacity', () => {
    const c = new RecentCache<number, number>(4);
    for (let i = 0; i < 10; i++) {
      c.set(i, i * 10);
      expect(c.get(i)).toBe(i * 10);
      if (i > 0) expect(c.get(i - 1)).toBe((i - 1) * 10);
      expect(c.size).toBeLessThanOrEqual(4);
    }
    expect(c.get(0)).toBeUndefined();
    c.set(9, 1);
    expect(c.get(9)).toBe(1);
    c.clear();
    expect(c.size).toBe(0);
  });
});

const MEMBERS = ['M0', 'M1', 'M2'];

type Op =
  | { kind: 'sale'; m: number; price: number; redeem: number; inflate: number }
  | { kind: 'tier'; m: number; to: string }
  | { kind: 'offer'; m: number }
  | { kind: 'bonus'; m: number };

const member = fc.integer({ min: 0, max: MEMBERS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('sale' as const),
      m: member,
      price: fc.integer({ min: 0, max: 200_000 }),
      redeem: fc.constantFrom(0, 0, 100),
      inflate: fc.constantFrom(0, 0, 0, 3),
    }),
  },
  fc.record({ kind: fc.constant('tier' as const), m: member, to: fc.constantFrom('silver', 'gold', 'ordinary') }),
  fc.record({ kind: fc.constant('offer' as const), m: member }),
  fc.record({ kind: fc.constant('bonus' as const), m: member }),
);

/** A till that enrols the members (one with a birthday today) and then sells. */
function play(till: TillSim, ops: [Op, number][]): void {
  let minute = 0;
  for (const [i, m] of MEMBERS.entries()) {
    const birthday = i === 0 ? localDate(at(0), till.rs.timeZone).date.slice(5) : null;
    till.enrol(`${till.tillId}${m}`, at(minute++), { birthday });
  }
  for (const [o, step] of ops) {
    minute += step;
    const when = at(minute);
    const m = `${till.tillId}${MEMBERS[o.m] as string}`;
    switch (o.kind) {
      case 'sale': {
        const redeem = o.redeem <= till.state(m).balance && o.redeem * 2 <= o.price ? o.redeem : 0;
        till.sale(m, o.price, when, { redeem, inflate: o.inflate });
        break;
      }
      case 'tier':
        till.append(m, 'tier', 0, when, { data: { fromTier: till.state(m).tier, toTier: o.to, reason: 'threshold' } });
        break;
      case 'offer':
        till.append(m, 'offer', 0, when, {
          data: { winBackUntil: localDate(at(minute + 60 * 24 * 5), till.rs.timeZone).date },
        });
        break;
      case 'bonus':
        till.bonus(m, 25, when);
        break;
    }
  }
}

async function tables(
  t: TestHq,
): Promise<{ sales: unknown[]; states: unknown[]; includes: unknown[]; cases: unknown[] }> {
  await t.hq.store.settle();
  const db = new Database(join(t.dataDir, DB_FILE), { readonly: true });
  try {
    const read = (sql: string): unknown[] => db.prepare(sql).all();
    return {
      sales: read(
        `SELECT till_id, sale_id, recomputed_points, recomputed_bonus, mismatch, check_note FROM sales
         ORDER BY till_id, sale_id`,
      ),
      states: read('SELECT member_no, balance, tier, state FROM member_state ORDER BY member_no'),
      includes: read('SELECT member_no, includes FROM member_state WHERE includes IS NOT NULL ORDER BY member_no'),
      cases: read('SELECT member_no, tills, points, trigger_till, trigger_seq FROM cases ORDER BY id'),
    };
  } finally {
    db.close();
  }
}

function forget(t: TestHq, olderRows: boolean): void {
  const store = t.hq.store as SqliteHqStore;
  // As after a restart (and, with olderRows, on rows written before `includes` existed).
  if (olderRows) store.db.prepare('UPDATE member_state SET includes = NULL').run();
  dropIngestCaches(store.db);
}

describe('incremental ingest', () => {
  it('checks every sale and folds every member as a single upload of each chain would', async () => {
    const cut = fc.record({
      size: fc.integer({ min: 1, max: 9 }),
      /** 0: records with their entries; 1: records first, alone; 2: records one batch late */
      records: fc.constantFrom(0, 0, 1, 2),
      forget: fc.constantFrom(0, 0, 0, 1, 2),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(op, fc.integer({ min: 0, max: 200 })), { minLength: 1, maxLength: 25 }),
        fc.array(fc.tuple(op, fc.integer({ min: 0, max: 200 })), { minLength: 1, maxLength: 25 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), cut), { minLength: 1, maxLength: 30 }),
        async (progA, progB, cuts) => {
          const ref = await startHq();
          const mixed = await startHq();
          try {
            const refTills = [await provision(ref, 'S1', 'A'), await provision(ref, 'S2', 'B')];
            const tills = [await provision(mixed, 'S1', 'A'), await provision(mixed, 'S2', 'B')];
            for (const ts of [refTills, tills]) {
              play(ts[0] as TillSim, progA);
              play(ts[1] as TillSim, progB);
            }
            for (const till of refTills) expect((await upload(ref, till, till.batch(1))).status).toBe(200);

            const sent = [0, 0];
            for (const [ti, c] of cuts) {
              const till = tills[ti] as TillSim;
              const from = (sent[ti] as number) + 1;
              if (from > till.headSeq) continue;
              const to = Math.min(till.headSeq, from + c.size - 1);
              const body = till.batch(from, to);
              const records = body.sales ?? [];
              // Records of sales with no entry held yet may go first, alone: they wait as pending.
              // (One whose first entries are held already is checked on arrival, with what is held.)
              const ahead =
                c.records === 1
                  ? records.filter((r) => till.entries.every((e) => e.saleId !== r.saleId || e.seq >= from))
                  : [];
              if (ahead.length > 0) {
                expect((await upload(mixed, till, { ...till.batch(from, from - 1), sales: ahead })).status).toBe(200);
              }
              if (c.forget > 0) forget(mixed, c.forget === 2);
              const withBody = c.records === 2 ? [] : records.filter((r) => !ahead.includes(r));
              expect((await upload(mixed, till, { ...body, sales: withBody })).status).toBe(200);
              if (c.records === 2) {
                // The records after their entries: the till's view is needed behind the one kept.
                expect((await upload(mixed, till, { ...till.batch(to + 1, to), sales: records })).status).toBe(200);
              }
              sent[ti] = to;
            }
            for (const till of tills) expect((await upload(mixed, till, till.batch(1))).status).toBe(200);
            const got = await tables(mixed);
            const want = await tables(ref);
            expect({ ...got, includes: [] }).toEqual({ ...want, includes: [] });
            // Rows written before `includes` existed get it when their member is next folded.
            expect(want.includes).toEqual(expect.arrayContaining(got.includes));
          } finally {
            await ref.close();
            await mixed.close();
          }
        },
      ),
      { numRuns: Number(process.env.INGEST_RUNS ?? 15) },
    );
  }, 120_000);
});
