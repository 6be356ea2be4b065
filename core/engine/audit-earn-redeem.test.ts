/**
 * Audit of the points engine against DOMAIN.md sections 1 (units), 3 (earning) and 4 (redeeming).
 *
 * Everything named `ref*` below is an independent reference implementation written from the
 * DOMAIN.md text (integers / bigint only, no code shared with core/ except the types and the
 * functions under test). Where DOMAIN.md is silent the reference follows the documented decision
 * in docs/decisions.md, and says so next to the line:
 *   - weighed goods: gross rounded half up to the fen               (decisions.md "Arithmetic")
 *   - largest-remainder ties go to the earlier line                (decisions.md "Arithmetic")
 *   - category-scoped promotions: largest applicable per line      (decisions.md "Earning")
 *   - promotion minSpend measured on eligible spend                (decisions.md "Earning")
 *   - redemption value = floor(points×100×(1+bonus)/ppcu)          (decisions.md "Redeeming")
 *   - basket-share cap on the total after all discounts            (decisions.md "Redeeming")
 *   - refusal precedence minimum, units, share, balance           (decisions.md "Redeeming")
 *   - basket discount weighted by the line total AFTER its own discount: NOT in decisions.md,
 *     only in earn.test.ts ("allocates the basket discount by the line total after its own
 *     discount"); DOMAIN.md 3.1 says "pro rata by line total". Treated as an ambiguity.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LedgerEntry } from '../ledger/entry.js';
import { foldEntries, spendablePoints } from '../ledger/state.js';
import { allocateLargestRemainder } from '../money.js';
import { DEFAULT_RULE_SET, DEFAULT_RULE_SET_INPUT } from '../ruleset/default.js';
import { parseRuleSet, type RuleSet, type RuleSetInput } from '../ruleset/schema.js';
import { computeEarn } from './earn.js';
import {
  checkOfflineRedemption,
  checkRedemption,
  offlineAllowance,
  redemptionLimits,
  redemptionValue,
} from './redeem.js';
import { RuleViolation, type BasketLineInput, type EarnInput, type EarnResult, type MemberContext } from './types.js';

// ---------------------------------------------------------------------------------------------
// Reference implementation, straight from DOMAIN.md
// ---------------------------------------------------------------------------------------------

const K = 1000n; // DOMAIN.md 1: "scale to thousandths"

/** DOMAIN.md 1: a multiplier string as an exact integer number of thousandths. */
function refMilli(s: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,3}))?$/.exec(s);
  if (!m) throw new Error(`bad multiplier ${s}`);
  return BigInt(m[1] as string) * K + BigInt((m[2] ?? '').padEnd(3, '0'));
}

/** Always-3-decimals formatting ("1.250"), a valid but less usual spelling of a multiplier. */
function fmtMilli(m: number): string {
  return `${Math.floor(m / 1000)}.${String(m % 1000).padStart(3, '0')}`;
}

/**
 * Largest-remainder (Hamilton) apportionment of `total` over `weights`: everybody gets the floor
 * of their exact quota total×w/Σw, then the units left go one each to the largest fractional
 * remainders. Ties: earlier line (decisions.md). Written as repeated "pick the max" scans rather
 * than a sort, to be independent of money.ts.
 */
function refLargestRemainder(total: bigint, weights: readonly bigint[]): bigint[] {
  if (total === 0n) return weights.map(() => 0n);
  const S = weights.reduce((a, b) => a + b, 0n);
  if (S === 0n) throw new Error('nothing to allocate over');
  const out = weights.map((w) => (total * w) / S);
  const rem = weights.map((w) => (total * w) % S);
  let left = total - out.reduce((a, b) => a + b, 0n);
  const taken = weights.map(() => false);
  while (left > 0n) {
    let best = -1;
    for (let i = 0; i < weights.length; i++) {
      if (taken[i]) continue;
      if (best < 0 || (rem[i] as bigint) > (rem[best] as bigint)) best = i;
    }
    taken[best] = true;
    out[best] = (out[best] as bigint) + 1n;
    left -= 1n;
  }
  return out;
}

/** Line gross: quantity (thousandths) × unit price, half up to the fen (decisions.md). */
function refGross(qm: bigint, price: bigint): bigint {
  const p = qm * price;
  const q = p / K;
  return p % K >= 500n ? q + 1n : q;
}

/** DOMAIN.md 4: "100 points = ¥1 ... Diamond +20 %: 100 points = ¥1.20, rounded down to the fen". */
function refValue(points: bigint, ppcu: bigint, bonusMilli: bigint): bigint {
  // points/ppcu currency units × (1 + bonus) × 100 fen per unit, floored once.
  return (points * 100n * (K + bonusMilli)) / (ppcu * K);
}

interface RefPromo {
  multiplier: string;
  minSpend: number;
  categories?: string[];
}

interface RefLine {
  category: string;
  qm: bigint;
  price: bigint;
  disc: bigint;
}

interface RefEarnArgs {
  lines: RefLine[];
  basketDiscount: bigint;
  pointsRedeemed: bigint;
  baseRate: string;
  tierMultiplier: string;
  redemptionBonus: string;
  ppcu: bigint;
  excluded: readonly string[];
  categoryMultipliers: Record<string, string>;
  promos: RefPromo[];
  perTransactionMax: number | null;
  perMemberDailyMax: number | null;
  earnedToday: number;
}

interface RefEarn {
  gross: bigint[];
  net: bigint[];
  pointsTender: bigint[];
  eligible: bigint[];
  excluded: boolean[];
  total: bigint;
  redemptionValue: bigint;
  eligibleSpend: bigint;
  qualifyingSpend: bigint;
  pointsBeforeCaps: bigint;
  points: bigint;
  /** null when the points tender is worth more than the basket (no allocation possible) */
  refused: boolean;
}

function refEarn(a: RefEarnArgs): RefEarn {
  const n = a.lines.length;
  const gross = a.lines.map((l) => refGross(l.qm, l.price));
  // 3.1: share of the basket discount pro rata by line total (after its own discount, see header)
  const afterOwn = a.lines.map((l, i) => (gross[i] as bigint) - l.disc);
  const share = refLargestRemainder(a.basketDiscount, afterOwn);
  const net = afterOwn.map((w, i) => w - (share[i] as bigint));
  const total = net.reduce((x, y) => x + y, 0n);
  // 3.2
  const excluded = a.lines.map((l) => a.excluded.includes(l.category));
  // 3.3: P allocated over lines pro rata by net_i (largest remainder); eligible_i = net_i − P_i
  const P = refValue(a.pointsRedeemed, a.ppcu, refMilli(a.redemptionBonus));
  const empty: RefEarn = {
    gross,
    net,
    pointsTender: [],
    eligible: [],
    excluded,
    total,
    redemptionValue: P,
    eligibleSpend: 0n,
    qualifyingSpend: 0n,
    pointsBeforeCaps: 0n,
    points: 0n,
    refused: true,
  };
  if (P > total) return empty;
  const Pi = refLargestRemainder(P, net);
  const eligible = net.map((x, i) => (excluded[i] ? 0n : x - (Pi[i] as bigint)));
  // 3.5 promotions: largest active multiplier (per line for category-scoped ones, decisions.md)
  const active = a.promos.filter((p) => {
    let spend = 0n;
    for (let i = 0; i < n; i++) {
      if (excluded[i]) continue;
      if (p.categories && !p.categories.includes((a.lines[i] as RefLine).category)) continue;
      spend += eligible[i] as bigint;
    }
    return spend >= BigInt(p.minSpend);
  });
  const catOf = (c: string): bigint =>
    Object.prototype.hasOwnProperty.call(a.categoryMultipliers, c) ? refMilli(a.categoryMultipliers[c] as string) : K;
  const allSaleWide = a.promos.every((p) => p.categories === undefined);
  const base = refMilli(a.baseRate);
  const tier = refMilli(a.tierMultiplier);
  let before: bigint;
  if (allSaleWide) {
    // DOMAIN.md 3.4/3.5 literally: raw = Σ eligible_i × cat_i;
    // points = floor(raw × baseRate × tier × promo / 100), promo = largest active (default 1).
    const promo = active.length === 0 ? K : active.map((p) => refMilli(p.multiplier)).reduce((x, y) => (y > x ? y : x));
    let raw = 0n; // in thousandths
    for (let i = 0; i < n; i++) raw += (eligible[i] as bigint) * catOf((a.lines[i] as RefLine).category);
    before = (raw * base * tier * promo) / (K * K * K * K * 100n);
  } else {
    let sum = 0n;
    for (let i = 0; i < n; i++) {
      const cat = (a.lines[i] as RefLine).category;
      const applicable = active.filter((p) => p.categories === undefined || p.categories.includes(cat));
      const promo =
        applicable.length === 0 ? K : applicable.map((p) => refMilli(p.multiplier)).reduce((x, y) => (y > x ? y : x));
      sum += (eligible[i] as bigint) * catOf(cat) * promo;
    }
    before = (sum * base * tier) / (K * K * K * K * 100n);
  }
  // 3.7 caps: points above a cap are not granted
  let points = before;
  if (a.perTransactionMax !== null && points > BigInt(a.perTransactionMax)) points = BigInt(a.perTransactionMax);
  if (a.perMemberDailyMax !== null) {
    const left = BigInt(Math.max(0, a.perMemberDailyMax - a.earnedToday));
    if (points > left) points = left;
  }
  return {
    gross,
    net,
    pointsTender: Pi,
    eligible,
    excluded,
    total,
    redemptionValue: P,
    eligibleSpend: eligible.reduce((x, y) => x + y, 0n),
    qualifyingSpend: net.reduce((x, y, i) => (excluded[i] ? x : x + y), 0n),
    pointsBeforeCaps: before,
    points,
    refused: false,
  };
}

type RefCode =
  null | 'below_minimum_redemption' | 'not_whole_redemption_units' | 'exceeds_basket_share' | 'insufficient_points';

interface RefRedeemArgs {
  points: number;
  minimum: number;
  ppcu: number;
  share: string;
  bonus: string;
  basketTotal: number;
  available: number;
}

/** DOMAIN.md 4: minimum, steps of pointsPerCurrencyUnit, at most maxShareOfBasket, balance. */
function refCheckRedemption(a: RefRedeemArgs): RefCode {
  if (a.points === 0) return null;
  if (a.points < a.minimum) return 'below_minimum_redemption';
  if (a.points % a.ppcu !== 0) return 'not_whole_redemption_units';
  const value = refValue(BigInt(a.points), BigInt(a.ppcu), refMilli(a.bonus));
  // "at most maxShareOfBasket of the basket", exactly: value ≤ basket × share
  if (value * K > BigInt(Math.max(0, a.basketTotal)) * refMilli(a.share)) return 'exceeds_basket_share';
  if (a.points > a.available) return 'insufficient_points';
  return null;
}

/** Largest allowed redemption: binary search over whole steps (value is monotone in points). */
function refMaxPoints(a: Omit<RefRedeemArgs, 'points'>): number {
  const fits = (k: number): boolean =>
    refValue(BigInt(k * a.ppcu), BigInt(a.ppcu), refMilli(a.bonus)) * K <=
    BigInt(Math.max(0, a.basketTotal)) * refMilli(a.share);
  let lo = 0;
  let hi = Math.max(0, Math.floor(a.available / a.ppcu));
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  const p = lo * a.ppcu;
  return p >= a.minimum && p > 0 ? p : 0;
}

// ---------------------------------------------------------------------------------------------
// Helpers to drive the real code
// ---------------------------------------------------------------------------------------------

const WHEN = '2024-05-08T02:00:00Z'; // Wednesday 10:00 Asia/Shanghai

function rules(overrides: Partial<RuleSetInput> = {}): RuleSet {
  return parseRuleSet({ ...DEFAULT_RULE_SET_INPUT, ...overrides });
}

function mem(tier: string, earnedToday = 0, extra: Partial<MemberContext> = {}): MemberContext {
  return {
    memberNo: 'A1',
    tier,
    birthday: null,
    winBackUntil: null,
    earnedToday,
    stamps: 0,
    birthdayGiftYear: null,
    ...extra,
  };
}

function ln(sku: string, category: string, unitPrice: number, quantity = 1, discount = 0): BasketLineInput {
  return { sku, category, quantity, unitPrice, discount };
}

function earn(rs: RuleSet, o: Partial<EarnInput>): EarnResult {
  return computeEarn(rs, {
    lines: [],
    basketDiscount: 0,
    pointsRedeemed: 0,
    occurredAt: WHEN,
    member: mem('ordinary'),
    ...o,
  });
}

function codeOf(fn: () => unknown): string | null {
  try {
    fn();
    return null;
  } catch (e) {
    if (e instanceof RuleViolation) return e.code;
    throw e;
  }
}

const nm = (s: string): { zh: string; en: string } => ({ zh: s, en: s });

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

const multArb = (max = 10_000): fc.Arbitrary<string> =>
  fc.oneof(
    fc.constantFrom('1', '1.25', '0.333', '1.2', '1.5', '2', '2.3', '0', '0.001', '1.250', '1.1', '0.7', '3'),
    fc.integer({ min: 0, max }).map(fmtMilli),
    fc.integer({ min: 0, max }).map((m) => {
      const s = fmtMilli(m).replace(/0+$/, '');
      return s.endsWith('.') ? s.slice(0, -1) : s;
    }),
  );

const CATS = ['grocery', 'drinks', 'produce', 'tobacco', 'gift-card', 'deposit'] as const;

interface LineSpec {
  category: string;
  qm: number;
  price: number;
  discMode: 'none' | 'full' | 'permille';
  discPermille: number;
}

const lineSpecArb: fc.Arbitrary<LineSpec> = fc.record({
  category: fc.constantFrom(...CATS),
  qm: fc.oneof(
    fc.integer({ min: 1, max: 3000 }), // weighed goods, incl. 0.001
    fc.integer({ min: 1, max: 50 }).map((x) => x * 1000), // whole units
    fc.integer({ min: 1, max: 100_000_000 }), // up to 100,000 units with 3 decimals (API maximum)
  ),
  price: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 999 }), fc.integer({ min: 1, max: 1_000_000 })),
  discMode: fc.constantFrom('none', 'none', 'full', 'permille'),
  discPermille: fc.integer({ min: 0, max: 1000 }),
});

const linesArb: fc.Arbitrary<LineSpec[]> = fc.oneof(
  fc.array(lineSpecArb, { minLength: 1, maxLength: 8 }),
  // identical lines: every remainder ties
  lineSpecArb.chain((l) => fc.integer({ min: 2, max: 7 }).map((k) => Array.from({ length: k }, () => l))),
  // all lines excluded
  fc.array(
    lineSpecArb.map((l) => ({ ...l, category: 'tobacco' })),
    { minLength: 1, maxLength: 4 },
  ),
);

interface EarnSpec {
  lines: LineSpec[];
  baseRate: string;
  lowTier: string;
  tierMult: string;
  lowBonus: string;
  bonus: string;
  ppcu: number;
  excluded: string[];
  catMults: Record<string, string>;
  promos: RefPromo[];
  perTransactionMax: number | null;
  perMemberDailyMax: number | null;
  earnedToday: number;
  anonymous: boolean;
  basketMode: 'none' | 'full' | 'permille';
  basketPermille: number;
  tenderMode: 'none' | 'all' | 'permille' | 'over';
  tenderPermille: number;
}

const earnSpecArb: fc.Arbitrary<EarnSpec> = fc.record({
  lines: linesArb,
  baseRate: multArb(10_000),
  lowTier: multArb(3000),
  tierMult: multArb(10_000),
  lowBonus: fc.constantFrom('0', '0.2', '0.333'),
  bonus: multArb(2000),
  ppcu: fc.oneof(fc.constant(100), fc.integer({ min: 1, max: 1000 })),
  excluded: fc.subarray(['tobacco', 'gift-card', 'deposit', 'drinks']),
  catMults: fc.record(
    { drinks: multArb(10_000), produce: multArb(10_000), tobacco: multArb(5000) },
    { requiredKeys: [] },
  ) as fc.Arbitrary<Record<string, string>>,
  promos: fc.array(
    fc.record(
      {
        multiplier: multArb(10_000),
        minSpend: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2_000_000 })),
        categories: fc.subarray(['grocery', 'drinks', 'produce', 'tobacco'], { minLength: 1 }),
      },
      { requiredKeys: ['multiplier', 'minSpend'] },
    ),
    { maxLength: 4 },
  ),
  perTransactionMax: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
  perMemberDailyMax: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }),
  earnedToday: fc.integer({ min: 0, max: 120_000 }),
  anonymous: fc.boolean(),
  basketMode: fc.constantFrom('none', 'full', 'permille', 'permille'),
  basketPermille: fc.integer({ min: 0, max: 1000 }),
  tenderMode: fc.constantFrom('none', 'all', 'permille', 'permille', 'over'),
  tenderPermille: fc.integer({ min: 0, max: 1000 }),
});

/** Largest points whose value is ≤ limit (value is monotone non-decreasing in points). */
function pointsWorthAtMost(limit: bigint, ppcu: bigint, bonus: bigint): bigint {
  let lo = 0n;
  let hi = (limit + 2n) * ppcu;
  while (lo < hi) {
    const mid = (lo + hi + 1n) / 2n;
    if (refValue(mid, ppcu, bonus) <= limit) lo = mid;
    else hi = mid - 1n;
  }
  return lo;
}

interface Built {
  rs: RuleSet;
  input: EarnInput;
  ref: RefEarn;
}

function build(s: EarnSpec): Built {
  const refLines: RefLine[] = s.lines.map((l) => {
    const g = refGross(BigInt(l.qm), BigInt(l.price));
    const disc = l.discMode === 'none' ? 0n : l.discMode === 'full' ? g : (g * BigInt(l.discPermille)) / 1000n;
    return { category: l.category, qm: BigInt(l.qm), price: BigInt(l.price), disc };
  });
  const afterOwn = refLines.reduce((a, l) => a + refGross(l.qm, l.price) - l.disc, 0n);
  const basketDiscount =
    s.basketMode === 'none' ? 0n : s.basketMode === 'full' ? afterOwn : (afterOwn * BigInt(s.basketPermille)) / 1000n;
  const total = afterOwn - basketDiscount;
  const tierCode = s.anonymous ? 'low' : 'vip';
  const bonusMilli = refMilli(s.anonymous ? s.lowBonus : s.bonus);
  const ppcu = BigInt(s.ppcu);
  let pointsRedeemed = 0n;
  if (s.tenderMode === 'all') pointsRedeemed = pointsWorthAtMost(total, ppcu, bonusMilli);
  else if (s.tenderMode === 'permille')
    pointsRedeemed = pointsWorthAtMost((total * BigInt(s.tenderPermille)) / 1000n, ppcu, bonusMilli);
  else if (s.tenderMode === 'over') pointsRedeemed = pointsWorthAtMost(total, ppcu, bonusMilli) + 1n;
  const rs = rules({
    earn: {
      baseRate: s.baseRate,
      excludedCategories: s.excluded,
      categoryMultipliers: s.catMults,
      perTransactionMax: s.perTransactionMax,
      perMemberDailyMax: s.perMemberDailyMax,
    },
    tiers: [
      { code: 'low', name: nm('low'), threshold: 0, earnMultiplier: s.lowTier, redemptionBonus: s.lowBonus },
      { code: 'vip', name: nm('vip'), threshold: 1, earnMultiplier: s.tierMult, redemptionBonus: s.bonus },
    ],
    promotions: s.promos.map((p, i) => ({
      id: `p${i}`,
      name: nm(`p${i}`),
      multiplier: p.multiplier,
      minSpend: p.minSpend,
      ...(p.categories ? { categories: p.categories } : {}),
    })),
    redemption: { ...DEFAULT_RULE_SET_INPUT.redemption, pointsPerCurrencyUnit: s.ppcu },
  });
  const input: EarnInput = {
    lines: s.lines.map((l, i) => ({
      sku: `s${i}`,
      category: l.category,
      quantity: l.qm / 1000,
      unitPrice: l.price,
      discount: Number((refLines[i] as RefLine).disc),
    })),
    basketDiscount: Number(basketDiscount),
    pointsRedeemed: Number(pointsRedeemed),
    occurredAt: WHEN,
    member: s.anonymous ? null : mem(tierCode, s.earnedToday),
  };
  const ref = refEarn({
    lines: refLines,
    basketDiscount,
    pointsRedeemed,
    baseRate: s.baseRate,
    tierMultiplier: s.anonymous ? s.lowTier : s.tierMult,
    redemptionBonus: s.anonymous ? s.lowBonus : s.bonus,
    ppcu,
    excluded: s.excluded,
    categoryMultipliers: s.catMults,
    promos: s.promos,
    perTransactionMax: s.perTransactionMax,
    perMemberDailyMax: s.perMemberDailyMax,
    earnedToday: s.anonymous ? 0 : s.earnedToday,
  });
  return { rs, input, ref };
}

const nums = (xs: readonly bigint[]): number[] => xs.map(Number);

// ---------------------------------------------------------------------------------------------
// Properties: real code vs reference
// ---------------------------------------------------------------------------------------------

describe('audit: largest-remainder allocation (DOMAIN.md 3.1 and 3.3)', () => {
  it('equals Hamilton apportionment (ties to the earlier line) and sums exactly', () => {
    const weightArb = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 10 }), fc.integer({ min: 0, max: 1e11 }));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(weightArb, { minLength: 1, maxLength: 12 }),
          weightArb.chain((w) => fc.integer({ min: 2, max: 9 }).map((k) => Array.from({ length: k }, () => w))),
        ),
        fc.integer({ min: 0, max: 1000 }),
        (weights, permille) => {
          const sum = weights.reduce((a, b) => a + b, 0);
          fc.pre(sum > 0);
          const total = Math.floor((sum * permille) / 1000);
          const got = allocateLargestRemainder(total, weights);
          const want = nums(refLargestRemainder(BigInt(total), weights.map(BigInt)));
          expect(got).toEqual(want);
          expect(got.reduce((a, b) => a + b, 0)).toBe(total);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('audit: computeEarn against the DOMAIN.md 3 reference', () => {
  it('agrees line by line and on points, for adversarial baskets', () => {
    fc.assert(
      fc.property(earnSpecArb, (s) => {
        const { rs, input, ref } = build(s);
        if (ref.refused) {
          expect(codeOf(() => computeEarn(rs, input))).toBe('invalid_basket');
          return;
        }
        const r = computeEarn(rs, input);
        expect(r.lines.map((l) => l.gross)).toEqual(nums(ref.gross));
        expect(r.lines.map((l) => l.net)).toEqual(nums(ref.net));
        expect(r.lines.map((l) => l.excluded)).toEqual(ref.excluded);
        expect(r.lines.map((l) => l.pointsTender)).toEqual(nums(ref.pointsTender));
        expect(r.lines.map((l) => l.eligible)).toEqual(nums(ref.eligible));
        expect(r.total).toBe(Number(ref.total));
        expect(r.redemptionValue).toBe(Number(ref.redemptionValue));
        expect(r.eligibleSpend).toBe(Number(ref.eligibleSpend));
        expect(r.qualifyingSpend).toBe(Number(ref.qualifyingSpend));
        expect(r.pointsBeforeCaps).toBe(Number(ref.pointsBeforeCaps));
        expect(r.points).toBe(Number(ref.points));
        expect(r.withheldByCaps).toBe(Number(ref.pointsBeforeCaps - ref.points));
        // invariants DOMAIN.md states in words
        const basketShares = r.lines.map((l, i) => l.discount - (input.lines[i] as BasketLineInput).discount);
        expect(basketShares.reduce((a, b) => a + b, 0)).toBe(input.basketDiscount);
        expect(r.lines.reduce((a, l) => a + l.pointsTender, 0)).toBe(r.redemptionValue);
        for (const l of r.lines) {
          expect(l.net).toBeGreaterThanOrEqual(0);
          expect(l.eligible).toBeGreaterThanOrEqual(0);
          if (l.excluded) expect(l.eligible).toBe(0);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('sale-wide promotions do not stack: the result equals the largest one applied alone', () => {
    fc.assert(
      fc.property(earnSpecArb, fc.array(multArb(5000), { minLength: 1, maxLength: 5 }), (s0, mults) => {
        const s = { ...s0, tenderMode: 'none' as const, promos: mults.map((m) => ({ multiplier: m, minSpend: 0 })) };
        const all = build(s);
        const best = mults.reduce((a, b) => (refMilli(b) > refMilli(a) ? b : a));
        const alone = build({ ...s, promos: [{ multiplier: best, minSpend: 0 }] });
        expect(computeEarn(all.rs, all.input).pointsBeforeCaps).toBe(
          computeEarn(alone.rs, alone.input).pointsBeforeCaps,
        );
      }),
      { numRuns: 150 },
    );
  });

  it('a points tender worth the whole basket leaves nothing eligible and earns 0', () => {
    fc.assert(
      fc.property(earnSpecArb, (s0) => {
        const s = { ...s0, ppcu: 100, bonus: '0', lowBonus: '0', tenderMode: 'all' as const };
        const { rs, input, ref } = build(s);
        const r = computeEarn(rs, input);
        expect(r.redemptionValue).toBe(r.total);
        expect(r.eligibleSpend).toBe(0);
        expect(r.points).toBe(0);
        expect(r.lines.map((l) => l.pointsTender)).toEqual(r.lines.map((l) => l.net));
        expect(r.qualifyingSpend).toBe(Number(ref.qualifyingSpend));
      }),
      { numRuns: 100 },
    );
  });
});

describe('audit: redemption against the DOMAIN.md 4 reference', () => {
  const redeemArb = fc.record({
    minimum: fc.oneof(fc.constant(100), fc.integer({ min: 0, max: 5000 })),
    ppcu: fc.oneof(fc.constant(100), fc.integer({ min: 1, max: 1000 })),
    share: fc.oneof(
      fc.constantFrom('0.5', '0.333', '1', '0', '0.001', '0.999'),
      fc.integer({ min: 0, max: 1000 }).map(fmtMilli),
    ),
    bonus: multArb(2000),
    basketTotal: fc.oneof(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 1e12 })),
    available: fc.oneof(fc.integer({ min: -500, max: 20_000 }), fc.integer({ min: 0, max: 1e10 })),
  });
  const rsFor = (o: { minimum: number; ppcu: number; share: string; bonus: string }): RuleSet =>
    rules({
      tiers: [{ code: 't', name: nm('t'), threshold: 0, redemptionBonus: o.bonus }],
      redemption: {
        ...DEFAULT_RULE_SET_INPUT.redemption,
        pointsPerCurrencyUnit: o.ppcu,
        minimumPoints: o.minimum,
        maxShareOfBasket: o.share,
      },
    });

  it('redemptionValue = floor of the exact value at the tier ratio', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1e12 }),
        fc.oneof(fc.constant(100), fc.integer({ min: 1, max: 1000 })),
        multArb(2000),
        (points, ppcu, bonus) => {
          const rs = rsFor({ minimum: 0, ppcu, share: '0.5', bonus });
          expect(redemptionValue(rs, 't', points)).toBe(
            Number(refValue(BigInt(points), BigInt(ppcu), refMilli(bonus))),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('checkRedemption accepts and refuses exactly as the rules say', () => {
    fc.assert(
      fc.property(
        redeemArb,
        fc.oneof(
          fc.integer({ min: 0, max: 1e7 }),
          fc.integer({ min: 0, max: 100 }).map((k) => k * 100),
        ),
        (o, points) => {
          const rs = rsFor(o);
          const got = codeOf(() =>
            checkRedemption(rs, { tier: 't', basketTotal: o.basketTotal, available: o.available, points }),
          );
          expect(got).toBe(refCheckRedemption({ ...o, points }));
        },
      ),
      { numRuns: 400 },
    );
  });

  it('boundary: a value of exactly maxShareOfBasket × basket is allowed, one fen less of basket is not', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(['0.5', 2], ['1', 1], ['0.25', 4], ['0.2', 5], ['0.125', 8]) as fc.Arbitrary<[string, number]>,
        fc.oneof(fc.constant(100), fc.integer({ min: 1, max: 1000 })),
        multArb(2000),
        fc.integer({ min: 1, max: 100_000 }),
        ([share, inv], ppcu, bonus, k) => {
          const rs = rsFor({ minimum: 0, ppcu, share, bonus });
          const points = k * ppcu;
          const value = Number(refValue(BigInt(points), BigInt(ppcu), refMilli(bonus)));
          fc.pre(value > 0);
          const basketTotal = value * inv; // basketTotal × share = value exactly
          const args = { tier: 't', available: points, points };
          expect(codeOf(() => checkRedemption(rs, { ...args, basketTotal }))).toBeNull();
          expect(codeOf(() => checkRedemption(rs, { ...args, basketTotal: basketTotal - 1 }))).toBe(
            'exceeds_basket_share',
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('redemptionLimits offers exactly the largest allowed redemption', () => {
    fc.assert(
      fc.property(redeemArb, (o) => {
        const rs = rsFor(o);
        const lim = redemptionLimits(rs, { tier: 't', basketTotal: o.basketTotal, available: o.available });
        expect(lim.maxPoints).toBe(refMaxPoints(o));
        expect(lim.maxValue).toBe(Number(refValue(BigInt(lim.maxPoints), BigInt(o.ppcu), refMilli(o.bonus))));
      }),
      { numRuns: 400 },
    );
  });

  it('offline: at most confirmed balance − spent since, and the offline daily maximum', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: -1000, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 0, max: 5000 }),
        fc.integer({ min: 0, max: 5000 }),
        (points, confirmed, spent, today, dailyMax) => {
          const rs = rules({
            redemption: { ...DEFAULT_RULE_SET_INPUT.redemption, offlineRedemptionDailyMax: dailyMax },
          });
          const args = { confirmedBalance: confirmed, spentSinceConfirmed: spent, redeemedTodayOffline: today };
          const ok = points === 0 || (points <= confirmed - spent && today + points <= dailyMax);
          expect(codeOf(() => checkOfflineRedemption(rs, { ...args, points }))).toBe(
            ok ? null : 'offline_redemption_limit',
          );
          expect(offlineAllowance(rs, args)).toBe(Math.max(0, Math.min(confirmed - spent, dailyMax - today)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// FIFO by expiry, never below zero (DOMAIN.md 4)
// ---------------------------------------------------------------------------------------------

function addDaysUtc(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

function entry(
  seq: number,
  kind: 'earn' | 'redeem',
  points: number,
  on: string,
  expiresOn: string | null,
): LedgerEntry {
  return {
    tillId: 't1',
    seq,
    memberNo: 'A1',
    kind,
    points,
    spend: 0,
    occurredAt: `${on}T04:00:00Z`,
    localDate: on,
    expiresOn: kind === 'earn' ? expiresOn : null,
    saleId: null,
    returnId: null,
    data: {},
    prevHash: '0',
    hash: '0',
  };
}

interface RefLot {
  earnedOn: string;
  expiresOn: string | null;
  remaining: number;
}

const expKey = (e: string | null): string => e ?? '9999-99-99';

describe('audit: spending consumes the lots that expire first (DOMAIN.md 4)', () => {
  it('matches a FIFO-by-expiry model and never goes below zero', () => {
    const opArb = fc.record({
      gap: fc.integer({ min: 0, max: 90 }),
      redeem: fc.boolean(),
      points: fc.integer({ min: 1, max: 1000 }),
      expiryDays: fc.option(fc.integer({ min: 0, max: 500 }), { nil: null }),
      frac: fc.integer({ min: 1, max: 1000 }),
    });
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 30 }), (ops) => {
        let day = '2024-01-01';
        const lots: RefLot[] = [];
        const entries: LedgerEntry[] = [];
        for (const op of ops) {
          day = addDaysUtc(day, op.gap);
          const live = lots.filter((l) => l.remaining > 0 && (l.expiresOn === null || l.expiresOn >= day));
          if (!op.redeem) {
            const expiresOn = op.expiryDays === null ? null : addDaysUtc(day, op.expiryDays);
            entries.push(entry(entries.length + 1, 'earn', op.points, day, expiresOn));
            const same = lots.find((l) => l.earnedOn === day && l.expiresOn === expiresOn);
            if (same) same.remaining += op.points;
            else lots.push({ earnedOn: day, expiresOn, remaining: op.points });
          } else {
            const spendable = live.reduce((a, l) => a + l.remaining, 0);
            const p = Math.floor((spendable * op.frac) / 1000);
            if (p === 0) continue;
            entries.push(entry(entries.length + 1, 'redeem', p, day, null));
            // earliest expiry first; same expiry: earliest earned first
            live.sort((a, b) =>
              expKey(a.expiresOn) !== expKey(b.expiresOn)
                ? expKey(a.expiresOn) < expKey(b.expiresOn)
                  ? -1
                  : 1
                : a.earnedOn < b.earnedOn
                  ? -1
                  : 1,
            );
            let left = p;
            for (const l of live) {
              const t = Math.min(l.remaining, left);
              l.remaining -= t;
              left -= t;
            }
          }
        }
        const s = foldEntries('A1', 'ordinary', entries);
        const norm = (xs: readonly RefLot[]): string[] =>
          xs
            .filter((l) => l.remaining > 0)
            .map((l) => `${expKey(l.expiresOn)}|${l.earnedOn}|${l.remaining}`)
            .sort();
        expect(norm(s.lots)).toEqual(norm(lots));
        // aggregated per expiry date (what DOMAIN.md itself pins down)
        const perExpiry = (xs: readonly RefLot[]): Record<string, number> => {
          const m: Record<string, number> = {};
          for (const l of xs) m[expKey(l.expiresOn)] = (m[expKey(l.expiresOn)] ?? 0) + l.remaining;
          for (const k of Object.keys(m)) if (m[k] === 0) delete m[k];
          return m;
        };
        expect(perExpiry(s.lots)).toEqual(perExpiry(lots));
        expect(s.debt).toBe(0);
        expect(s.balance).toBeGreaterThanOrEqual(0);
        expect(s.balance).toBe(lots.reduce((a, l) => a + l.remaining, 0));
        const liveNow = lots.filter((l) => l.expiresOn === null || l.expiresOn >= day);
        expect(spendablePoints(s, day, null)).toBe(liveNow.reduce((a, l) => a + l.remaining, 0));
      }),
      { numRuns: 200 },
    );
  });

  it('hand example: a lot earned later but expiring earlier is spent first; expired lots cannot pay', () => {
    const es = [
      entry(1, 'earn', 100, '2024-03-01', '2025-03-01'),
      entry(2, 'earn', 50, '2024-06-01', '2025-01-31'), // e.g. earned under a shorter policy
      entry(3, 'earn', 70, '2024-07-01', null),
      entry(4, 'earn', 30, '2023-01-01', '2024-01-31'), // expired before the redemption
      entry(5, 'redeem', 120, '2024-08-01', null),
    ];
    const s = foldEntries('A1', 'ordinary', es);
    const byEarned = Object.fromEntries(s.lots.map((l) => [l.earnedOn, l.remaining]));
    // 120 = 50 (expires 2025-01-31) + 70 of the 100 (expires 2025-03-01); the null-expiry lot untouched
    expect(byEarned).toEqual({ '2023-01-01': 30, '2024-03-01': 30, '2024-07-01': 70 });
    expect(spendablePoints(s, '2024-08-01', null)).toBe(100);
  });

  it('hand example: locked (newly earned) lots are not spendable', () => {
    const s = foldEntries('A1', 'ordinary', [
      entry(1, 'earn', 100, '2024-03-01', '2025-03-01'),
      entry(2, 'earn', 40, '2024-03-10', '2025-03-10'),
    ]);
    // pointsLockDays 7 on 2024-03-12: lots earned after 2024-03-05 are locked
    expect(spendablePoints(s, '2024-03-12', '2024-03-05')).toBe(100);
    expect(spendablePoints(s, '2024-03-17', '2024-03-10')).toBe(140);
  });
});

// ---------------------------------------------------------------------------------------------
// Hand-computed examples
// ---------------------------------------------------------------------------------------------

describe('audit: hand-computed earning examples', () => {
  const rs = DEFAULT_RULE_SET;

  it('default programme has the numbers DOMAIN.md 3 and 4 give', () => {
    expect(rs.currency).toBe('CNY');
    expect(rs.timeZone).toBe('Asia/Shanghai');
    expect(rs.earn.baseRate).toBe('1');
    expect(rs.earn.perMemberDailyMax).toBe(5000);
    expect([...rs.earn.excludedCategories].sort()).toEqual(['gift-card', 'tobacco']);
    expect(rs.tiers.map((t) => [t.code, t.earnMultiplier])).toEqual([
      ['ordinary', '1'],
      ['silver', '1.2'],
      ['gold', '1.5'],
      ['diamond', '2'],
    ]);
    expect(rs.tiers.map((t) => t.threshold)).toEqual([0, 500_000, 1_000_000, 5_000_000]);
    expect(rs.tiers.find((t) => t.code === 'diamond')?.redemptionBonus).toBe('0.2');
    expect(rs.tiers.filter((t) => t.code !== 'diamond').every((t) => refMilli(t.redemptionBonus) === 0n)).toBe(true);
    expect(rs.redemption).toMatchObject({
      pointsPerCurrencyUnit: 100,
      minimumPoints: 100,
      maxShareOfBasket: '0.5',
      pointsLockDays: 0,
      offlineAfterMinutes: 15,
      offlineRedemptionDailyMax: 2000,
      maxRedemptionsPerMinute: 100,
    });
    expect(rs.rewards.map((r) => [r.points, r.kind, r.value])).toEqual([
      [150, 'voucher', 200],
      [1000, 'coupon', 1000],
      [5000, 'service', 0],
    ]);
    expect(rs.promotions).toEqual([]);
  });

  it('integer thousandths: 2000 fen × 1.25 × Silver 1.2 × promo 2.3 / 100 = 69 exactly (floats give 68)', () => {
    expect(Math.floor((2000 * 1.25 * 1.2 * 2.3) / 100)).toBe(68); // the trap
    const r = earn(
      rules({
        earn: { ...DEFAULT_RULE_SET_INPUT.earn, categoryMultipliers: { drinks: '1.25' } },
        promotions: [{ id: 'x', name: nm('x'), multiplier: '2.3' }],
      }),
      { lines: [ln('a', 'drinks', 2000)], member: mem('silver') },
    );
    expect(r.pointsBeforeCaps).toBe(69);
  });

  it('full worked example: discount, exclusion, tender, category multipliers, Gold, promo', () => {
    // weights 1000/3000/2000 (Σ 6000), basket discount 600 -> 100/300/200 exactly
    // net 900/2700/1800, total 5400; 100 points = 100 fen pro rata by net:
    //   16.667/50/33.333 -> floors 16+50+33 = 99, 1 left -> line 0 -> P = 17/50/33
    // eligible 883, 2650, 0 (tobacco)
    // raw = 883×1.25 + 2650×0.333 = 1103.75 + 882.45 = 1986.2
    // points = floor(1986.2 × 1 × 1.5 × 2 / 100) = floor(59.586) = 59
    const r = earn(
      rules({
        earn: { ...DEFAULT_RULE_SET_INPUT.earn, categoryMultipliers: { drinks: '1.25', produce: '0.333' } },
        promotions: [{ id: 'x', name: nm('x'), multiplier: '2' }],
      }),
      {
        lines: [ln('d', 'drinks', 1000), ln('p', 'produce', 1000, 3), ln('t', 'tobacco', 2000)],
        basketDiscount: 600,
        pointsRedeemed: 100,
        member: mem('gold'),
      },
    );
    expect(r.lines.map((l) => l.net)).toEqual([900, 2700, 1800]);
    expect(r.lines.map((l) => l.pointsTender)).toEqual([17, 50, 33]);
    expect(r.lines.map((l) => l.eligible)).toEqual([883, 2650, 0]);
    expect(r.qualifyingSpend).toBe(3600);
    expect(r.eligibleSpend).toBe(3533);
    expect(r.points).toBe(59);
  });

  it('remainder ties go to the earlier line, for the discount and the tender', () => {
    const r = earn(rs, {
      lines: [ln('a', 'x', 1000), ln('b', 'x', 1000), ln('c', 'x', 1000)],
      basketDiscount: 2,
    });
    expect(r.lines.map((l) => l.net)).toEqual([999, 999, 1000]);
    const t = earn(rs, { lines: [ln('a', 'x', 500), ln('b', 'x', 500)], pointsRedeemed: 101 });
    // 101 fen over 500/500: 50.5 each -> 50+50, 1 left -> line 0
    expect(t.lines.map((l) => l.pointsTender)).toEqual([51, 50]);
  });

  it('a line discounted to zero and a zero-priced line take no share of the basket discount or tender', () => {
    const r = earn(rs, {
      lines: [ln('a', 'x', 1000, 1, 1000), ln('z', 'x', 0), ln('b', 'x', 500)],
      basketDiscount: 100,
      pointsRedeemed: 100,
    });
    expect(r.lines.map((l) => l.net)).toEqual([0, 0, 400]);
    expect(r.lines.map((l) => l.pointsTender)).toEqual([0, 0, 100]);
    expect(r.points).toBe(3); // floor(300 / 100)
  });

  it('a basket discount equal to the whole basket earns 0', () => {
    const r = earn(rs, { lines: [ln('a', 'x', 1234), ln('b', 'x', 1, 0.5)], basketDiscount: 1235 });
    expect(r.lines.map((l) => l.net)).toEqual([0, 0]);
    expect(r.total).toBe(0);
    expect(r.points).toBe(0);
  });

  it('all lines excluded: the tender is still allocated over them, nothing earns, no qualifying spend', () => {
    const r = earn(rs, {
      lines: [ln('t', 'tobacco', 3000), ln('g', 'gift-card', 5000)],
      pointsRedeemed: 1000,
    });
    expect(r.lines.map((l) => l.pointsTender)).toEqual([375, 625]);
    expect(r.eligibleSpend).toBe(0);
    expect(r.qualifyingSpend).toBe(0);
    expect(r.points).toBe(0);
  });

  it('Diamond tender equal to the whole basket is accepted and earns 0; one step more is refused', () => {
    const r = earn(rs, { lines: [ln('a', 'x', 1200)], pointsRedeemed: 1000, member: mem('diamond') });
    expect(r.redemptionValue).toBe(1200);
    expect(r.points).toBe(0);
    expect(codeOf(() => earn(rs, { lines: [ln('a', 'x', 1200)], pointsRedeemed: 1100, member: mem('diamond') }))).toBe(
      'invalid_basket',
    );
  });

  it('fractional quantities: gross half up to the fen', () => {
    const r = earn(rs, {
      lines: [ln('a', 'x', 1, 0.001), ln('b', 'x', 1, 0.5), ln('c', 'x', 3, 2.5), ln('d', 'x', 1, 1.499)],
    });
    expect(r.lines.map((l) => l.gross)).toEqual([0, 1, 8, 1]);
  });

  it('big quantities: 99,999.999 × ¥9,999.99 stays exact; the daily cap withholds the rest', () => {
    // 99,999,999 × 999,999 / 1000 = 99,999,899,000.001 -> 99,999,899,000 fen
    const r = earn(rs, { lines: [ln('a', 'x', 999_999, 99_999.999)] });
    expect(r.gross).toBe(99_999_899_000);
    expect(r.pointsBeforeCaps).toBe(999_998_990);
    expect(r.points).toBe(5000);
    expect(r.withheldByCaps).toBe(999_993_990);
  });

  it('caps: per transaction, then what is left of the member’s day; never negative', () => {
    const capped = rules({ earn: { ...DEFAULT_RULE_SET_INPUT.earn, perTransactionMax: 300 } });
    const lines = [ln('a', 'x', 100_000)]; // 1000 points
    expect(earn(capped, { lines, member: mem('ordinary', 0) }).points).toBe(300);
    expect(earn(capped, { lines, member: mem('ordinary', 4900) }).points).toBe(100);
    expect(earn(capped, { lines, member: mem('ordinary', 6000) }).points).toBe(0);
    expect(earn(capped, { lines, member: mem('ordinary', 6000) }).withheldByCaps).toBe(1000);
    // "the receipt says so": both caps are in the breakdown
    expect(earn(capped, { lines, member: mem('ordinary', 4900) }).breakdown).toEqual(
      expect.arrayContaining([
        { kind: 'cap', cap: 'perTransaction', limit: 300, withheld: 700 },
        { kind: 'cap', cap: 'daily', limit: 5000, withheld: 200 },
      ]),
    );
  });

  // Documented decision (decisions.md "Earning"): a category-scoped promotion competes per line.
  it('[documented] category promotion ×3 on drinks and sale-wide ×2: drinks ×3, the rest ×2', () => {
    const r = earn(
      rules({
        promotions: [
          { id: 'all', name: nm('all'), multiplier: '2' },
          { id: 'dr', name: nm('dr'), multiplier: '3', categories: ['drinks'] },
        ],
      }),
      { lines: [ln('d', 'drinks', 1000), ln('g', 'grocery', 1000)] },
    );
    expect(r.lines.map((l) => l.promotionId)).toEqual(['dr', 'all']);
    expect(r.points).toBe(50); // floor((1000×3 + 1000×2) / 100)
  });

  it('promotions do not stack; an inactive (minSpend) promotion does not count; a lone ×0.333 applies', () => {
    const three = rules({
      promotions: [
        { id: 'a', name: nm('a'), multiplier: '1.25' },
        { id: 'b', name: nm('b'), multiplier: '2' },
        { id: 'c', name: nm('c'), multiplier: '1.5' },
        { id: 'd', name: nm('d'), multiplier: '5', minSpend: 10_001 },
      ],
    });
    expect(earn(three, { lines: [ln('a', 'x', 10_000)] }).points).toBe(200);
    const low = rules({ promotions: [{ id: 'a', name: nm('a'), multiplier: '0.333' }] });
    expect(earn(low, { lines: [ln('a', 'x', 10_000)] }).points).toBe(33);
    // win-back (DOMAIN.md 8) competes, does not stack: ×2 win-back and ×3 promotion -> ×3
    const promo3 = rules({ promotions: [{ id: 'a', name: nm('a'), multiplier: '3' }] });
    const wb = mem('ordinary', 0, { winBackUntil: '2024-12-31' });
    expect(earn(promo3, { lines: [ln('a', 'x', 10_000)], member: wb }).points).toBe(300);
  });

  it('excluded wins over a category multiplier and over a category promotion', () => {
    const r = earn(
      rules({
        earn: { ...DEFAULT_RULE_SET_INPUT.earn, categoryMultipliers: { tobacco: '5' } },
        promotions: [{ id: 'a', name: nm('a'), multiplier: '3', categories: ['tobacco'] }],
      }),
      { lines: [ln('t', 'tobacco', 10_000), ln('x', 'x', 1000)] },
    );
    expect(r.points).toBe(10);
  });

  // Ambiguity (undocumented in docs/decisions.md): "pro rata by line total" read as the total after
  // the line's own discount. With gross weights the shares would be 50/50 = [1, 0] as well here, so
  // use a case where they differ: gross weights 1000/500 -> 200/100; after-own weights 500/500 -> 150/150.
  it('[ambiguity] basket discount is weighted by the line total after its own discount', () => {
    const r = earn(rs, { lines: [ln('a', 'x', 1000, 1, 500), ln('b', 'x', 500)], basketDiscount: 300 });
    expect(r.lines.map((l) => l.discount - (l.sku === 'a' ? 500 : 0))).toEqual([150, 150]);
  });
});

describe('audit: hand-computed redemption examples', () => {
  const rs = DEFAULT_RULE_SET;
  const base = { tier: 'ordinary', basketTotal: 10_000, available: 100_000 };

  it('minimum 100, steps of 100, at most 50 % of the basket, balance', () => {
    expect(codeOf(() => checkRedemption(rs, { ...base, points: 99 }))).toBe('below_minimum_redemption');
    expect(codeOf(() => checkRedemption(rs, { ...base, points: 150 }))).toBe('not_whole_redemption_units');
    expect(codeOf(() => checkRedemption(rs, { ...base, points: 5000 }))).toBeNull();
    expect(codeOf(() => checkRedemption(rs, { ...base, points: 5100 }))).toBe('exceeds_basket_share');
    expect(codeOf(() => checkRedemption(rs, { ...base, available: 4999, points: 5000 }))).toBe('insufficient_points');
    // odd basket: 50 % of 201 fen = 100.5 fen -> 100 points (100 fen) fit, 200 do not
    expect(redemptionLimits(rs, { ...base, basketTotal: 201 }).maxPoints).toBe(100);
  });

  it('Diamond: 100 points = ¥1.20; share checked on the value', () => {
    expect(redemptionValue(rs, 'diamond', 100)).toBe(120);
    expect(redemptionValue(rs, 'diamond', 4100)).toBe(4920);
    expect(codeOf(() => checkRedemption(rs, { ...base, tier: 'diamond', points: 4100 }))).toBeNull();
    expect(codeOf(() => checkRedemption(rs, { ...base, tier: 'diamond', points: 4200 }))).toBe('exceeds_basket_share');
    expect(redemptionLimits(rs, { ...base, tier: 'diamond' })).toMatchObject({ maxPoints: 4100, maxValue: 4920 });
  });

  // Ambiguity (documented: decisions.md "Redeeming" gives floor(points × 100 × (1 + bonus) / ppcu)):
  // "rounded down to the fen" applies to the whole redemption, not to the per-100-points rate.
  it('[ambiguity] a bonus of 0.333 rounds the whole value down, not the rate', () => {
    const odd = rules({
      tiers: [{ code: 't', name: nm('t'), threshold: 0, redemptionBonus: '0.333' }],
    });
    expect(redemptionValue(odd, 't', 100)).toBe(133);
    expect(redemptionValue(odd, 't', 300)).toBe(399);
    expect(redemptionValue(odd, 't', 1000)).toBe(1333); // per-rate rounding would give 1330
  });

  it('maxShareOfBasket 0.333 on 1001 fen: 333.333 fen -> 300 points', () => {
    const r = rules({ redemption: { ...DEFAULT_RULE_SET_INPUT.redemption, maxShareOfBasket: '0.333' } });
    expect(redemptionLimits(r, { ...base, basketTotal: 1001 }).maxPoints).toBe(300);
    expect(codeOf(() => checkRedemption(r, { ...base, basketTotal: 1001, points: 400 }))).toBe('exceeds_basket_share');
  });

  it('offline limits: confirmed 1000 − spent 300 = 700; 2000 a day', () => {
    const a = { confirmedBalance: 1000, spentSinceConfirmed: 300, redeemedTodayOffline: 0 };
    expect(codeOf(() => checkOfflineRedemption(rs, { ...a, points: 700 }))).toBeNull();
    expect(codeOf(() => checkOfflineRedemption(rs, { ...a, points: 800 }))).toBe('offline_redemption_limit');
    const rich = { confirmedBalance: 100_000, spentSinceConfirmed: 0, redeemedTodayOffline: 1500 };
    expect(codeOf(() => checkOfflineRedemption(rs, { ...rich, points: 500 }))).toBeNull();
    expect(codeOf(() => checkOfflineRedemption(rs, { ...rich, points: 600 }))).toBe('offline_redemption_limit');
    expect(offlineAllowance(rs, rich)).toBe(500);
  });
});
