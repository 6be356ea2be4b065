/**
 * Property: the read model head office keeps as batches apply (store/aggregates.ts) equals the
 * one rebuilt from the ledger, sales and members, whatever the tills did and however their
 * batches were cut, interleaved and resent; head office's own entries (adjustments, the
 * end-of-day run) included. One head office for every run (a PostgreSQL database per run
 * would be slow): each run uses tills and members of its own, and the comparison covers
 * everything applied so far. Real servers, real SQLite / PostgreSQL, real HTTP.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MEASURES } from '../core/aggregates.js';
import type { TillCredentials } from '../core/sync/sign.js';
import { addTill } from './provision.js';
import { TillSim, at, hqCli, startHq, testStore, upload, type TestHq } from './test-helpers.js';

type Op =
  | { kind: 'enrol'; m: number; staff: number; referred: boolean }
  | { kind: 'sale'; m: number; price: number; redeem: number }
  | { kind: 'return'; nth: number }
  | { kind: 'bonus'; m: number; points: number }
  | { kind: 'reenrol'; m: number; staff: number };

const MEMBERS = 3;
const member = fc.integer({ min: 0, max: MEMBERS - 1 });
const staff = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('enrol' as const), m: member, staff, referred: fc.boolean() }),
  fc.record({
    kind: fc.constant('sale' as const),
    m: member,
    price: fc.integer({ min: 0, max: 300_000 }),
    redeem: fc.constantFrom(0, 0, 100),
  }),
  fc.record({ kind: fc.constant('return' as const), nth: fc.nat() }),
  fc.record({ kind: fc.constant('bonus' as const), m: member, points: fc.integer({ min: 1, max: 300 }) }),
  fc.record({ kind: fc.constant('reenrol' as const), m: member, staff }),
);
/** The clock moves 0-20 hours an operation, so sales and enrolments fall on several local dates. */
const program = fc.array(fc.tuple(op, fc.integer({ min: 0, max: 1200 })), { minLength: 1, maxLength: 10 });

function play(till: TillSim, run: number, ops: [Op, number][]): void {
  let minute = -6000;
  const sold: string[] = [];
  const enrolled = new Set<string>();
  for (const [o, step] of ops) {
    minute += step;
    const when = at(Math.min(minute, 2000));
    const no = (m: number): string => `R${run}M${m}`;
    switch (o.kind) {
      case 'enrol':
      case 'reenrol': {
        const m = no(o.m);
        if (o.kind === 'reenrol' && !enrolled.has(m)) break;
        const referrer = o.kind === 'enrol' && o.referred ? { referrerMemberNo: `R${run}M9` } : {};
        till.enrol(m, when, { enrolledBy: `staff-${o.staff}`, ...referrer });
        enrolled.add(m);
        break;
      }
      case 'sale': {
        const m = no(o.m);
        if (!enrolled.has(m)) break;
        const spendable = till.state(m).balance;
        const redeem = o.redeem <= spendable && o.redeem * 2 <= o.price ? o.redeem : 0;
        const rec = till.sale(m, o.price, when, { redeem });
        sold.push(rec.saleId);
        break;
      }
      case 'return': {
        const saleId = sold[o.nth % Math.max(1, sold.length)];
        if (saleId) till.returnSale(saleId, when);
        break;
      }
      case 'bonus':
        if (enrolled.has(no(o.m))) till.bonus(no(o.m), o.points, when);
        break;
    }
  }
}

/** Upload actions: each till's next `len` entries from where head office stands, or a resend from `start`. */
const actions = fc.array(
  fc.record({
    till: fc.integer({ min: 0, max: 2 }),
    len: fc.integer({ min: 1, max: 6 }),
    resend: fc.option(fc.nat(), { nil: null, freq: 4 }),
  }),
  { maxLength: 20 },
);

let t: TestHq;
let run = 0;

beforeAll(async () => {
  t = await startHq();
});

afterAll(async () => {
  await t?.close();
});

/**
 * The stored sums, without rows whose every measure is 0: an enrolment taken back from one
 * staff member's row (the record changed) leaves that row at 0, which a rebuild never writes.
 */
async function stored(): Promise<unknown[]> {
  await t.hq.store.settle();
  return t.sql(
    `SELECT * FROM agg_daily WHERE NOT (${MEASURES.map((m) => `${m} = 0`).join(' AND ')})
     ORDER BY staff_id, local_date, store_id`,
  );
}

const RUNS = testStore() === 'postgres' ? 12 : 25;

describe('read model', () => {
  it('kept as batches apply equals the one rebuilt from the ledger, for any interleaving', async () => {
    await fc.assert(
      fc.asyncProperty(program, program, program, actions, fc.boolean(), async (p0, p1, p2, acts, hqToo) => {
        run += 1;
        const tills: TillSim[] = [];
        const signers: TillCredentials[] = [];
        // Two tills of one store and one of another: sums of one (date, store) come from several tills.
        for (const [i, storeId] of ['S1', 'S1', 'S2'].entries()) {
          const issued = await addTill(t.hq.store, storeId, `R${run}T${i}`);
          tills.push(new TillSim(issued.tillId, issued.storeId, issued.secret));
          signers.push({ tillId: issued.tillId, secret: issued.secret });
        }
        [p0, p1, p2].forEach((p, i) => play(tills[i] as TillSim, run, p));
        const acked = [0, 0, 0];
        for (const a of acts) {
          const till = tills[a.till] as TillSim;
          if (till.headSeq === 0) continue;
          const first = a.resend === null ? (acked[a.till] as number) + 1 : (a.resend % till.headSeq) + 1;
          if (first > till.headSeq) continue;
          const r = await upload(
            t,
            signers[a.till] as TillCredentials,
            till.batch(first, Math.min(till.headSeq, first + a.len - 1)),
          );
          expect([200, 409]).toContain(r.status);
          acked[a.till] = r.status === 200 ? r.body.ackSeq : r.body.expectedSeq - 1;
        }
        // Some tills finish uploading, some leave entries behind; head office adds its own.
        for (const [i, till] of tills.entries()) {
          if (i !== 2 && till.headSeq > 0) {
            expect((await upload(t, signers[i] as TillCredentials, till.batch(1))).status).toBe(200);
          }
        }
        if (hqToo) {
          const who = { operatorId: 'op', reason: 'property' };
          await t.hq.store.adjustPoints(`R${run}M0`, { ...who, points: 7, direction: 'credit' }, new Date());
        }
        const kept = await stored();
        await t.hq.store.rebuildAggregates();
        const rebuilt = await stored();
        expect(rebuilt).toEqual(kept);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  it('the end-of-day run adds its entries (expiry) to the sums as well', async () => {
    const before = await stored();
    await t.hq.store.runEndOfDay(new Date());
    const kept = await stored();
    await t.hq.store.rebuildAggregates();
    expect(await stored()).toEqual(kept);
    expect(kept.length).toBeGreaterThanOrEqual(before.length);
    expect(kept.length).toBeGreaterThan(0);
  });

  it('is rebuilt from the command line (rebuild-aggregates), to the same sums', async () => {
    const kept = await stored();
    expect(await hqCli(t, ['rebuild-aggregates'])).toMatch(/^read model rebuilt from the ledger: \d+ row\(s\)/);
    expect(await stored()).toEqual(kept);
  });

  it('is backfilled when the store opens on data the migration marked stale', async () => {
    const kept = await stored();
    await t.exec('DELETE FROM agg_daily');
    await t.exec("INSERT INTO meta (key, value) VALUES ('aggregates_stale', '1')");
    await t.restart();
    expect(await stored()).toEqual(kept);
    expect(await t.sql("SELECT 1 FROM meta WHERE key = 'aggregates_stale'")).toEqual([]);
  });
});
