/**
 * Audit of DOMAIN.md 3 step 7 (the daily cap, `perMemberDailyMax`) and 12 ("Late sales") against
 * the code:
 *
 *   "occurredAt older than lateSaleMaxDays (default 30) is refused (occurred_too_long_ago). A
 *   sale dated on an earlier local day than the day it is recorded counts against its own day's
 *   cap as usual and also against a late budget of perMemberDailyMax per member per day of
 *   recording, so backdating can never mint more than one extra cap a day, while a POS that
 *   delivers yesterday's sales this morning still earns its members their points."
 *
 * Readings from docs/decisions.md where DOMAIN.md is silent: "days" are local dates in the rule
 * set's time zone, a sale more than lateSaleMaxDays local days before the till's date is refused
 * ("Time"); caps count sale points granted, gross: a return frees no cap room ("Earning").
 *
 * `refLate` below is written from that text alone: its own calendar (test/helpers/ref-calendar.ts,
 * no Date, no Intl), its own instants (fixed offsets: Asia/Shanghai has had no daylight saving
 * since 1991), its own bookkeeping of granted points per own day and per day of recording. It is
 * compared with the code twice:
 * - the till's decision path without its database: core/ledger/state.ts applyEntry (the fold),
 *   core/engine/decide.ts memberContextFor (capUsed) and core/engine/earn.ts computeEarn, the
 *   entries built as main/service/sales.ts recordSale builds them;
 * - a real till (test/helpers/till.ts) through POST /v1/sales, refusals included.
 * Boundaries: exactly lateSaleMaxDays ago in Asia/Shanghai and in UTC near midnight, the 35 days
 * of earnings the state keeps (EARNED_DAYS_KEPT), a sale dated just after midnight by a POS clock
 * a few minutes ahead, returns of late sales, head office's check of the same limit.
 *
 * `it.fails` marks a test that exposes a real discrepancy (the test states what DOMAIN.md
 * requires; the code does otherwise). Each carries a comment naming the discrepancy.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dateOfDayNumber as fromSerial, dayNumber as toSerial } from '../../test/helpers/ref-calendar.js';
import { enrolRequest, foodLine, startTill, type TestTill } from '../../test/helpers/till.js';
import { timingFlags } from '../../headoffice/domain/recompute.js';
import { memberContextFor } from './decide.js';
import { computeEarn } from './earn.js';
import type { LedgerEntry } from '../ledger/entry.js';
import { applyEntry, EARNED_DAYS_KEPT, emptyState, type MemberState } from '../ledger/state.js';
import { DEFAULT_RULE_SET_INPUT } from '../ruleset/default.js';
import { parseRuleSet, type RuleSet, type RuleSetInput } from '../ruleset/schema.js';
import type { SaleRecord } from '../sync/protocol.js';
import { localDate } from '../time.js';

// ---------------------------------------------------------------------------------------------
// Reference: instants from local dates, and the caps of DOMAIN.md 3.7 and 12
// ---------------------------------------------------------------------------------------------

const ZONES = { 'Asia/Shanghai': 480, UTC: 0 } as const;
type Zone = keyof typeof ZONES;

/** The UTC instant of local `date` at `minute` past midnight, in a zone with a fixed offset. */
function refInstant(date: string, minute: number, zone: Zone, second = 0): string {
  const ms = ((toSerial(date) * 1440 + minute - ZONES[zone]) * 60 + second) * 1000;
  return new Date(ms).toISOString();
}

const refAddDays = (date: string, n: number): string => fromSerial(toSerial(date) + n);
const refDaysBetween = (a: string, b: string): number => toSerial(b) - toSerial(a);

interface RefConfig {
  cap: number | null;
  perTransaction: number | null;
  lateSaleMaxDays: number;
}

/** One sale as the reference sees it: its own local day, the local day it is recorded, its points before caps. */
interface RefSale {
  saleDay: string;
  recordedOn: string;
  raw: number;
}

type RefOutcome = { refused: true } | { refused: false; granted: number; late: boolean };

/** DOMAIN.md 3.7 + 12, in order of recording. */
function refLate(cfg: RefConfig, sales: readonly RefSale[]): RefOutcome[] {
  const ownDay = new Map<string, number>();
  const lateBudget = new Map<string, number>();
  return sales.map((s) => {
    const lateBy = refDaysBetween(s.saleDay, s.recordedOn);
    if (lateBy > cfg.lateSaleMaxDays) return { refused: true };
    let p = cfg.perTransaction === null ? s.raw : Math.min(s.raw, cfg.perTransaction);
    const late = lateBy > 0;
    if (cfg.cap !== null) {
      let left = cfg.cap - (ownDay.get(s.saleDay) ?? 0);
      if (late) left = Math.min(left, cfg.cap - (lateBudget.get(s.recordedOn) ?? 0));
      p = Math.min(p, Math.max(0, left));
    }
    ownDay.set(s.saleDay, (ownDay.get(s.saleDay) ?? 0) + p);
    if (late) lateBudget.set(s.recordedOn, (lateBudget.get(s.recordedOn) ?? 0) + p);
    return { refused: false, granted: p, late };
  });
}

/** The three sums DOMAIN.md 12 bounds, from what was granted. */
function sums(sales: readonly RefSale[], granted: readonly (number | null)[]) {
  const ownDay = new Map<string, number>();
  const lateOn = new Map<string, number>();
  const mintedOn = new Map<string, number>();
  sales.forEach((s, i) => {
    const g = granted[i];
    if (g === null || g === undefined) return;
    ownDay.set(s.saleDay, (ownDay.get(s.saleDay) ?? 0) + g);
    if (s.recordedOn > s.saleDay) lateOn.set(s.recordedOn, (lateOn.get(s.recordedOn) ?? 0) + g);
    mintedOn.set(s.recordedOn, (mintedOn.get(s.recordedOn) ?? 0) + g);
  });
  return { ownDay, lateOn, mintedOn };
}

// ---------------------------------------------------------------------------------------------
// The code's decision path without the database (as main/service/sales.ts recordSale)
// ---------------------------------------------------------------------------------------------

function rules(overrides: Partial<RuleSetInput> & { cap?: number | null; perTransaction?: number | null }): RuleSet {
  const { cap, perTransaction, ...rest } = overrides;
  return parseRuleSet({
    ...DEFAULT_RULE_SET_INPUT,
    ...rest,
    earn: {
      ...DEFAULT_RULE_SET_INPUT.earn,
      ...(cap !== undefined ? { perMemberDailyMax: cap } : {}),
      ...(perTransaction !== undefined ? { perTransactionMax: perTransaction } : {}),
    },
  });
}

interface CodeSale {
  occurredAt: string;
  recordedAt: string;
  /** fen of one food line: at Ordinary, base 1 point per yuan, floor(fen / 100) points before caps */
  fen: number;
}

let seq = 0;

/** Folds one recorded sale into the state exactly as recordSale writes its earn entry. */
function recordInModel(rs: RuleSet, state: MemberState, s: CodeSale): { state: MemberState; points: number } {
  const saleDay = localDate(s.occurredAt, rs.timeZone).date;
  const recordedOn = localDate(s.recordedAt, rs.timeZone).date;
  const member = memberContextFor(rs, state, { birthday: null, saleDay, recordedOn });
  const r = computeEarn(rs, {
    lines: [{ sku: 'A', category: 'food', quantity: 1, unitPrice: s.fen, discount: 0 }],
    basketDiscount: 0,
    pointsRedeemed: 0,
    occurredAt: s.occurredAt,
    member,
  });
  seq += 1;
  const entry: LedgerEntry = {
    tillId: 't1',
    seq,
    memberNo: state.memberNo,
    kind: 'earn',
    points: r.points,
    spend: 0, // keeps the member at Ordinary: the caps are what is audited here
    occurredAt: s.occurredAt,
    localDate: saleDay,
    expiresOn: null,
    saleId: `S${seq}`,
    returnId: null,
    data: recordedOn > saleDay ? { recordedOn } : {},
    prevHash: '',
    hash: '',
  };
  return { state: applyEntry(state, entry), points: r.points };
}

function codeRun(rs: RuleSet, sales: readonly CodeSale[]): number[] {
  let state = emptyState('M1', 'ordinary');
  return sales.map((s) => {
    const r = recordInModel(rs, state, s);
    state = r.state;
    return r.points;
  });
}

// ---------------------------------------------------------------------------------------------
// Generators: one member's sales in order of recording, own days up to `maxLate` back
// ---------------------------------------------------------------------------------------------

interface GenSale {
  /** days after the first recording day (non-decreasing along the sequence) */
  recordedDay: number;
  recordedMinute: number;
  lateDays: number;
  saleMinute: number;
  yuan: number;
}

/** Minutes near midnight are the interesting ones: the local day differs from the UTC day there. */
const minuteArb = fc.oneof(
  fc.integer({ min: 0, max: 1439 }),
  fc.constantFrom(0, 1, 479, 480, 481, 959, 960, 1438, 1439),
);

function salesArb(maxLate: number, maxSales: number): fc.Arbitrary<GenSale[]> {
  return fc
    .array(
      fc.record({
        step: fc.integer({ min: 0, max: 2 }),
        recordedMinute: minuteArb,
        lateDays: fc.oneof(fc.integer({ min: 0, max: maxLate }), fc.constantFrom(0, Math.min(1, maxLate), maxLate)),
        saleMinute: minuteArb,
        yuan: fc.oneof(fc.integer({ min: 0, max: 150 }), fc.constantFrom(0, 1, 50, 100, 101)),
      }),
      { minLength: 1, maxLength: maxSales },
    )
    .map((xs) => {
      let day = 0;
      let lastMinute = -1;
      return xs.map((x) => {
        if (x.step > 0) lastMinute = -1;
        day += x.step;
        // recording instants never go back; an on-time sale never closes after it is recorded
        const recordedMinute = Math.max(x.recordedMinute, lastMinute);
        lastMinute = recordedMinute;
        const saleMinute = x.lateDays === 0 ? Math.min(x.saleMinute, recordedMinute) : x.saleMinute;
        return { recordedDay: day, recordedMinute, lateDays: x.lateDays, saleMinute, yuan: x.yuan };
      });
    });
}

function materialise(start: string, zone: Zone, xs: readonly GenSale[]): { code: CodeSale[]; ref: RefSale[] } {
  const code: CodeSale[] = [];
  const ref: RefSale[] = [];
  for (const x of xs) {
    const recordedOn = refAddDays(start, x.recordedDay);
    const saleDay = refAddDays(recordedOn, -x.lateDays);
    code.push({
      occurredAt: refInstant(saleDay, x.saleMinute, zone),
      recordedAt: refInstant(recordedOn, x.recordedMinute, zone, 30),
      fen: x.yuan * 100,
    });
    ref.push({ saleDay, recordedOn, raw: x.yuan });
  }
  return { code, ref };
}

// ---------------------------------------------------------------------------------------------

describe('audit: the daily cap with late sales, on the decision path (DOMAIN.md 3.7, 12)', () => {
  it('hand example: yesterday’s sales delivered this morning still earn; backdating mints at most one extra cap', () => {
    const rs = rules({}); // default programme: 5,000 points a day, Ordinary ×1
    const Y = '2025-06-09';
    const T = '2025-06-10';
    const at = (d: string, hhmm: string): string => new Date(`${d}T${hhmm}:00+08:00`).toISOString();
    const sales: CodeSale[] = [
      { occurredAt: at(Y, '15:00'), recordedAt: at(Y, '15:00'), fen: 300_000 }, // on time: 3,000
      { occurredAt: at(Y, '19:00'), recordedAt: at(T, '08:00'), fen: 150_000 }, // late: 1,500 (Y: 4,500)
      { occurredAt: at(Y, '20:00'), recordedAt: at(T, '08:01'), fen: 100_000 }, // late: 500, Y's cap
      { occurredAt: at('2025-06-08', '12:00'), recordedAt: at(T, '08:02'), fen: 400_000 }, // late: 3,000, T's late budget
      { occurredAt: at('2025-06-07', '12:00'), recordedAt: at(T, '08:03'), fen: 10_000 }, // late budget spent: 0
      { occurredAt: at(T, '09:00'), recordedAt: at(T, '09:00'), fen: 600_000 }, // on time: T's own cap, 5,000
      { occurredAt: at(T, '10:00'), recordedAt: at(T, '10:00'), fen: 100 }, // T's own cap spent: 0
    ];
    expect(codeRun(rs, sales)).toEqual([3000, 1500, 500, 3000, 0, 5000, 0]);
    // recorded on T: 5,000 late + 5,000 on time = 2 × cap, never more
  });

  it('grants exactly what the reference grants, for any order of on-time and late sales (Shanghai and UTC)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Zone>('Asia/Shanghai', 'UTC'),
        fc.oneof(fc.integer({ min: 1, max: 200 }), fc.constantFrom(100, null)),
        fc.oneof(fc.constant(null), fc.integer({ min: 1, max: 150 })),
        fc
          .integer({ min: 0, max: EARNED_DAYS_KEPT - 1 })
          .chain((maxLate) => fc.tuple(fc.constant(maxLate), salesArb(maxLate, 14))),
        (zone, cap, perTransaction, [maxLate, gen]) => {
          const rs = rules({ timeZone: zone, lateSaleMaxDays: maxLate, cap, perTransaction });
          const { code, ref } = materialise('2025-03-01', zone, gen);
          const expected = refLate({ cap, perTransaction, lateSaleMaxDays: maxLate }, ref);
          expect(expected.every((e) => !e.refused)).toBe(true);
          const got = codeRun(rs, code);
          expect(got).toEqual(expected.map((e) => (e.refused ? null : e.granted)));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('own day ≤ cap; late points recorded on a day ≤ cap; points minted on a recording day ≤ 2 × cap', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 120 }),
        fc.integer({ min: 0, max: 35 }).chain((maxLate) => fc.tuple(fc.constant(maxLate), salesArb(maxLate, 20))),
        (cap, [maxLate, gen]) => {
          const rs = rules({ lateSaleMaxDays: maxLate, cap });
          const { code, ref } = materialise('2025-10-20', 'Asia/Shanghai', gen);
          const got = codeRun(rs, code);
          const { ownDay, lateOn, mintedOn } = sums(ref, got);
          for (const v of ownDay.values()) expect(v).toBeLessThanOrEqual(cap);
          for (const v of lateOn.values()) expect(v).toBeLessThanOrEqual(cap);
          for (const v of mintedOn.values()) expect(v).toBeLessThanOrEqual(2 * cap);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('no over-restriction: a late sale to a day with room, on a day with late budget left, earns in full', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 4999 }),
        fc.integer({ min: 0, max: 4999 }),
        (lateBy, ownUsed, budgetUsed) => {
          const rs = rules({});
          const R = '2025-08-31';
          const X = refAddDays(R, -lateBy);
          // the late budget was used by a sale dated another day (one day further back, or nearer)
          const other = refAddDays(R, lateBy < 30 ? -lateBy - 1 : -lateBy + 1);
          const sales: CodeSale[] = [
            {
              occurredAt: refInstant(X, 600, 'Asia/Shanghai'),
              recordedAt: refInstant(X, 600, 'Asia/Shanghai'),
              fen: ownUsed * 100,
            },
            {
              occurredAt: refInstant(other, 600, 'Asia/Shanghai'),
              recordedAt: refInstant(R, 60, 'Asia/Shanghai'),
              fen: budgetUsed * 100,
            },
            {
              occurredAt: refInstant(X, 700, 'Asia/Shanghai'),
              recordedAt: refInstant(R, 61, 'Asia/Shanghai'),
              fen: 500_000,
            },
          ];
          const got = codeRun(rs, sales);
          expect(got[2]).toBe(Math.min(5000 - ownUsed, 5000 - budgetUsed));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('with the default lateSaleMaxDays 30, a sale 30 days late still sees its own day, even after a sale dated tomorrow', () => {
    // A POS clock a few minutes ahead dates a sale just after midnight (main/service/sales.ts
    // allows 10 minutes): the newest day in the state is then tomorrow.
    const rs = rules({ cap: 100 });
    const X = '2025-03-01';
    const R = refAddDays(X, 30);
    const got = codeRun(rs, [
      { occurredAt: refInstant(X, 720, 'Asia/Shanghai'), recordedAt: refInstant(X, 720, 'Asia/Shanghai'), fen: 10_000 },
      { occurredAt: refInstant(R, 1435, 'Asia/Shanghai'), recordedAt: refInstant(R, 1435, 'Asia/Shanghai'), fen: 100 },
      {
        occurredAt: refInstant(refAddDays(R, 1), 4, 'Asia/Shanghai'),
        recordedAt: refInstant(R, 1436, 'Asia/Shanghai'),
        fen: 100,
      },
      {
        occurredAt: refInstant(X, 1000, 'Asia/Shanghai'),
        recordedAt: refInstant(R, 1437, 'Asia/Shanghai'),
        fen: 10_000,
      },
    ]);
    expect(got).toEqual([100, 1, 1, 0]);
  });

  // Was a DISCREPANCY (fixed in the twenty-second session: the state now holds the newest day
  // and the 35 before it): DOMAIN.md 12 "a sale dated on an earlier local day ... counts against its own
  // day's cap as usual". The rule set allows lateSaleMaxDays up to 35 (core/ruleset/schema.ts;
  // docs/decisions.md "Time": "at most 35 so the daily-cap window still holds its day"), but the
  // state keeps earnings of the EARNED_DAYS_KEPT = 35 days ending on the newest day it holds, i.e.
  // newest − 34 .. newest (core/ledger/state.ts addEarned keeps `on > newest − 35`). Once the
  // member has any sale recorded for today, the day 35 days back is gone, and a sale dated that
  // day finds its own day's cap unused: up to one more full cap on a day that already had one.
  it('lateSaleMaxDays 35: a sale dated 35 days back still counts against its own day’s cap', () => {
    const rs = rules({ lateSaleMaxDays: 35, cap: 100 });
    const X = '2025-03-01';
    const R = refAddDays(X, 35); // 2025-04-05
    expect(R).toBe('2025-04-05');
    const got = codeRun(rs, [
      { occurredAt: refInstant(X, 720, 'Asia/Shanghai'), recordedAt: refInstant(X, 720, 'Asia/Shanghai'), fen: 10_000 },
      { occurredAt: refInstant(R, 600, 'Asia/Shanghai'), recordedAt: refInstant(R, 600, 'Asia/Shanghai'), fen: 100 },
      {
        occurredAt: refInstant(X, 1080, 'Asia/Shanghai'),
        recordedAt: refInstant(R, 605, 'Asia/Shanghai'),
        fen: 10_000,
      },
    ]);
    expect(got).toEqual([100, 1, 0]); // was [100, 1, 100]: 200 points on 2025-03-01, cap 100
  });

  it('control: without the on-time sale of the recording day, the same late sale is capped', () => {
    const rs = rules({ lateSaleMaxDays: 35, cap: 100 });
    const X = '2025-03-01';
    const R = refAddDays(X, 35);
    const got = codeRun(rs, [
      { occurredAt: refInstant(X, 720, 'Asia/Shanghai'), recordedAt: refInstant(X, 720, 'Asia/Shanghai'), fen: 10_000 },
      {
        occurredAt: refInstant(X, 1080, 'Asia/Shanghai'),
        recordedAt: refInstant(R, 605, 'Asia/Shanghai'),
        fen: 10_000,
      },
    ]);
    expect(got).toEqual([100, 0]);
  });
});

// ---------------------------------------------------------------------------------------------
// Head office checks the same limit (headoffice/domain/recompute.ts timingFlags)
// ---------------------------------------------------------------------------------------------

function saleRecord(occurredAt: string, recordedAt: string): SaleRecord {
  return { occurredAt, recordedAt } as unknown as SaleRecord;
}

describe('audit: head office’s check of lateSaleMaxDays agrees with the till’s', () => {
  // Was a DISCREPANCY (fixed in the twenty-second session: head office counts local days, as the
  // till does, the receipt's day taken a clock skew earlier): DOMAIN.md 12 "Head office accepts a sale whose points are right for that state
  // and flags only sales that no known state justifies"; the till refuses a sale more than
  // lateSaleMaxDays *local days* before its own date (main/service/sales.ts refuseTooLate,
  // docs/decisions.md "Time"), but head office flags `late_sale` when more than
  // lateSaleMaxDays × 24 h separate occurredAt from its receipt (headoffice/domain/recompute.ts
  // timingFlags). A sale closed just after midnight 30 local days ago and uploaded at once late
  // in the evening is accepted by the till (30 days) and flagged by head office (30 d 23 h).
  it('a sale the till accepted 30 local days late, uploaded at once, is not flagged late_sale', () => {
    const rs = rules({});
    const occurredAt = new Date('2025-03-07T00:00:30+08:00').toISOString();
    const recordedAt = new Date('2025-04-06T23:59:00+08:00').toISOString();
    // the till's verdict, by the reference: 30 local days ≤ 30, accepted
    expect(refDaysBetween('2025-03-07', '2025-04-06')).toBe(30);
    const received = new Date('2025-04-06T23:59:20+08:00').toISOString();
    expect(timingFlags(saleRecord(occurredAt, recordedAt), rs, received)).toEqual([]); // was ['late_sale']
  });

  // The same discrepancy at lateSaleMaxDays 0 (allowed by the schema): the till takes every sale
  // of its own day, head office flags every sale it receives any time after it closed.
  it('lateSaleMaxDays 0: a sale of the same day, uploaded a minute later, is not flagged', () => {
    const rs = rules({ lateSaleMaxDays: 0 });
    const occurredAt = new Date('2025-04-06T10:00:00+08:00').toISOString();
    const received = new Date('2025-04-06T10:01:00+08:00').toISOString();
    expect(timingFlags(saleRecord(occurredAt, occurredAt), rs, received)).toEqual([]); // was ['late_sale']
  });

  it('a sale more than lateSaleMaxDays days late by either count is flagged', () => {
    const rs = rules({});
    const occurredAt = new Date('2025-03-05T12:00:00+08:00').toISOString();
    const received = new Date('2025-04-06T12:00:00+08:00').toISOString();
    expect(timingFlags(saleRecord(occurredAt, occurredAt), rs, received)).toContain('late_sale');
  });
});

// ---------------------------------------------------------------------------------------------
// A real till: POST /v1/sales
// ---------------------------------------------------------------------------------------------

const capped = (cap: number, more: Partial<RuleSetInput> = {}): Partial<RuleSetInput> => ({
  earn: { ...DEFAULT_RULE_SET_INPUT.earn, perMemberDailyMax: cap },
  ...more,
});

let saleNo = 0;
async function sell(
  t: TestTill,
  memberNo: string,
  recordedAt: string,
  occurredAt: string,
  fen: number,
): Promise<{ status: number; points: number | null; code: string | null; saleId: string }> {
  saleNo += 1;
  const saleId = `L${saleNo}`;
  t.clock.set(recordedAt);
  const r = await t.post('/v1/sales', { saleId, memberNo, occurredAt, lines: [foodLine(saleId, fen)] });
  return {
    status: r.status,
    points: r.status === 201 ? (r.body.pointsEarned as number) : null,
    code: r.status === 201 ? null : (r.body.error?.code ?? null),
    saleId,
  };
}

async function newMember(t: TestTill, at: string): Promise<string> {
  t.clock.set(at);
  const r = await t.post('/v1/members', enrolRequest());
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.memberNo as string;
}

describe('audit: late sales at a real till (Asia/Shanghai, cap 100 points, lateSaleMaxDays 30)', () => {
  let t: TestTill;
  let base = toSerial('2025-01-01');
  beforeAll(async () => {
    t = await startTill({ now: '2025-01-01T00:00:00Z', ruleSet: capped(100, { lateSaleMaxDays: 30 }) });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('every sale of a member is refused or granted exactly as the reference says', async () => {
    await fc.assert(
      fc.asyncProperty(salesArb(33, 9), async (gen) => {
        const start = fromSerial(base + 40); // the member enrols before the earliest own day
        base += 60; // each run later than the last: the till's clock never goes back
        const memberNo = await newMember(t, refInstant(fromSerial(toSerial(start) - 35), 0, 'Asia/Shanghai'));
        const { code, ref } = materialise(start, 'Asia/Shanghai', gen);
        const expected = refLate({ cap: 100, perTransaction: null, lateSaleMaxDays: 30 }, ref);
        const got: (number | null)[] = [];
        for (const [i, s] of code.entries()) {
          const r = await sell(t, memberNo, s.recordedAt, s.occurredAt, s.fen);
          const e = expected[i] as RefOutcome;
          if (e.refused) {
            expect([r.status, r.code]).toEqual([422, 'occurred_too_long_ago']);
            got.push(null);
          } else {
            expect(r.status, JSON.stringify(r)).toBe(201);
            expect(r.points).toBe(e.granted);
            got.push(r.points);
          }
        }
        const { ownDay, lateOn, mintedOn } = sums(ref, got);
        for (const v of ownDay.values()) expect(v).toBeLessThanOrEqual(100);
        for (const v of lateOn.values()) expect(v).toBeLessThanOrEqual(100);
        for (const v of mintedOn.values()) expect(v).toBeLessThanOrEqual(200);
      }),
      { numRuns: 25 },
    );
  });

  it('boundary: exactly 30 local days back is taken, 31 is refused, counted in Shanghai days not UTC days', async () => {
    // after every run of the property above (the till's clock only moves forward)
    const R = '2040-03-02'; // a leap year: 2040-01-31 is 31 days before, 2040-02-01 is 30
    expect(refAddDays(R, -30)).toBe('2040-02-01');
    const memberNo = await newMember(t, '2040-01-01T00:00:00Z');
    // recorded 2040-03-02 00:30 in Shanghai = 2040-03-01T16:30Z
    const now = refInstant(R, 30, 'Asia/Shanghai');
    expect(now).toBe('2040-03-01T16:30:00.000Z');
    const day30 = await sell(t, memberNo, now, refInstant('2040-02-01', 0, 'Asia/Shanghai'), 1000);
    expect([day30.status, day30.points]).toEqual([201, 10]);
    // 2040-01-31 23:59:59 in Shanghai is 2040-01-31T15:59:59Z: 30 days before in UTC dates, 31 in Shanghai
    const last = refInstant('2040-01-31', 1439, 'Asia/Shanghai', 59);
    expect(last).toBe('2040-01-31T15:59:59.000Z');
    const day31 = await sell(t, memberNo, now, last, 1000);
    expect([day31.status, day31.code]).toEqual([422, 'occurred_too_long_ago']);
  });

  it('returns: a returned late sale frees neither its own day’s cap nor the late budget (docs/decisions.md, gross)', async () => {
    const memberNo = await newMember(t, '2041-01-01T00:00:00Z');
    const sh = (d: string, hhmm: string): string => new Date(`${d}T${hhmm}:00+08:00`).toISOString();
    const X = '2041-06-10';
    const R = '2041-06-12';
    expect((await sell(t, memberNo, sh(X, '12:00'), sh(X, '12:00'), 10_000)).points).toBe(100);
    const l1 = await sell(t, memberNo, sh(R, '09:00'), sh('2041-06-11', '15:00'), 10_000);
    expect(l1.points).toBe(100); // own day 06-11 and R's late budget both full now
    t.clock.set(sh(R, '09:10'));
    const ret = await t.post('/v1/returns', {
      returnId: `RET-${l1.saleId}`,
      originalSaleId: l1.saleId,
      lines: [{ sku: l1.saleId, quantity: 1 }],
    });
    expect(ret.status, JSON.stringify(ret.body)).toBe(201);
    expect((await sell(t, memberNo, sh(R, '09:20'), sh('2041-06-11', '16:00'), 5000)).points).toBe(0);
    expect((await sell(t, memberNo, sh(R, '09:30'), sh('2041-06-09', '16:00'), 5000)).points).toBe(0);
    // the day's own cap is apart from its late budget
    expect((await sell(t, memberNo, sh(R, '10:00'), sh(R, '10:00'), 10_000)).points).toBe(100);
    // the next day has a fresh late budget; 06-09 has room
    expect((await sell(t, memberNo, sh('2041-06-13', '08:00'), sh('2041-06-09', '17:00'), 10_000)).points).toBe(100);
  });
});

describe('audit: the same instants at a till in UTC', () => {
  let t: TestTill;
  beforeAll(async () => {
    t = await startTill({
      now: '2030-01-01T00:00:00Z',
      ruleSet: capped(100, { lateSaleMaxDays: 30, timeZone: 'UTC' }),
    });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('recorded 2030-03-01T16:30Z: 2030-01-30T15:59:59Z is 30 UTC days back and taken; 01-29T23:59:59Z is refused', async () => {
    const memberNo = await newMember(t, '2030-01-01T00:00:00Z');
    const now = '2030-03-01T16:30:00.000Z';
    const a = await sell(t, memberNo, now, '2030-01-30T15:59:59.000Z', 1000);
    expect([a.status, a.points]).toEqual([201, 10]);
    const b = await sell(t, memberNo, now, '2030-01-30T00:00:00.000Z', 1000);
    expect([b.status, b.points]).toEqual([201, 10]);
    const c = await sell(t, memberNo, now, '2030-01-29T23:59:59.000Z', 1000);
    expect([c.status, c.code]).toEqual([422, 'occurred_too_long_ago']);
  });
});

describe('audit: lateSaleMaxDays 0 at a real till', () => {
  let t: TestTill;
  beforeAll(async () => {
    t = await startTill({ now: '2030-01-01T00:00:00Z', ruleSet: capped(100, { lateSaleMaxDays: 0 }) });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a sale of one second before local midnight is refused after it; one of the same local day is taken', async () => {
    const memberNo = await newMember(t, '2030-01-01T00:00:00Z');
    const now = new Date('2030-03-02T00:30:00+08:00').toISOString();
    const before = await sell(t, memberNo, now, new Date('2030-03-01T23:59:59+08:00').toISOString(), 1000);
    expect([before.status, before.code]).toEqual([422, 'occurred_too_long_ago']);
    const same = await sell(t, memberNo, now, new Date('2030-03-02T00:00:00+08:00').toISOString(), 1000);
    expect([same.status, same.points]).toEqual([201, 10]);
  });
});

describe('audit: lateSaleMaxDays 35 at a real till (cap 100)', () => {
  let t: TestTill;
  beforeAll(async () => {
    t = await startTill({ now: '2025-02-01T00:00:00Z', ruleSet: capped(100, { lateSaleMaxDays: 35 }) });
  });
  afterAll(async () => {
    await t?.close();
  });

  // Was a DISCREPANCY (as above, through POST /v1/sales; fixed): EARNED_DAYS_KEPT = 35 held one day fewer
  // than lateSaleMaxDays 35 reaches back. 2025-03-01 earns its cap (100) on the day; on
  // 2025-04-05 the member buys something on time, then the POS delivers a sale dated 2025-03-01:
  // DOMAIN.md 12 says it counts against 2025-03-01's cap (0 points); the till grants 100.
  it('a sale 35 days late counts against its own day’s cap after an on-time sale that day', async () => {
    const memberNo = await newMember(t, '2025-02-01T00:00:00Z');
    const sh = (d: string, hhmm: string): string => new Date(`${d}T${hhmm}:00+08:00`).toISOString();
    expect((await sell(t, memberNo, sh('2025-03-01', '12:00'), sh('2025-03-01', '12:00'), 10_000)).points).toBe(100);
    expect((await sell(t, memberNo, sh('2025-04-05', '10:00'), sh('2025-04-05', '10:00'), 100)).points).toBe(1);
    const late = await sell(t, memberNo, sh('2025-04-05', '10:05'), sh('2025-03-01', '18:00'), 10_000);
    expect(late.status).toBe(201);
    expect(late.points).toBe(0); // was 100
  });
});
