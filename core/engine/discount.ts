/**
 * The member discount a tier offers (DOMAIN.md 5 tier benefit, CONTRACTS.md quote and sale).
 * The till offers it; the POS applies it as a basket discount, so points are then earned on
 * what the customer pays. The amount is part of what head office may check, so it is exact:
 *
 *   amount = floor(total × percent / 100)            (fen)
 *
 * - `total`: the basket as sent, after line and basket discounts, before the points tender
 *   (the engine's `total`).
 * - `percent`: the tier's `memberDiscountPercent` (0 to 100), read in thousandths of a percent
 *   like every multiplier (DOMAIN.md 1); a rule set never needs finer, and reading it the same
 *   way on every machine keeps the float out of the product.
 * - One floor, in bigint, at the end: the customer never gets a fraction of a fen too much.
 *
 * A member whose tier the rule set no longer lists (a retired tier) is offered no discount:
 * nothing in the rule set in force promises one.
 */
import { MILLI, toSafeNumber } from '../decimal.js';
import type { RuleSet } from '../ruleset/schema.js';

export interface MemberDiscount {
  /** the tier's discount percentage, 0 when it offers none (or without a member) */
  percent: number;
  /** fen */
  amount: number;
}

export const NO_MEMBER_DISCOUNT: MemberDiscount = { percent: 0, amount: 0 };

/** A percentage as thousandths of a percent: 5 -> 5000n, 2.5 -> 2500n. */
export function percentMilli(percent: number): bigint {
  if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new RangeError(`a discount percentage is 0 to 100, not ${percent}`);
  }
  return BigInt(Math.round(percent * 1000));
}

/** floor(total × percent / 100) in fen; `total` is integer fen. */
export function memberDiscountAmount(total: number, percent: number): number {
  if (!Number.isSafeInteger(total) || total < 0) throw new RangeError(`a basket total is whole fen, not ${total}`);
  return toSafeNumber((BigInt(total) * percentMilli(percent)) / (100n * MILLI));
}

/** The percentage a tier offers; 0 for a tier the rule set does not list. */
export function tierDiscountPercent(rs: RuleSet, tier: string): number {
  return rs.tiers.find((t) => t.code === tier)?.memberDiscountPercent ?? 0;
}

/** What the till offers a member of `tier` on a basket of `total` fen. */
export function memberDiscountFor(rs: RuleSet, tier: string, total: number): MemberDiscount {
  const percent = tierDiscountPercent(rs, tier);
  return { percent, amount: memberDiscountAmount(total, percent) };
}
