/**
 * Audit of DOMAIN.md 8 (segments and lifecycle) and 9 (programme measures) against references
 * written from the rule book's text alone, plus docs/decisions.md where DOMAIN.md is silent.
 * Nothing here imports the code's date helpers or rounding into a reference: dates are civil
 * day numbers (Hinnant's algorithm), Asia/Shanghai is UTC+8 (no DST since 1991), shares are
 * integer arithmetic.
 *
 * The readings used where DOMAIN.md is silent (and where they are written down):
 * - "active member" = a sale on a local date after D − 12 months up to D (decisions.md
 *   "Programme measures that add up": classes rank the active members; "Tiers": the window).
 * - An active member with no qualifying spend ranks last and counts in n; members not active
 *   are D (decisions.md "Classes rank the active members").
 * - Shares of tiny populations: cumulative ceil(20 %, 50 %, 80 % of n); equal spend ordered
 *   by member number (core/segments.ts header only: NOT in docs/decisions.md).
 * - Lifecycle: dormant counted on the 180th day without a sale (decisions.md "Churn"); at risk
 *   on the 90th likewise; "new" = first sale within the last 90 days, a member with no sale new
 *   for 90 days after enrolment (decisions.md "Lifecycle and classes"); the exact boundary of
 *   "new" (day 90 = active) is not written down: read as the same 90 days as "at risk".
 * - RFM quintile: 5 − ⌊5·b/n⌋, b = members strictly better (headoffice/README.md, core/rfm.ts).
 * - Measures: decisions.md "Read models and the overview" (repurchase), "Programme measures that
 *   add up" (issued / redeemed / expired, liability, average spend), headoffice/README.md
 *   (breakage = expired / issued, purchase frequency = member sales / buying members).
 */
import fc from 'fast-check';
import { dateOfDayNumber as dateOf, dayNumber as dayNo } from '../../test/helpers/ref-calendar.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  dailySeries,
  pointsExpired,
  pointsIssued,
  pointsRedeemed,
  ratio,
  staffMeasures,
  totals,
  type SaleRow,
} from '../../core/analytics.js';
import { computeEarn } from '../../core/engine/earn.js';
import { hasActiveWinBack } from '../../core/engine/promotions.js';
import { redemptionValue } from '../../core/engine/redeem.js';
import { emptyState, rollingSpend, type MemberState } from '../../core/ledger/state.js';
import { repurchase } from '../../core/overview.js';
import { quintileScores, scoreMembers, type RfmInput } from '../../core/rfm.js';
import { DEFAULT_RULE_SET, DEFAULT_RULE_SET_INPUT } from '../../core/ruleset/default.js';
import { parseRuleSet } from '../../core/ruleset/schema.js';
import { assignClasses, isActive, lifecycle, type Lifecycle, type MemberClass } from '../../core/segments.js';
import { localDate } from '../../core/time.js';
import { provision, startHq, uploadAll, type TestHq } from '../test-helpers.js';
import { winBackDue, winBackUntil } from './decisions.js';

// ---------------------------------------------------------------------------------------------
// Reference calendar (independent of core/time.ts)

const DAY_MS = 86_400_000;
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

const plus = (date: string, days: number): string => dateOf(dayNo(date) + days);
const between = (a: string, b: string): number => dayNo(b) - dayNo(a);
const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const monthLength = (y: number, m: number): number =>
  [31, isLeap(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1] as number;

/** The same date `months` later (or earlier), clamped to the month's last day (DOMAIN.md 7). */
function shiftMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const i = y * 12 + (m - 1) + months;
  const ny = Math.floor(i / 12);
  const nm = (i % 12) + 1;
  return `${pad(ny, 4)}-${pad(nm)}-${pad(Math.min(d, monthLength(ny, nm)))}`;
}

/** DOMAIN.md 1: "day" in the store's zone. Asia/Shanghai is UTC+8 all year. */
const shanghaiDate = (instant: string): string => dateOf(Math.floor((Date.parse(instant) + 8 * 3_600_000) / DAY_MS));

/** Rolling 12 months at D: local dates after D − 12 months, up to D. */
const inWindow = (today: string, d: string): boolean => d > shiftMonths(today, -12) && d <= today;

// ---------------------------------------------------------------------------------------------
// Reference section 8

interface Ranked {
  memberNo: string;
  spend: number;
  active: boolean;
}

/** A top 20 %, B next 30 %, C next 30 %, D the rest (cumulative ceil), among active members. */
function refClasses(ms: readonly Ranked[]): Map<string, MemberClass> {
  const ranked = ms
    .filter((m) => m.active)
    .sort((a, b) =>
      a.spend !== b.spend
        ? a.spend > b.spend
          ? -1
          : 1
        : a.memberNo < b.memberNo
          ? -1
          : a.memberNo > b.memberNo
            ? 1
            : 0,
    );
  const n = ranked.length;
  const ceilPct = (p: number): number => Math.floor((n * p + 99) / 100);
  const out = new Map<string, MemberClass>();
  ranked.forEach((m, i) =>
    out.set(m.memberNo, i < ceilPct(20) ? 'A' : i < ceilPct(50) ? 'B' : i < ceilPct(80) ? 'C' : 'D'),
  );
  for (const m of ms) if (!out.has(m.memberNo)) out.set(m.memberNo, 'D');
  return out;
}

function refLifecycle(
  today: string,
  m: { firstSaleOn: string | null; lastSaleOn: string | null; enrolledOn: string | null },
): Lifecycle {
  const since = m.lastSaleOn ?? m.enrolledOn;
  const idle = since === null ? Infinity : between(since, today);
  if (idle >= 180) return 'dormant'; // "no sale for 180 days"
  if (idle >= 90) return 'at_risk'; // "no sale for 90 days"
  if (m.firstSaleOn === null) return 'new'; // enrolled within 90 days, nothing bought yet
  return between(m.firstSaleOn, today) < 90 ? 'new' : 'active';
}

/** Quintile score: 5 − ⌊5·b/n⌋, b = values strictly better. */
function refScores(values: readonly number[], higherIsBetter: boolean): number[] {
  const n = values.length;
  return values.map((v) => {
    const b = values.filter((w) => (higherIsBetter ? w > v : w < v)).length;
    return 5 - Math.floor((5 * b) / n);
  });
}

// ---------------------------------------------------------------------------------------------
// Reference section 9

/** a / b rounded half up to four decimals, exactly (non-negative a, positive b). */
function refRatio(a: number, b: number): number | null {
  if (b === 0) return null;
  const q = (2n * BigInt(a) * 10_000n + BigInt(b)) / (2n * BigInt(b));
  return Number(q) / 10_000;
}

const CREDITS = ['earn', 'bonus', 'restore', 'adjust_credit'];
const DEBITS = ['redeem', 'reward', 'reverse', 'expire', 'adjust_debit'];

function refFlows(entries: readonly { kind: string; points: number }[]): {
  issued: number;
  redeemed: number;
  expired: number;
} {
  let issued = 0;
  let redeemed = 0;
  let expired = 0;
  for (const e of entries) {
    if (e.kind === 'earn' || e.kind === 'bonus' || e.kind === 'adjust_credit') issued += e.points;
    if (e.kind === 'adjust_debit' || e.kind === 'reverse') issued -= e.points;
    if (e.kind === 'redeem' || e.kind === 'reward') redeemed += e.points;
    if (e.kind === 'restore') redeemed -= e.points;
    if (e.kind === 'expire') expired += e.points;
  }
  return { issued, redeemed, expired };
}

/** DOMAIN.md 4: 100 points = ¥1 (fen = points), Diamond +20 %, rounded down to the fen. */
function refPointsValue(tier: string, points: number): number {
  const bonusMilli = tier === 'diamond' ? 200n : 0n;
  return Number((BigInt(points) * 100n * (1000n + bonusMilli)) / (100n * 1000n));
}

// ---------------------------------------------------------------------------------------------
// Generators

const TODAYS = ['2025-06-30', '2024-02-29', '2025-02-28', '2025-03-01', '2024-12-31', '2026-01-01', '2024-03-01'];
/** days back, biased to the 90 / 180 / 12-month boundaries */
const daysBack = fc.oneof(
  fc.constantFrom(0, 1, 88, 89, 90, 91, 179, 180, 181, 364, 365, 366, 367),
  fc.integer({ min: 0, max: 800 }),
);
/** spend with many ties and zeros (fen) */
const amount = fc.constantFrom(0, 0, 100, 500, 500, 1_000, 12_345);

interface History {
  memberNo: string;
  enrolledBack: number | null;
  sales: { back: number; amount: number }[];
}

const histories = fc
  .array(
    fc.record({
      enrolledBack: fc.option(daysBack, { nil: null, freq: 6 }),
      sales: fc.array(fc.record({ back: daysBack, amount }), { maxLength: 4 }),
    }),
    { maxLength: 12 },
  )
  .map((ms): History[] => ms.map((m, i) => ({ memberNo: `2${pad(i + 1, 12)}`, ...m })));

interface Derived {
  input: RfmInput;
  active: boolean;
}

function derive(today: string, h: History): Derived {
  const dates = h.sales.map((s) => ({ on: plus(today, -s.back), amount: s.amount }));
  const sorted = dates.map((d) => d.on).sort();
  const inside = dates.filter((d) => inWindow(today, d.on));
  return {
    input: {
      memberNo: h.memberNo,
      tier: 'ordinary',
      enrolledOn: h.enrolledBack === null ? null : plus(today, -h.enrolledBack),
      firstSaleOn: sorted[0] ?? null,
      lastSaleOn: sorted[sorted.length - 1] ?? null,
      sales12: inside.length,
      spend12: inside.reduce((a, d) => a + d.amount, 0),
    },
    active: inside.length > 0,
  };
}

// ---------------------------------------------------------------------------------------------

describe('DOMAIN.md 8: A/B/C/D by rolling 12-month spend rank among active members', () => {
  const cls = (spends: number[], active?: boolean[]): string =>
    [
      ...assignClasses(
        spends.map((s, i) => ({ memberNo: `M${pad(i + 1)}`, rollingSpend: s, active: active?.[i] ?? true })),
      ).entries(),
    ]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([, c]) => c)
      .join('');

  it('tiny populations where 20 % rounds (cumulative ceil of 20 / 50 / 80 %)', () => {
    expect(cls([100])).toBe('A');
    expect(cls([200, 100])).toBe('AC'); // 2: A 1, B none (ceil(1.0) = 1), C up to ceil(1.6) = 2
    expect(cls([300, 200, 100])).toBe('ABC');
    expect(cls([400, 300, 200, 100])).toBe('ABCC');
    expect(cls([500, 400, 300, 200, 100])).toBe('ABBCD');
    expect(cls([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toBe('AABBBCCCDD'); // exactly 20 / 30 / 30 / 20
    expect(cls([])).toBe('');
  });

  it('ties in spend are broken by member number; zero spend ranks last but counts; inactive members are D', () => {
    expect(cls([100, 100, 100, 100, 100])).toBe('ABBCD');
    // five active (one with no qualifying spend), one inactive with no spend: n = 5
    expect(cls([0, 700, 700, 50, 10, 0], [true, true, true, true, true, false])).toBe('DABBCD');
  });

  it('matches the reference over adversarial populations (ties, zeros, 0-12 members)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ spend: amount, active: fc.boolean() }), { maxLength: 12 }),
        fc.array(fc.nat({ max: 40 }), { maxLength: 12 }),
        (ms, order) => {
          // member numbers deliberately not in input order
          const pop = ms.map((m, i) => ({ memberNo: `M${pad((order[i] ?? 0) * 100 + i, 5)}`, ...m }));
          const got = assignClasses(
            pop.map((m) => ({ memberNo: m.memberNo, rollingSpend: m.spend, active: m.active })),
          );
          expect(Object.fromEntries(got)).toEqual(Object.fromEntries(refClasses(pop)));
          // the shares: A is exactly ceil(20 % of n)
          const n = pop.filter((m) => m.active).length;
          expect([...got.values()].filter((c) => c === 'A').length).toBe(Math.floor((n * 20 + 99) / 100));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('"active" is a sale after the day 12 months back (Feb 29 clamps to Feb 28)', () => {
    expect(isActive('2024-02-29', '2023-02-28')).toBe(false);
    expect(isActive('2024-02-29', '2023-03-01')).toBe(true);
    expect(isActive('2025-02-28', '2024-02-28')).toBe(false);
    expect(isActive('2025-02-28', '2024-02-29')).toBe(true);
    fc.assert(
      fc.property(fc.constantFrom(...TODAYS), daysBack, (today, back) => {
        const last = plus(today, -back);
        expect(isActive(today, last)).toBe(inWindow(today, last));
      }),
    );
  });

  it('rollingSpend (what the class ranks) sums exactly the local dates of the window', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TODAYS),
        fc.array(fc.record({ back: daysBack, amount }), { maxLength: 8 }),
        (today, sales) => {
          const s: MemberState = {
            ...emptyState('M1', 'ordinary'),
            spend: sales.map((x) => ({ on: plus(today, -x.back), amount: x.amount })),
          };
          const want = sales.filter((x) => inWindow(today, plus(today, -x.back))).reduce((a, x) => a + x.amount, 0);
          expect(rollingSpend(s, today)).toBe(want);
        },
      ),
    );
  });
});

describe('DOMAIN.md 8: lifecycle new / active / at risk (90 days) / dormant (180 days)', () => {
  const T = '2025-06-30';
  const lc = (first: number | null, last: number | null, enrolled: number | null): Lifecycle =>
    lifecycle(T, {
      firstSaleOn: first === null ? null : plus(T, -first),
      lastSaleOn: last === null ? null : plus(T, -last),
      enrolledOn: enrolled === null ? null : plus(T, -enrolled),
    });

  it('boundaries exactly at 90 and 180 days', () => {
    expect(lc(300, 89, 400)).toBe('active');
    expect(lc(300, 90, 400)).toBe('at_risk');
    expect(lc(300, 179, 400)).toBe('at_risk');
    expect(lc(300, 180, 400)).toBe('dormant');
    // "new": first sale within 90 days
    expect(lc(89, 1, 400)).toBe('new');
    expect(lc(90, 1, 400)).toBe('active');
    expect(lc(89, 89, 89)).toBe('new');
    expect(lc(90, 90, 90)).toBe('at_risk');
    // no sale yet: idle time counts from enrolment
    expect(lc(null, null, 89)).toBe('new');
    expect(lc(null, null, 90)).toBe('at_risk');
    expect(lc(null, null, 180)).toBe('dormant');
  });

  it('matches the reference for any first / last sale and enrolment', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TODAYS),
        fc.option(fc.tuple(daysBack, daysBack), { nil: null }),
        fc.option(daysBack, { nil: null }),
        (today, sale, enrolled) => {
          const m = {
            firstSaleOn: sale === null ? null : plus(today, -Math.max(...sale)),
            lastSaleOn: sale === null ? null : plus(today, -Math.min(...sale)),
            enrolledOn: enrolled === null ? null : plus(today, -enrolled),
          };
          expect(lifecycle(today, m)).toBe(refLifecycle(today, m));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('days are Asia/Shanghai days: 16:00Z starts the next local day, 15:59:59.999Z does not', () => {
    expect(localDate('2025-03-31T15:59:59.999Z', 'Asia/Shanghai').date).toBe('2025-03-31');
    expect(localDate('2025-03-31T16:00:00Z', 'Asia/Shanghai').date).toBe('2025-04-01');
    expect(localDate('2024-02-28T16:00:00Z', 'Asia/Shanghai').date).toBe('2024-02-29');
    expect(localDate('2024-12-31T16:00:00Z', 'Asia/Shanghai').date).toBe('2025-01-01');
    // Sale 1 Jan 23:00 local, head office's clock 30 Jun 01:00 local: 180 local days (dormant),
    // though only 179 UTC days lie between the two instants' UTC dates.
    const sale = localDate('2025-01-01T15:00:00Z', 'Asia/Shanghai').date;
    const today = localDate('2025-06-29T17:00:00Z', 'Asia/Shanghai').date;
    expect(lifecycle(today, { firstSaleOn: sale, lastSaleOn: sale, enrolledOn: sale })).toBe('dormant');
    expect(lifecycle('2025-06-29', { firstSaleOn: '2025-01-01', lastSaleOn: '2025-01-01', enrolledOn: null })).toBe(
      'at_risk',
    );
  });

  it('localDate agrees with UTC+8 for any instant 2000-2035, dense around 16:00Z', () => {
    const nearMidnight = fc
      .tuple(fc.integer({ min: 10_957, max: 23_700 }), fc.integer({ min: -3_000, max: 3_000 }))
      .map(([d, ms]) => d * DAY_MS + 16 * 3_600_000 + ms);
    fc.assert(
      fc.property(fc.oneof(nearMidnight, fc.integer({ min: 946_684_800_000, max: 2_051_222_400_000 })), (ms) => {
        const iso = new Date(ms).toISOString();
        expect(localDate(iso, 'Asia/Shanghai').date).toBe(shanghaiDate(iso));
      }),
      { numRuns: 500 },
    );
  });
});

describe('DOMAIN.md 8: RFM scores 1-5 by quintile', () => {
  it('hand-computed scores', () => {
    expect(quintileScores([30, 20, 10], true)).toEqual([5, 4, 2]);
    expect(quintileScores([1, 2, 3, 4, 5, 6], true)).toEqual([1, 2, 3, 4, 5, 5]);
    expect(quintileScores([0, 0, 0, 0, 5], true)).toEqual([4, 4, 4, 4, 5]);
    expect(quintileScores([3, 3], false)).toEqual([5, 5]);
    expect(quintileScores([], true)).toEqual([]);
  });

  it('quintileScores matches the reference, each score within 1-5', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 6 }), { maxLength: 15 }), fc.boolean(), (vs, hi) => {
        const got = quintileScores(vs, hi);
        expect(got).toEqual(refScores(vs, hi));
        for (const s of got) expect(s >= 1 && s <= 5).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('scoreMembers: class, lifecycle, R F M and the cell of every member match the references', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TODAYS), histories, (today, hs) => {
        const ds = hs.map((h) => derive(today, h));
        const got = new Map(
          scoreMembers(
            today,
            ds.map((d) => d.input),
          ).map((m) => [m.memberNo, m]),
        );
        const classes = refClasses(
          ds.map((d) => ({ memberNo: d.input.memberNo, spend: d.input.spend12, active: d.active })),
        );
        const scored = ds.filter((d) => d.active);
        const r = refScores(
          scored.map((d) => between(d.input.lastSaleOn as string, today)),
          false,
        );
        const f = refScores(
          scored.map((d) => d.input.sales12),
          true,
        );
        const mm = refScores(
          scored.map((d) => d.input.spend12),
          true,
        );
        const score = new Map(scored.map((d, i) => [d.input.memberNo, [r[i], f[i], mm[i]]]));
        expect(got.size).toBe(ds.length);
        for (const d of ds) {
          const g = got.get(d.input.memberNo);
          const s = score.get(d.input.memberNo);
          expect(g?.class).toBe(classes.get(d.input.memberNo));
          expect(g?.lifecycle).toBe(refLifecycle(today, d.input));
          expect([g?.r, g?.f, g?.m]).toEqual(s ?? [null, null, null]);
          expect(g?.cell).toBe(s ? `R${s[0]}F${s[1]}M${s[2]}` : null);
        }
        // head office's stored class (refreshSegments: isActive on the last sale) ranks the same population
        const stored = assignClasses(
          ds.map((d) => ({
            memberNo: d.input.memberNo,
            rollingSpend: d.input.spend12,
            active: isActive(today, d.input.lastSaleOn),
          })),
        );
        expect(Object.fromEntries(stored)).toEqual(Object.fromEntries(classes));
      }),
      { numRuns: 300 },
    );
  });
});

describe('DOMAIN.md 8: win-back, default x2 for 30 days, for dormant members', () => {
  const AUTO = parseRuleSet({ ...DEFAULT_RULE_SET_INPUT, winBack: { multiplier: '2', days: 30, autoGrant: true } });
  const member = (winBack: string | null) => ({
    memberNo: 'M1',
    tier: 'ordinary',
    birthday: null,
    winBackUntil: winBack,
    earnedToday: 0,
    stamps: 0,
    birthdayGiftYear: null,
  });
  const pointsAt = (occurredAt: string, until: string | null, price: number): number =>
    computeEarn(DEFAULT_RULE_SET, {
      lines: [{ sku: 'A', category: 'grocery', quantity: 1, unitPrice: price, discount: 0 }],
      basketDiscount: 0,
      pointsRedeemed: 0,
      occurredAt,
      member: member(until),
    }).points;

  it('defaults: multiplier "2", 30 days', () => {
    expect(DEFAULT_RULE_SET.winBack.multiplier).toBe('2');
    expect(DEFAULT_RULE_SET.winBack.days).toBe(30);
  });

  it('an offer granted on D runs for exactly `days` local days from D', () => {
    fc.assert(
      fc.property(fc.constantFrom(...TODAYS), fc.integer({ min: 1, max: 60 }), (today, days) => {
        const until = winBackUntil(today, days);
        const live = Array.from({ length: days + 10 }, (_, i) => plus(today, i)).filter((d) => {
          const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
          return hasActiveWinBack(member(until), { date: d, year: y, month: m, day: dd, weekday: 1 });
        });
        expect(live).toEqual(Array.from({ length: days }, (_, i) => plus(today, i)));
      }),
    );
    expect(winBackUntil('2025-06-30', 30)).toBe('2025-07-29');
  });

  it('doubles the points through the last local day (15:59:59Z), not after (16:00Z)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200_000 }), (price) => {
        const until = '2025-07-29';
        expect(pointsAt('2025-07-29T15:59:59Z', until, price)).toBe(Math.floor((price * 2) / 100));
        expect(pointsAt('2025-07-29T16:00:00Z', until, price)).toBe(Math.floor(price / 100));
        expect(pointsAt('2025-07-28T16:00:00Z', null, price)).toBe(Math.floor(price / 100));
      }),
    );
  });

  it('multiplies with the tier in one floor, and competes with (never stacks on) another promotion', () => {
    const HOLIDAY = parseRuleSet({
      ...DEFAULT_RULE_SET_INPUT,
      promotions: [
        {
          id: 'holiday',
          name: { zh: '节日', en: 'holiday' },
          multiplier: '3',
          from: '2025-07-01',
          to: '2025-07-01',
        },
      ],
    });
    const TIER_MILLI: Record<string, number> = { ordinary: 1000, silver: 1200, gold: 1500, diamond: 2000 };
    fc.assert(
      fc.property(
        fc.constantFrom('ordinary', 'silver', 'gold', 'diamond'),
        fc.integer({ min: 0, max: 60_000 }),
        (tier, price) => {
          const earn = (rs: typeof DEFAULT_RULE_SET, at: string): number =>
            computeEarn(rs, {
              lines: [{ sku: 'A', category: 'grocery', quantity: 1, unitPrice: price, discount: 0 }],
              basketDiscount: 0,
              pointsRedeemed: 0,
              occurredAt: at,
              member: { ...member('2025-07-29'), tier },
            }).points;
          const milli = TIER_MILLI[tier] as number;
          // points = floor(eligible × tier × promo / 100), one floor
          expect(earn(DEFAULT_RULE_SET, '2025-07-02T04:00:00Z')).toBe(Math.floor((price * milli * 2) / 100_000));
          // on the holiday the larger multiplier (x3) wins alone: not x6
          expect(earn(HOLIDAY, '2025-07-01T04:00:00Z')).toBe(Math.floor((price * milli * 3) / 100_000));
        },
      ),
    );
  });

  it('the end-of-day run offers it on the 180th day without a sale, not the 179th, once per spell', () => {
    const T = '2025-06-30';
    const state = (back: number, offer: string | null = null): MemberState => ({
      ...emptyState('M1', 'ordinary'),
      firstSaleOn: plus(T, -back),
      lastSaleOn: plus(T, -back),
      winBackUntil: offer,
    });
    const rec = { enrolledOn: '2020-01-01', active: true };
    expect(winBackDue(AUTO, state(179), T, rec)).toBeNull();
    expect(winBackDue(AUTO, state(180), T, rec)?.data).toMatchObject({ winBackUntil: '2025-07-29', note: 'dormant' });
    // an offer that ran in this dormant spell: none again
    expect(winBackDue(AUTO, state(200, plus(T, -20)), T, rec)).toBeNull();
    // an offer from an earlier spell does not count
    expect(winBackDue(AUTO, state(200, plus(T, -21)), T, rec)).not.toBeNull();
    // blocked member, or the default autoGrant off: nothing
    expect(winBackDue(AUTO, state(400), T, { ...rec, active: false })).toBeNull();
    expect(winBackDue(DEFAULT_RULE_SET, state(400), T, rec)).toBeNull();
    fc.assert(
      fc.property(fc.constantFrom(...TODAYS), daysBack, (today, back) => {
        const s = { ...emptyState('M1', 'ordinary'), firstSaleOn: plus(today, -back), lastSaleOn: plus(today, -back) };
        expect(winBackDue(AUTO, s, today, rec) !== null).toBe(back >= 180);
      }),
    );
  });
});

describe('DOMAIN.md 9: repurchase, member share, points flows, redemption rate (pure)', () => {
  it('repurchase rate = members with two sales or more / members with a sale', () => {
    expect(repurchase([1, 2, 5, 1, 0])).toEqual({ buyers: 4, repeaters: 2, rate: 0.5 });
    expect(repurchase([1, 1, 2])).toEqual({ buyers: 3, repeaters: 1, rate: 0.3333 });
    expect(repurchase([])).toEqual({ buyers: 0, repeaters: 0, rate: null });
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 40 }), (counts) => {
        const buyers = counts.filter((n) => n >= 1).length;
        const repeaters = counts.filter((n) => n >= 2).length;
        expect(repurchase(counts)).toEqual({ buyers, repeaters, rate: refRatio(repeaters, buyers) });
      }),
    );
  });

  it('issued / redeemed / expired by the documented kinds; issued − redeemed − expired = Σ signed points', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ kind: fc.constantFrom(...CREDITS, ...DEBITS), points: fc.integer({ min: 0, max: 5_000 }) }),
          { maxLength: 30 },
        ),
        (entries) => {
          const byKind: Record<string, number> = {};
          for (const e of entries) byKind[e.kind] = (byKind[e.kind] ?? 0) + e.points;
          const want = refFlows(entries);
          expect(pointsIssued(byKind)).toBe(want.issued);
          expect(pointsRedeemed(byKind)).toBe(want.redeemed);
          expect(pointsExpired(byKind)).toBe(want.expired);
          const signed = entries.reduce((a, e) => a + (CREDITS.includes(e.kind) ? e.points : -e.points), 0);
          expect(want.issued - want.redeemed - want.expired).toBe(signed);
        },
      ),
    );
  });

  it('daily series: member share and redemption rate over a period, sales on their Shanghai day', () => {
    const sales: SaleRow[] = [
      { occurredAt: '2025-03-01T15:59:59.999Z', storeId: 'S1', member: true, total: 30_000 }, // 1 Mar local
      { occurredAt: '2025-03-01T16:00:00Z', storeId: 'S1', member: false, total: 10_000 }, // 2 Mar local
      { occurredAt: '2025-03-02T15:59:00Z', storeId: 'S2', member: true, total: 8_000 }, // 2 Mar local
      { occurredAt: '2025-02-28T16:00:00Z', storeId: 'S2', member: false, total: 2_000 }, // 1 Mar local
    ];
    const s = dailySeries({
      from: '2025-03-01',
      to: '2025-03-02',
      timeZone: 'Asia/Shanghai',
      hqStoreId: 'hq',
      ledger: [
        { date: '2025-03-01', storeId: 'S1', kind: 'earn', points: 300 },
        { date: '2025-03-02', storeId: 'S1', kind: 'redeem', points: 45 },
        { date: '2025-03-02', storeId: 'hq', kind: 'expire', points: 10 },
      ],
      sales,
      enrolments: [{ at: '2025-03-01T16:00:00Z', storeId: 'S1' }],
    });
    expect(s.days.map((d) => [d.date, d.sales, d.salesTotal, d.memberSalesTotal, d.enrolments])).toEqual([
      ['2025-03-01', 2, 32_000, 30_000, 0],
      ['2025-03-02', 2, 18_000, 8_000, 1],
    ]);
    const t = totals(s.days);
    expect(t.memberShare).toBe(0.76); // 38,000 / 50,000
    expect(t.redemptionRate).toBe(0.15); // 45 / 300
    expect(t.pointsExpired).toBe(10);
    expect(s.stores.map((x) => x.storeId)).toEqual(['S1', 'S2']);
  });

  it('daily series and staff rows match a UTC+8 reference for instants around local midnight', () => {
    const instant = fc
      .tuple(fc.integer({ min: 0, max: 4 }), fc.integer({ min: -90_000, max: 90_000 }))
      .map(([d, ms]) => new Date(Date.UTC(2025, 2, 1 + d, 16) + ms).toISOString());
    const sale = fc.record({
      occurredAt: instant,
      storeId: fc.constantFrom('S1', 'S2'),
      member: fc.boolean(),
      total: fc.integer({ min: 0, max: 50_000 }),
      staffId: fc.option(fc.constantFrom('staff-1', 'staff-2'), { nil: null }),
    });
    fc.assert(
      fc.property(fc.array(sale, { maxLength: 25 }), (rows) => {
        const from = '2025-03-02';
        const to = '2025-03-04';
        const s = dailySeries({
          from,
          to,
          timeZone: 'Asia/Shanghai',
          hqStoreId: 'hq',
          ledger: [],
          sales: rows,
          enrolments: [],
        });
        const inRange = rows.filter((r) => shanghaiDate(r.occurredAt) >= from && shanghaiDate(r.occurredAt) <= to);
        for (const d of s.days) {
          const mine = inRange.filter((r) => shanghaiDate(r.occurredAt) === d.date);
          expect(d.sales).toBe(mine.length);
          expect(d.salesTotal).toBe(mine.reduce((a, r) => a + r.total, 0));
          expect(d.memberSalesTotal).toBe(mine.filter((r) => r.member).reduce((a, r) => a + r.total, 0));
        }
        const all = inRange.reduce((a, r) => a + r.total, 0);
        const members = inRange.filter((r) => r.member).reduce((a, r) => a + r.total, 0);
        expect(totals(s.days).memberShare).toBe(refRatio(members, all));
        const staff = staffMeasures({ from, to, timeZone: 'Asia/Shanghai', sales: rows, enrolments: [] });
        for (const row of staff) {
          const mine = inRange.filter((r) => r.storeId === row.storeId && r.staffId === row.staffId);
          expect([row.sales, row.salesTotal, row.memberShare]).toEqual([
            mine.length,
            mine.reduce((a, r) => a + r.total, 0),
            refRatio(
              mine.filter((r) => r.member).reduce((a, r) => a + r.total, 0),
              mine.reduce((a, r) => a + r.total, 0),
            ),
          ]);
        }
        expect(staff.reduce((a, r) => a + r.sales, 0)).toBe(inRange.filter((r) => r.staffId !== null).length);
      }),
      { numRuns: 200 },
    );
  });

  it('ratios are the exact value to four decimals, half up (decisions.md)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 10_000_000 }), fc.integer({ min: 1, max: 10_000_000 }), (a, b) => {
        expect(ratio(a, b)).toBe(refRatio(a, b));
      }),
    );
    // An exact half at the fifth decimal: 3 / 20,000 = 0.00015 (was 0.0001 before the twenty-first
    // session, the quotient rounded after a binary division).
    expect(ratio(3, 20_000)).toBe(0.0002);
  });

  it('points are valued at the tier’s redemption ratio, rounded down (Diamond 100 points = ¥1.20)', () => {
    expect(redemptionValue(DEFAULT_RULE_SET, 'diamond', 100)).toBe(120);
    expect(redemptionValue(DEFAULT_RULE_SET, 'diamond', 6)).toBe(7);
    fc.assert(
      fc.property(fc.constantFrom('ordinary', 'silver', 'gold', 'diamond'), fc.nat({ max: 10_000_000 }), (tier, p) => {
        expect(redemptionValue(DEFAULT_RULE_SET, tier, p)).toBe(refPointsValue(tier, p));
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Measures that exist only inside head office's store (summary, Members report, overview,
// class refresh): one SQLite head office, one till, eleven members, dates in Shanghai local time.

describe('head office summary, classes, Members report and overview on one small chain (SQLite store)', () => {
  let t: TestHq;
  // the local date "today" for every report: two days back, so every entry lies in the past
  const T = shanghaiDate(new Date(Date.now() - 2 * DAY_MS).toISOString());
  const YEAR_AGO = shiftMonths(T, -12);
  const at = (date: string, hms: string): string => `${date}T${hms}+08:00`;
  const back = (n: number): string => plus(T, -n);
  // head office's clock: one second into T, local (UTC date is T − 1)
  const NOW = new Date(at(T, '00:00:01'));

  /** Each member's sales (local date, fen) as the reference sees them. */
  const SALES: Record<string, { on: string; total: number }[]> = {
    M1: [{ on: YEAR_AGO, total: 8_000 }],
    M2: [
      { on: plus(YEAR_AGO, 1), total: 30_000 },
      { on: back(10), total: 10_000 },
    ],
    M6: [{ on: back(90), total: 5_000 }],
    M7: [{ on: back(180), total: 5_000 }],
    M8: [{ on: back(89), total: 20_000 }],
    M11: [
      { on: back(30), total: 1_000 },
      { on: back(30), total: 1_000 },
    ],
  };
  const ENROLLED: Record<string, string> = {
    M1: back(400),
    M2: back(380),
    M3: back(5),
    M4: back(5),
    M5: back(5),
    M6: back(200),
    M7: back(200),
    M8: back(95),
    M9: back(179),
    M10: back(180),
    M11: back(40),
  };
  const NOS = Object.keys(ENROLLED);

  beforeAll(async () => {
    t = await startHq();
    const A = await provision(t, 'S1', 'A');
    type Ev = { when: string; run: () => void };
    const evs: Ev[] = [];
    for (const [no, on] of Object.entries(ENROLLED))
      evs.push({ when: at(on, '00:00:30'), run: () => A.enrol(no, at(on, '00:00:30')) });
    // M1: 1,000 points 400 days ago, expired (12 rolling months) and written off by the till's expiry
    evs.push({ when: at(back(400), '01:00:00'), run: () => A.bonus('M1', 1_000, at(back(400), '01:00:00')) });
    evs.push({ when: at(back(1), '12:00:00'), run: () => A.expire('M1', back(1), at(back(1), '12:00:00')) });
    // the 12-month boundary: 23:59:59 local on the day a year ago (out) and 00:00:00 the day after (in)
    evs.push({ when: at(YEAR_AGO, '23:59:59'), run: () => A.sale('M1', 8_000, at(YEAR_AGO, '23:59:59')) });
    evs.push({
      when: at(plus(YEAR_AGO, 1), '00:00:00'),
      run: () => A.sale('M2', 30_000, at(plus(YEAR_AGO, 1), '00:00:00')),
    });
    evs.push({ when: at(back(10), '12:00:00'), run: () => A.sale('M2', 10_000, at(back(10), '12:00:00')) });
    evs.push({ when: at(back(5), '12:00:00'), run: () => A.redeem('M2', 100, at(back(5), '12:00:00')) });
    // 90 days: 23:59:59 local (at risk) and one second later, the next local day (new): the same UTC date
    evs.push({ when: at(back(90), '23:59:59'), run: () => A.sale('M6', 5_000, at(back(90), '23:59:59')) });
    evs.push({ when: at(back(89), '00:00:00'), run: () => A.sale('M8', 20_000, at(back(89), '00:00:00')) });
    evs.push({ when: at(back(180), '12:00:00'), run: () => A.sale('M7', 5_000, at(back(180), '12:00:00')) });
    evs.push({ when: at(back(30), '00:00:00'), run: () => A.sale('M11', 1_000, at(back(30), '00:00:00')) });
    evs.push({ when: at(back(30), '23:59:59'), run: () => A.sale('M11', 1_000, at(back(30), '23:59:59')) });
    // three Diamond members holding 2 points each (liability: floor(6 × 1.2) = 7 fen for the tier)
    for (const no of ['M3', 'M4', 'M5']) {
      evs.push({
        when: at(back(5), '01:00:00'),
        run: () =>
          A.append(no, 'tier', 0, at(back(5), '01:00:00'), {
            data: { fromTier: 'ordinary', toTier: 'diamond', reason: 'threshold', rank: 3 },
          }),
      });
      evs.push({ when: at(back(5), '02:00:00'), run: () => A.bonus(no, 2, at(back(5), '02:00:00')) });
    }
    evs.sort((a, b) => Date.parse(a.when) - Date.parse(b.when));
    for (const e of evs) e.run();
    await uploadAll(t, A, 100);
    await t.hq.store.settle();
    await t.hq.store.refreshSegments(NOW);
  });

  afterAll(async () => {
    await t?.close();
  });

  /** The reference's view of each member as of T. */
  function refMembers() {
    return NOS.map((no) => {
      const ss = SALES[no] ?? [];
      const dates = ss.map((s) => s.on).sort();
      const inside = ss.filter((s) => inWindow(T, s.on));
      return {
        memberNo: no,
        enrolledOn: ENROLLED[no] as string,
        firstSaleOn: dates[0] ?? null,
        lastSaleOn: dates[dates.length - 1] ?? null,
        sales: ss.length,
        sales12: inside.length,
        spend12: inside.reduce((a, s) => a + s.total, 0),
      };
    });
  }

  it('members active, lifecycle counts at the 89/90/179/180-day and 12-month boundaries', async () => {
    const s = await t.hq.store.summary(NOW);
    expect(s.today).toBe(T);
    const ref = refMembers();
    expect(s.members.active).toBe(ref.filter((m) => m.sales12 > 0).length);
    expect(s.members.active).toBe(5);
    const stages = { new: 0, active: 0, at_risk: 0, dormant: 0 };
    for (const m of ref) stages[refLifecycle(T, m)] += 1;
    expect(stages).toEqual({ new: 5, active: 1, at_risk: 2, dormant: 3 });
    expect(s.members.lifecycle).toEqual(stages);
  });

  it('average spend per active member, purchase frequency, repurchase rate, member share', async () => {
    const s = await t.hq.store.summary(NOW);
    const ref = refMembers();
    const active = ref.filter((m) => m.sales12 > 0);
    const spend12 = active.reduce((a, m) => a + m.spend12, 0);
    expect(s.sales.averageSpendPerActiveMember).toBe(Math.floor(spend12 / active.length)); // 72,000 / 5
    expect(s.sales.averageSpendPerActiveMember).toBe(14_400);
    const buyers = ref.filter((m) => m.sales > 0);
    const sales = ref.reduce((a, m) => a + m.sales, 0);
    expect(s.sales.purchaseFrequency).toBe(refRatio(sales, buyers.length)); // 8 / 6
    expect(s.sales.repurchaseRate).toBe(refRatio(buyers.filter((m) => m.sales >= 2).length, buyers.length)); // 2 / 6
    expect(s.sales.memberShare).toBe(1);
    expect(s.sales.memberTotal).toBe(80_000);
  });

  it('points issued / redeemed / expired, redemption rate, breakage and the liability in money', async () => {
    const s = await t.hq.store.summary(NOW);
    const rows = await t.sql<{ kind: string; points: number }>('SELECT kind, points FROM ledger');
    const flows = refFlows(rows);
    // earn 80 + 400 + 50 + 50 + 200 + 20, bonus 1,000 + 6; redeem 100; expire 1,000
    expect(flows).toEqual({ issued: 1_806, redeemed: 100, expired: 1_000 });
    expect(s.points).toMatchObject(flows);
    expect(s.points.redemptionRate).toBe(refRatio(100, 1_806));
    expect(s.points.breakageRate).toBe(refRatio(1_000, 1_806));
    // liability: each tier's shown balance at its ratio. Ordinary: the lots not past expiry on T.
    const m1Sale = shiftMonths(YEAR_AGO, 12) < T ? 0 : 80; // M1's last lot is valid through YEAR_AGO + 12 months
    const ordinary = m1Sale + 300 + 50 + 50 + 200 + 20;
    expect(s.points.outstanding).toBe(ordinary + 6);
    expect(s.points.liabilityFen).toBe(refPointsValue('ordinary', ordinary) + refPointsValue('diamond', 6));
  });

  it('stored A/B/C/D after the class refresh, and the Members report’s classes, lifecycle and cells', async () => {
    const ref = refMembers();
    const classes = refClasses(ref.map((m) => ({ memberNo: m.memberNo, spend: m.spend12, active: m.sales12 > 0 })));
    // M2 40,000 A; M8 20,000 B; M6 and M7 5,000 each across the B/C boundary (member number); M11 2,000 D
    expect(Object.fromEntries([...classes].filter(([, c]) => c !== 'D'))).toEqual({
      M2: 'A',
      M8: 'B',
      M6: 'B',
      M7: 'C',
    });
    const stored = await t.sql<{ member_no: string; class: string }>('SELECT member_no, class FROM members');
    expect(Object.fromEntries(stored.map((r) => [r.member_no, r.class]))).toEqual(Object.fromEntries(classes));
    const s = await t.hq.store.summary(NOW);
    expect(s.members.classes).toEqual({ A: 1, B: 2, C: 1, D: 7 });

    const report = await t.hq.store.membersReport(NOW, null);
    const scored = ref.filter((m) => m.sales12 > 0);
    const r = refScores(
      scored.map((m) => between(m.lastSaleOn as string, T)),
      false,
    );
    const f = refScores(
      scored.map((m) => m.sales12),
      true,
    );
    const mm = refScores(
      scored.map((m) => m.spend12),
      true,
    );
    const cells = new Map(scored.map((m, i) => [m.memberNo, `R${r[i]}F${f[i]}M${mm[i]}`]));
    expect(Object.fromEntries(cells)).toEqual({
      M2: 'R5F5M5',
      M6: 'R2F3M3',
      M7: 'R1F3M3',
      M8: 'R3F3M4',
      M11: 'R4F5M1',
    });
    const { cellMembers } = await t.hq.store.membersReport(NOW, 'R5F5M5');
    expect(cellMembers?.map((m) => m.memberNo)).toEqual(['M2']);
    expect(report.rfm.scored).toBe(5);
    for (const no of NOS) {
      const cell = cells.get(no) ?? null;
      const fromCell = cell === null ? [] : ((await t.hq.store.membersReport(NOW, cell)).cellMembers ?? []);
      const m = fromCell.find((x) => x.memberNo === no);
      if (cell !== null) {
        expect(m?.class).toBe(classes.get(no));
        expect(m?.lifecycle).toBe(refLifecycle(T, ref.find((x) => x.memberNo === no) as (typeof ref)[number]));
      }
    }
    expect(report.classes.map((c) => [c.class, c.members])).toEqual([
      ['A', 1],
      ['B', 2],
      ['C', 1],
      ['D', 7],
    ]);
    expect(report.lifecycle).toEqual([
      { stage: 'new', members: 5 },
      { stage: 'active', members: 1 },
      { stage: 'at_risk', members: 2 },
      { stage: 'dormant', members: 3 },
    ]);
  });

  it('repurchase for a period counts sales on their local day (00:00:00 and 23:59:59 local are one day)', async () => {
    const day30 = await t.hq.store.overview({ from: back(30), to: back(30), stores: null });
    expect(day30.repurchase.current).toEqual({ buyers: 1, repeaters: 1, rate: 1 });
    expect(day30.repurchase.previous).toEqual({ buyers: 0, repeaters: 0, rate: null });
    const day89 = await t.hq.store.overview({ from: back(89), to: back(89), stores: null });
    expect(day89.repurchase.current).toEqual({ buyers: 1, repeaters: 0, rate: 0 }); // M8 only, not M6
    expect(day89.repurchase.previous).toEqual({ buyers: 1, repeaters: 0, rate: 0 }); // M6 on T − 90
  });
});
