/**
 * Ingest keeps derived state incrementally (store/cache.ts): each member's merged state
 * and `includes`, and each till's own view of a member for sale recompute. These tests hold
 * it to the slow definitions: whatever the batch cuts, wherever sale records travel, and
 * whenever the caches are lost, every table ends as when each chain arrives in one batch.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowestTier } from '../core/engine/tiers.js';
import type { LedgerEntry } from '../core/ledger/entry.js';
import { emptyState, type MemberState } from '../core/ledger/state.js';
import { DEFAULT_RULE_SET, DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { localDate } from '../core/time.js';
import { foldHq } from './domain/fold.js';
import { compareKeys, withSortKeys, type HqEntry } from './domain/order.js';
import { HQ_TILL_ID } from './domain/decisions.js';
import { checkSale } from './domain/recompute.js';
import { MemberCache, RecentCache, dropIngestCaches, sameEntries, type CachedMember } from './store/cache.js';
import { rowToEntry, type LedgerRow } from './store/rows.js';
import { stateJson } from './store/memberstate.js';
import type { StepHqStore } from './store/step-store.js';
import { at, operator, provision, startHq, upload, type TestHq, type TillSim } from './test-helpers.js';

/**
 * Uploads the till's entries from `from` in one batch of `c.size`, its sale records with it
 * (records 0), alone and first where no entry of theirs is held yet (1), or one batch late
 * (2); `forget` drops head office's caches first. Returns the last seq sent.
 */
async function uploadCut(
  t: TestHq,
  till: TillSim,
  from: number,
  c: { size: number; records: number; forget: number },
): Promise<number> {
  const to = Math.min(till.headSeq, from + c.size - 1);
  const body = till.batch(from, to);
  const records = body.sales ?? [];
  // Records of sales with no entry held yet may go first, alone: they wait as pending.
  // (One whose first entries are held already is checked on arrival, with what is held.)
  const ahead =
    c.records === 1 ? records.filter((r) => till.entries.every((e) => e.saleId !== r.saleId || e.seq >= from)) : [];
  if (ahead.length > 0) {
    expect((await upload(t, till, { ...till.batch(from, from - 1), sales: ahead })).status).toBe(200);
  }
  if (c.forget > 0) await forget(t, c.forget === 2);
  const withBody = c.records === 2 ? [] : records.filter((r) => !ahead.includes(r));
  expect((await upload(t, till, { ...body, sales: withBody })).status).toBe(200);
  if (c.records === 2) {
    // The records after their entries: the till's view is needed behind the one kept.
    expect((await upload(t, till, { ...till.batch(to + 1, to), sales: records })).status).toBe(200);
  }
  return to;
}

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

describe('MemberCache', () => {
  const member = (sortMs: number, includes: Record<string, number>): CachedMember => ({
    state: emptyState('M1', 'silver'),
    last: { sortMs, tillId: 'T1', seq: includes.T1 ?? 0 },
    includes,
  });
  const row = (sortMs: number, includes: Record<string, number> | null) => ({
    last_sort_ms: sortMs,
    last_till: 'T1',
    last_seq: includes?.T1 ?? 0,
    includes: includes === null ? null : JSON.stringify(includes),
  });

  it('after another process wrote, gives a member back only as a suspect until it is set again', () => {
    const c = new MemberCache(8);
    const m = member(5, { T1: 3 });
    c.set('M1', m);
    expect(c.get('M1')).toBe(m);
    expect(c.suspect('M1')).toBeUndefined();
    c.distrust();
    expect(c.get('M1')).toBeUndefined();
    expect(c.suspect('M1')).toBe(m);
    c.set('M1', m);
    expect(c.get('M1')).toBe(m);
  });

  it('trusts a suspect only when its stored row names the same entries', () => {
    const m = member(5, { HQ: 1, T1: 3 });
    expect(sameEntries(m, row(5, { HQ: 1, T1: 3 }))).toBe(true);
    expect(sameEntries(m, row(5, { T1: 3, HQ: 1 }))).toBe(true);
    // Another till's late entry: sorts before the last, so only `includes` tells.
    expect(sameEntries(m, row(5, { HQ: 1, T1: 3, T2: 1 }))).toBe(false);
    expect(sameEntries(m, row(5, { HQ: 2, T1: 3 }))).toBe(false);
    expect(sameEntries(m, row(6, { HQ: 1, T1: 3 }))).toBe(false);
    expect(sameEntries(m, row(5, { T1: 3 }))).toBe(false);
    expect(sameEntries(m, row(5, null))).toBe(false);
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
  return {
    sales: await t.sql(
      `SELECT till_id, sale_id, recomputed_points, recomputed_bonus, mismatch, check_note FROM sales
       ORDER BY till_id, sale_id`,
    ),
    states: await t.sql('SELECT member_no, balance, tier, state FROM member_state ORDER BY member_no'),
    includes: await t.sql('SELECT member_no, includes FROM member_state WHERE includes IS NOT NULL ORDER BY member_no'),
    cases: await t.sql('SELECT member_no, tills, points, trigger_till, trigger_seq FROM cases ORDER BY id'),
  };
}

/** The entries of head office's own chain (store/decisions.ts), with their merge keys. */
async function headOfficeEntries(t: TestHq): Promise<HqEntry[]> {
  return (await t.sql<LedgerRow>('SELECT * FROM ledger WHERE till_id = ?', HQ_TILL_ID)).map(rowToEntry);
}

async function forget(t: TestHq, olderRows: boolean): Promise<void> {
  // As after a restart (and, with olderRows, on rows written before `includes` existed).
  if (olderRows) await t.exec('UPDATE member_state SET includes = NULL');
  dropIngestCaches((t.hq.store as StepHqStore).tx);
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
              const to = await uploadCut(mixed, till, from, c);
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

/** Tier codes of the rule set published over the default one in some runs: another first tier. */
const RENAMED_TIERS = DEFAULT_RULE_SET_INPUT.tiers.map((t, i) => (i === 0 ? { ...t, code: 'basic' } : t));

describe('members whose entries are all one till’s', () => {
  // Head office folds such a member once: the merged state is the till's own view (tillview.ts).
  // Held to the definitions, not to another head office: each sale checked with the till's chain
  // of the member before it, each state the fold of all tills' entries in merge order.
  it('get the same sale checks and states as the definitions, whenever another till joins in', async () => {
    const cut = fc.record({
      size: fc.integer({ min: 1, max: 9 }),
      records: fc.constantFrom(0, 0, 1, 2),
      forget: fc.constantFrom(0, 0, 0, 1, 2),
      /** apply what waits right after the upload (otherwise it waits in the inbox for the next) */
      settle: fc.boolean(),
    });
    /** 0, 1: the till's own members; 2, 3: members both tills may sell to (3 never enrolled: no member record) */
    const anyMember = fc.integer({ min: 0, max: 3 });
    const step = fc.oneof(
      {
        weight: 6,
        arbitrary: fc.record({
          kind: fc.constant('sale' as const),
          m: anyMember,
          price: fc.integer({ min: 0, max: 200_000 }),
          redeem: fc.constantFrom(0, 0, 100),
          inflate: fc.constantFrom(0, 0, 0, 3),
        }),
      },
      fc.record({
        kind: fc.constant('tier' as const),
        m: anyMember,
        to: fc.constantFrom('silver', 'gold', 'ordinary'),
      }),
      fc.record({ kind: fc.constant('offer' as const), m: anyMember }),
      fc.record({ kind: fc.constant('bonus' as const), m: anyMember }),
    );
    type Step = typeof step extends fc.Arbitrary<infer T> ? T : never;
    type Cut = typeof cut extends fc.Arbitrary<infer T> ? T : never;
    const program = fc.array(fc.tuple(step, fc.integer({ min: 0, max: 200 })), { minLength: 1, maxLength: 25 });
    await fc.assert(
      fc.asyncProperty(
        program,
        program,
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), cut), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        async (progA, progB, cuts, renamed) => {
          const t = await startHq();
          try {
            if (renamed) {
              const r = await operator(t, 'POST', '/v1/rulesets', {
                ...DEFAULT_RULE_SET_INPUT,
                version: 2,
                tiers: RENAMED_TIERS,
              });
              expect(r.status).toBe(201);
            }
            const tills = [await provision(t, 'S1', 'A'), await provision(t, 'S2', 'B')];
            const birthdays = new Map<string, string | null>();
            for (const [ti, prog] of [progA, progB].entries()) {
              const till = tills[ti] as TillSim;
              const names = [`${till.tillId}M0`, `${till.tillId}M1`, 'S0', 'S1'];
              const enrolled = new Set<string>();
              let minute = 0;
              for (const [o, gap] of prog) {
                minute += gap;
                const m = names[o.m] as string;
                if (!enrolled.has(m) && o.m < 3) {
                  // Enrolled where first seen: a shared member joins the second till's chain late.
                  const birthday = o.m === 0 ? localDate(at(0), till.rs.timeZone).date.slice(5) : null;
                  till.enrol(m, at(minute), { birthday });
                  birthdays.set(m, birthday);
                  enrolled.add(m);
                }
                const when = at(minute);
                switch (o.kind) {
                  case 'sale': {
                    const redeem = o.redeem <= till.state(m).balance && o.redeem * 2 <= o.price ? o.redeem : 0;
                    till.sale(m, o.price, when, { redeem, inflate: o.inflate });
                    break;
                  }
                  case 'tier':
                    till.append(m, 'tier', 0, when, {
                      data: { fromTier: till.state(m).tier, toTier: o.to, reason: 'threshold' },
                    });
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

            const sent = [0, 0];
            for (const [ti, c] of cuts) {
              const till = tills[ti] as TillSim;
              const from = (sent[ti] as number) + 1;
              if (from > till.headSeq) continue;
              const to = await uploadCut(t, till, from, c);
              if (c.settle) await t.hq.store.settle();
              sent[ti] = to;
            }
            for (const till of tills) expect((await upload(t, till, till.batch(1))).status).toBe(200);
            const got = await tables(t);

            const firstTier = lowestTier(DEFAULT_RULE_SET).code;
            const asHq = (e: LedgerEntry): HqEntry => ({ ...e, sortMs: 0 });
            const wantSales = tills
              .flatMap((till) =>
                (till.batch(1).sales ?? []).map((sale) => {
                  const m = sale.memberNo as string;
                  const own = till.entries.filter((e) => e.saleId === sale.saleId && e.memberNo === m);
                  const first = own[0] as LedgerEntry;
                  const view = foldHq(
                    emptyState(m, firstTier),
                    till.entries.filter((e) => e.memberNo === m && e.seq < first.seq).map(asHq),
                  );
                  const c = checkSale({
                    sale,
                    ruleSet: DEFAULT_RULE_SET,
                    saleEntries: own,
                    tillView: view,
                    birthday: birthdays.get(m),
                  });
                  return {
                    till_id: till.tillId,
                    sale_id: sale.saleId,
                    recomputed_points: c.recomputedPoints,
                    recomputed_bonus: c.recomputedBonus,
                    mismatch: c.mismatch ? 1 : 0,
                    check_note: c.note,
                  };
                }),
              )
              .sort((a, b) =>
                a.till_id !== b.till_id ? (a.till_id < b.till_id ? -1 : 1) : a.sale_id < b.sale_id ? -1 : 1,
              );
            expect(got.sales).toEqual(wantSales);

            // Head office's own entries (upgrades on the spend of both tills) are part of the merged ledger.
            const merged = [
              ...tills.flatMap((till) => withSortKeys(till.entries, 0)),
              ...(await headOfficeEntries(t)),
            ].sort(compareKeys);
            const wantStates = [...new Set(merged.map((e) => e.memberNo))].sort().map((m) => {
              const state = foldHq(
                emptyState(m, renamed ? 'basic' : firstTier),
                merged.filter((e) => e.memberNo === m),
              );
              return { member_no: m, balance: state.balance, tier: state.tier, state: JSON.stringify(state) };
            });
            expect(got.states).toEqual(wantStates);
          } finally {
            await t.close();
          }
        },
      ),
      {
        numRuns: Number(process.env.INGEST_RUNS ?? 30),
        examples: [
          [
            // The view kept after a batch reaches exactly its end: the next batch (a resend that
            // applies the inbox first) must neither fold an entry into it twice nor lose the link.
            ([116_600, 112_500, 153_500] as const).map((price): [Step, number] => [
              { kind: 'sale', m: 1, price, redeem: 0, inflate: 3 },
              0,
            ]),
            [[{ kind: 'sale', m: 0, price: 0, redeem: 0, inflate: 0 }, 0]],
            [[0, { size: 2, records: 0, forget: 0, settle: false }]],
            false,
          ],
          [
            // Another first tier, and the caches lost between a member's batches: the view the
            // next sale needs is rebuilt from the chain and must not be taken for the merged state.
            [0, 1, 2].map((): [Step, number] => [{ kind: 'sale', m: 3, price: 10_000, redeem: 0, inflate: 0 }, 1]),
            [[{ kind: 'bonus', m: 0 }, 1]],
            ([0, 2, 0] as const).map((forget): [number, Cut] => [0, { size: 1, records: 0, forget, settle: true }]),
            true,
          ],
        ],
      },
    );
  }, 120_000);
});
