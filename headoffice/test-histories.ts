/**
 * Tills' histories for head office's convergence properties (convergence.property.test.ts, one
 * process; convergence-processes.property.test.ts, two on one database): a few members shared
 * by the tills, each till's operations with its own clock, played into a TillSim.
 */
import fc from 'fast-check';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { parseRuleSet } from '../core/ruleset/schema.js';
import { at, type TillSim } from './test-helpers.js';

export const MEMBERS = ['M0', 'M1', 'M2'];

export type Op =
  | { kind: 'enrol'; m: number }
  | { kind: 'expire'; m: number }
  | { kind: 'sale'; m: number; price: number; redeem: number }
  | { kind: 'bonus'; m: number; points: number }
  | { kind: 'redeem'; m: number; points: number }
  | { kind: 'oldEarn'; m: number; points: number }
  /** one of this till's own sales taken back whole */
  | { kind: 'return'; k: number };

const m = fc.nat(MEMBERS.length - 1);
const points = fc.integer({ min: 1, max: 300 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('enrol' as const, 'expire' as const), m }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('sale' as const),
      m,
      price: fc.nat(300_000),
      redeem: fc.constantFrom(0, 100, 200),
    }),
  },
  fc.record({ kind: fc.constantFrom('bonus' as const, 'redeem' as const, 'oldEarn' as const), m, points }),
  fc.record({ kind: fc.constant('return' as const), k: fc.nat() }),
);

/** One till's history, its clock advancing 0-40 minutes per operation. */
export function tillHistory(maxLength: number): fc.Arbitrary<[Op, number][]> {
  return fc.array(fc.tuple(op, fc.nat(40)), { minLength: 1, maxLength });
}

export function play(till: TillSim, ops: readonly [Op, number][]): void {
  let minute = 0;
  const sold: string[] = [];
  for (const [o, step] of ops) {
    const when = at((minute += step));
    if (o.kind === 'return') {
      // Nothing when the till has sold nothing yet, or the sale was taken back already.
      if (sold.length > 0) till.returnSale(sold[o.k % sold.length] as string, when);
      continue;
    }
    const no = MEMBERS[o.m] as string;
    if (o.kind === 'sale') {
      // A till never redeems more than its own view holds, nor more than half the basket.
      const redeem = o.redeem <= till.state(no).balance && o.redeem * 2 <= o.price ? o.redeem : 0;
      sold.push(till.sale(no, o.price, when, { redeem }).saleId);
    } else if (o.kind === 'enrol') till.enrol(no, when);
    else if (o.kind === 'expire') till.expire(no, '2020-02-01', when);
    else if (o.kind === 'bonus') till.bonus(no, o.points, when);
    else if (o.kind === 'redeem') till.redeem(no, o.points, when);
    else till.append(no, 'earn', o.points, when, { expiresOn: '2020-01-31', spend: o.points * 100 });
  }
}

/**
 * Tier thresholds no member here reaches: head office then decides nothing of its own
 * (store/decisions.ts). Its entries are dated when it decides, so two head offices can never
 * hold the same ones; the properties are about the tills' entries. Sales are still recomputed
 * with the version they were made with (1).
 */
export const NO_UPGRADES = parseRuleSet({
  ...DEFAULT_RULE_SET_INPUT,
  version: 2,
  tiers: DEFAULT_RULE_SET_INPUT.tiers.map((tier, i) =>
    i === 0 ? tier : { ...tier, threshold: tier.threshold * 1000 },
  ),
});
