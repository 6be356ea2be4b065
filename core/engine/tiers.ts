/**
 * Tier movement (DOMAIN.md 5). Upgrades happen the moment a sale crosses a threshold;
 * downgrades only at a review and by one step, so a member never falls off a cliff
 * because of one quiet quarter.
 */
import type { RuleSet, TierDef } from '../ruleset/schema.js';
import { endOfQuarter, endOfYear } from '../time.js';
import { RuleViolation } from './types.js';

/** Position of a tier in the programme's ordered list; an unknown code is refused, not guessed. */
export function tierIndex(ruleSet: RuleSet, code: string): number {
  const i = ruleSet.tiers.findIndex((t) => t.code === code);
  if (i < 0) throw new RuleViolation('unknown_tier', `unknown tier: ${code}`);
  return i;
}

export function tierDef(ruleSet: RuleSet, code: string): TierDef {
  return ruleSet.tiers[tierIndex(ruleSet, code)] as TierDef;
}

/** The schema guarantees at least one tier with threshold 0. */
export function lowestTier(ruleSet: RuleSet): TierDef {
  return ruleSet.tiers[0] as TierDef;
}

export interface TierAfterSale {
  tier: string;
  changed: boolean;
  reason: 'threshold' | 'instant' | null;
}

/**
 * The tier from the next sale on. The sale itself has already earned at the old tier
 * (the caller computed it before calling this). When the threshold and an instant upgrade
 * reach the same tier, 'threshold' is reported: it is the reason that also survives reviews.
 */
export function tierAfterSale(
  ruleSet: RuleSet,
  args: { tier: string; rollingSpendAfter: number; saleQualifying: number },
): TierAfterSale {
  const current = tierIndex(ruleSet, args.tier);
  let byThreshold = 0;
  let byInstant = -1;
  ruleSet.tiers.forEach((t, i) => {
    if (t.threshold <= args.rollingSpendAfter) byThreshold = i;
    if (t.instantUpgradeSale !== null && t.instantUpgradeSale <= args.saleQualifying) byInstant = i;
  });
  const target = Math.max(byThreshold, byInstant);
  if (target <= current) return { tier: args.tier, changed: false, reason: null };
  return {
    tier: (ruleSet.tiers[target] as TierDef).code,
    changed: true,
    reason: byThreshold >= byInstant ? 'threshold' : 'instant',
  };
}

/** The review on or after a local date: end of its calendar quarter, or 31 December. */
export function nextReviewOnOrAfter(ruleSet: RuleSet, date: string): string {
  return ruleSet.tierReview === 'annual' ? endOfYear(date) : endOfQuarter(date);
}

export function isReviewDate(ruleSet: RuleSet, date: string): boolean {
  return nextReviewOnOrAfter(ruleSet, date) === date;
}

/**
 * A review only ever moves down, and by exactly one tier: upgrades were already applied
 * sale by sale, and DOMAIN.md 5 forbids dropping more than one step at a time.
 */
export function tierAtReview(
  ruleSet: RuleSet,
  args: { tier: string; rollingSpend: number },
): { tier: string; changed: boolean } {
  const i = tierIndex(ruleSet, args.tier);
  const def = ruleSet.tiers[i] as TierDef;
  if (i === 0 || args.rollingSpend >= def.threshold) return { tier: args.tier, changed: false };
  return { tier: (ruleSet.tiers[i - 1] as TierDef).code, changed: true };
}

/** "距下一等级还差": spend still needed for the next tier by threshold; null at the top. */
export function progressToNextTier(
  ruleSet: RuleSet,
  args: { tier: string; rollingSpend: number },
): { next: string | null; remaining: number } {
  const next = ruleSet.tiers[tierIndex(ruleSet, args.tier) + 1];
  if (!next) return { next: null, remaining: 0 };
  return { next: next.code, remaining: Math.max(0, next.threshold - args.rollingSpend) };
}
