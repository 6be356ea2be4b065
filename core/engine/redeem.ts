/**
 * Points as payment and the reward catalogue (DOMAIN.md 4). All ratios are integer
 * arithmetic so the till and head office agree on every fen.
 */
import { randomBytes } from 'node:crypto';
import { MILLI, parseMilli, toSafeNumber } from '../decimal.js';
import type { RuleSet, Reward } from '../ruleset/schema.js';
import { addDays, localDate } from '../time.js';
import { lowestTier, tierDef } from './tiers.js';
import { RuleViolation } from './types.js';

function checkPoints(points: number, field: string): void {
  if (!Number.isSafeInteger(points) || points < 0) {
    throw new RuleViolation('invalid_basket', `${field} must be a non-negative integer, got ${points}`);
  }
}

/**
 * What `points` are worth in fen at a tier, exactly, as num / den:
 * points × 100 × (1000 + redemptionBonusMilli) / (pointsPerCurrencyUnit × 1000).
 */
function exactValue(ruleSet: RuleSet, tierCode: string, points: number): { num: bigint; den: bigint } {
  checkPoints(points, 'points');
  const bonus = parseMilli(tierDef(ruleSet, tierCode).redemptionBonus);
  return {
    num: BigInt(points) * 100n * (MILLI + bonus),
    den: BigInt(ruleSet.redemption.pointsPerCurrencyUnit) * MILLI,
  };
}

/**
 * Money value in fen of `points` at a tier: the exact value rounded down, so a better tier
 * ratio never pays out a fraction of a fen.
 */
export function redemptionValue(ruleSet: RuleSet, tierCode: string, points: number): number {
  const { num, den } = exactValue(ruleSet, tierCode, points);
  return toSafeNumber(num / den);
}

/**
 * The money a refund keeps back for `points` a return could not take from the balance
 * (DOMAIN.md 6, `deductFromRefund`): the same exact value a redemption pays for them at the
 * member's tier, rounded up. Both roundings leave the fraction of a fen with the programme: a
 * redemption never pays out more than the points are worth, and the deduction is never less
 * than what the points the member keeps are worth (docs/decisions.md "Returns").
 */
export function refundDeduction(ruleSet: RuleSet, tierCode: string, points: number): number {
  const { num, den } = exactValue(ruleSet, tierCode, points);
  return toSafeNumber((num + den - 1n) / den);
}

/**
 * The tier whose redemption ratio values a member's points: theirs, or the lowest tier's for no
 * tier or a code the rule set no longer knows (a retired tier).
 */
export function ratioTier(ruleSet: RuleSet, tierCode: string | null): string {
  const known = tierCode !== null && ruleSet.tiers.some((t) => t.code === tierCode);
  return known ? tierCode : lowestTier(ruleSet).code;
}

/** The most money points may pay of a basket: floor(basketTotal × maxShareOfBasket). */
function basketShareCap(ruleSet: RuleSet, basketTotal: number): number {
  const share = parseMilli(ruleSet.redemption.maxShareOfBasket);
  return toSafeNumber((BigInt(Math.max(0, basketTotal)) * share) / MILLI);
}

export interface RedemptionLimits {
  minimumPoints: number;
  step: number;
  /** largest redeemable amount now, a multiple of `step`; 0 when below the minimum */
  maxPoints: number;
  maxValue: number;
}

export function redemptionLimits(
  ruleSet: RuleSet,
  args: { tier: string; basketTotal: number; available: number },
): RedemptionLimits {
  const { minimumPoints, pointsPerCurrencyUnit: step } = ruleSet.redemption;
  const cap = basketShareCap(ruleSet, args.basketTotal);
  // Start from the largest whole number of units the balance covers and step down until
  // the value fits under the basket share; value is monotone in points, so the first fit
  // is the largest. The start is estimated so the loop runs at most a couple of times.
  const bonus = parseMilli(tierDef(ruleSet, args.tier).redemptionBonus);
  const unitsByBalance = Math.floor(Math.max(0, args.available) / step);
  const unitsByCap = toSafeNumber(((BigInt(cap) + 1n) * MILLI) / (100n * (MILLI + bonus)));
  let units = Math.min(unitsByBalance, unitsByCap);
  while (units > 0 && redemptionValue(ruleSet, args.tier, units * step) > cap) units -= 1;
  let maxPoints = units * step;
  if (maxPoints < minimumPoints) maxPoints = 0;
  return { minimumPoints, step, maxPoints, maxValue: redemptionValue(ruleSet, args.tier, maxPoints) };
}

/**
 * Refuses a points tender that breaks a rule. The precedence (minimum, whole units, basket
 * share, balance) tells the cashier first what no balance could fix.
 */
export function checkRedemption(
  ruleSet: RuleSet,
  args: { tier: string; basketTotal: number; available: number; points: number },
): void {
  const { points } = args;
  checkPoints(points, 'points');
  if (points === 0) return;
  const { minimumPoints, pointsPerCurrencyUnit } = ruleSet.redemption;
  if (points < minimumPoints) {
    throw new RuleViolation('below_minimum_redemption', `at least ${minimumPoints} points must be redeemed`);
  }
  if (points % pointsPerCurrencyUnit !== 0) {
    throw new RuleViolation(
      'not_whole_redemption_units',
      `points are redeemed in steps of ${pointsPerCurrencyUnit}, got ${points}`,
    );
  }
  const cap = basketShareCap(ruleSet, args.basketTotal);
  const value = redemptionValue(ruleSet, args.tier, points);
  if (value > cap) {
    throw new RuleViolation('exceeds_basket_share', `points may pay at most ${cap} fen of this basket, asked ${value}`);
  }
  if (points > args.available) {
    throw new RuleViolation('insufficient_points', `only ${args.available} points available, asked ${points}`);
  }
}

/**
 * Extra limit while the till cannot reach head office (DOMAIN.md 4): the member may spend
 * only what head office last confirmed, less what this till spent since, and at most the
 * offline daily maximum, so two offline stores can overspend by a bounded amount only.
 */
export function checkOfflineRedemption(
  ruleSet: RuleSet,
  args: { points: number; confirmedBalance: number; spentSinceConfirmed: number; redeemedTodayOffline: number },
): void {
  const { points } = args;
  checkPoints(points, 'points');
  if (points === 0) return;
  const spendable = args.confirmedBalance - args.spentSinceConfirmed;
  if (points > spendable) {
    throw new RuleViolation(
      'offline_redemption_limit',
      `offline: only ${Math.max(0, spendable)} points confirmed by head office are spendable`,
    );
  }
  const max = ruleSet.redemption.offlineRedemptionDailyMax;
  if (args.redeemedTodayOffline + points > max) {
    throw new RuleViolation(
      'offline_redemption_limit',
      `offline: at most ${max} points a day, ${args.redeemedTodayOffline} already redeemed today`,
    );
  }
}

/**
 * The most an offline till may still redeem for a member (DOMAIN.md 4): what head office last
 * confirmed less what this till spent since, and what is left of today's offline maximum.
 * Quotes and the reward screen offer no more than this, so a sale is never refused at a
 * limit its quote did not show.
 */
export function offlineAllowance(
  ruleSet: RuleSet,
  args: { confirmedBalance: number; spentSinceConfirmed: number; redeemedTodayOffline: number },
): number {
  const byBalance = args.confirmedBalance - args.spentSinceConfirmed;
  const byDay = ruleSet.redemption.offlineRedemptionDailyMax - args.redeemedTodayOffline;
  return Math.max(0, Math.min(byBalance, byDay));
}

/** null rather than a throw: an unknown reward id is a catalogue lookup miss for the caller to report. */
export function rewardFor(ruleSet: RuleSet, rewardId: string): Reward | null {
  return ruleSet.rewards.find((r) => r.id === rewardId) ?? null;
}

/** Validity in local dates, both inclusive: issued today with validDays 1 means valid today only. */
export function couponValidity(
  ruleSet: RuleSet,
  reward: Reward,
  issuedAtIso: string,
): { validFrom: string; validTo: string } {
  const validFrom = localDate(issuedAtIso, ruleSet.timeZone).date;
  return { validFrom, validTo: addDays(validFrom, reward.validDays - 1) };
}

export type CouponState = 'ok' | 'used' | 'expired' | 'not_yet_valid';

/** 'used' wins over dates: a used coupon is refused everywhere whatever its validity. */
export function isCouponUsable(
  coupon: { validFrom: string; validTo: string; usedAt: string | null },
  atIso: string,
  timeZone: string,
): CouponState {
  if (coupon.usedAt !== null) return 'used';
  const today = localDate(atIso, timeZone).date;
  if (today < coupon.validFrom) return 'not_yet_valid';
  if (today > coupon.validTo) return 'expired';
  return 'ok';
}

const COUPON_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A new coupon code: "CP" and 12 characters of Crockford base32 (~60 bits), unguessable, easy to
 * read out and to print as a barcode. The till's catalogue rewards and head office's campaign
 * coupons draw from the same space.
 */
export function newCouponCode(): string {
  const bytes = randomBytes(12);
  return `CP${[...bytes].map((b) => COUPON_ALPHABET[b % 32]).join('')}`;
}
