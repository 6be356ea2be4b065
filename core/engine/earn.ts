/**
 * Points earned on a sale (DOMAIN.md 3). Head office recomputes every sale with this same
 * function, so the order of operations and the single rounding step are part of the contract:
 *
 *   points = floor( Σ_i eligible_i × cat_i × promo_i × baseRate × tier / (1000^4 × 100) )
 *
 * with every multiplier in thousandths and the product in bigint: one floor at the very end,
 * so no intermediate rounding can make two machines disagree.
 *
 * Promotions: see promotions.ts for the "largest wins, per line" decision.
 *
 * Anonymous basket (member null): computed as for the lowest tier so the quote can show what
 * a member would have earned; `points` keeps that figure, but the caller grants nothing for
 * an anonymous sale. No bonuses and no stamp are computed, and no member-dependent promotion
 * applies.
 *
 * The engine does not check redemption limits (minimum, steps, basket share, balance): the
 * caller does that with checkRedemption before closing the sale. It only refuses a points
 * tender worth more than the basket, which no allocation could make sense of.
 */
import { MILLI, parseMilli, toSafeNumber } from '../decimal.js';
import { allocateLargestRemainder } from '../money.js';
import type { RuleSet, TierDef } from '../ruleset/schema.js';
import { localDate } from '../time.js';
import { priceLines } from './basket.js';
import { buildBreakdown } from './breakdown.js';
import { categoryName } from '../ruleset/names.js';
import { activePromotions, birthdayMonth, campaignBonuses, promotionFor, type ActivePromotion } from './promotions.js';
import { redemptionValue } from './redeem.js';
import { lowestTier, tierDef } from './tiers.js';
import { RuleViolation, type EarnInput, type EarnResult, type FixedBonus, type LineResult } from './types.js';

const SCALE = MILLI * MILLI * MILLI * MILLI * 100n;

function invalid(message: string): never {
  throw new RuleViolation('invalid_basket', message);
}

function categoryMilli(ruleSet: RuleSet, category: string): bigint {
  // hasOwn: a category named "constructor" must not pick up Object.prototype.
  const m = ruleSet.earn.categoryMultipliers;
  return Object.hasOwn(m, category) ? parseMilli(m[category] as string) : MILLI;
}

export function computeEarn(ruleSet: RuleSet, input: EarnInput): EarnResult {
  const { member } = input;
  const tier: TierDef = member ? tierDef(ruleSet, member.tier) : lowestTier(ruleSet);
  if (!Number.isSafeInteger(input.pointsRedeemed) || input.pointsRedeemed < 0) {
    invalid(`pointsRedeemed must be an integer >= 0, got ${input.pointsRedeemed}`);
  }
  if (typeof input.occurredAt !== 'string' || Number.isNaN(Date.parse(input.occurredAt))) {
    invalid(`occurredAt must be an ISO 8601 instant, got ${String(input.occurredAt)}`);
  }
  if (member && (!Number.isSafeInteger(member.earnedToday) || member.earnedToday < 0)) {
    invalid(`member.earnedToday must be an integer >= 0, got ${member.earnedToday}`);
  }
  if (member && (!Number.isSafeInteger(member.stamps) || member.stamps < 0)) {
    invalid(`member.stamps must be an integer >= 0, got ${member.stamps}`);
  }

  // Steps 1-3: net, points tender share, eligible.
  const priced = priceLines(input.lines, input.basketDiscount);
  const gross = priced.reduce((a, l) => a + l.gross, 0);
  const total = priced.reduce((a, l) => a + l.net, 0);
  const tenderValue = redemptionValue(ruleSet, tier.code, input.pointsRedeemed);
  if (tenderValue > total) {
    invalid(`points tender worth ${tenderValue} fen exceeds the basket total ${total} fen`);
  }
  // Over ALL lines, excluded ones included: points paying for tobacco still paid for it,
  // they just do not reduce anything that earns.
  const tender = allocateLargestRemainder(
    tenderValue,
    priced.map((l) => l.net),
  );
  const excludedCategories = new Set(ruleSet.earn.excludedCategories);
  const staged = priced.map((l, i) => {
    const excluded = excludedCategories.has(l.category);
    const pointsTender = tender[i] ?? 0;
    return { l, excluded, pointsTender, eligible: excluded ? 0 : l.net - pointsTender };
  });

  // Step 5 promotions, chosen per line.
  const day = localDate(input.occurredAt, ruleSet.timeZone);
  const active = activePromotions(ruleSet, {
    day,
    member,
    tier: tier.code,
    lines: staged.filter((s) => !s.excluded).map((s) => ({ category: s.l.category, eligible: s.eligible })),
  });
  const used = new Set<ActivePromotion>();
  const lines: LineResult[] = staged.map(({ l, excluded, pointsTender, eligible }) => {
    const promo = excluded ? null : promotionFor(active, l.category);
    if (promo) used.add(promo);
    return {
      sku: l.sku,
      category: l.category,
      quantityMilli: l.quantityMilli,
      unitPrice: l.unitPrice,
      gross: l.gross,
      discount: l.ownDiscount + l.basketShare,
      net: l.net,
      pointsTender,
      excluded,
      eligible,
      categoryMultiplierMilli: Number(categoryMilli(ruleSet, l.category)),
      promotionId: promo?.id ?? null,
      promoMultiplierMilli: Number(promo?.multiplierMilli ?? MILLI),
    };
  });

  // Steps 4-5: one exact product, one floor.
  const baseRateMilli = parseMilli(ruleSet.earn.baseRate);
  const tierMilli = parseMilli(tier.earnMultiplier);
  let raw = 0n;
  for (const l of lines) {
    raw += BigInt(l.eligible) * BigInt(l.categoryMultiplierMilli) * BigInt(l.promoMultiplierMilli);
  }
  const pointsBeforeCaps = toSafeNumber((raw * baseRateMilli * tierMilli) / SCALE);

  // Step 7 caps: per transaction first, then what is left of the member's day.
  const caps: { cap: 'perTransaction' | 'daily'; limit: number; withheld: number }[] = [];
  let points = pointsBeforeCaps;
  const { perTransactionMax, perMemberDailyMax } = ruleSet.earn;
  if (perTransactionMax !== null && points > perTransactionMax) {
    caps.push({ cap: 'perTransaction', limit: perTransactionMax, withheld: points - perTransactionMax });
    points = perTransactionMax;
  }
  if (perMemberDailyMax !== null) {
    const left = Math.max(0, perMemberDailyMax - (member?.earnedToday ?? 0));
    if (points > left) {
      caps.push({ cap: 'daily', limit: perMemberDailyMax, withheld: points - left });
      points = left;
    }
  }

  const eligibleSpend = lines.reduce((a, l) => a + l.eligible, 0);
  const qualifyingSpend = lines.reduce((a, l) => a + (l.excluded ? 0 : l.net), 0);

  // Step 6 fixed bonuses: separate entries, never multiplied or capped.
  const bonuses: FixedBonus[] = [];
  let stampEarned = 0;
  let stamp: { stamps: number; of: number } | null = null;
  if (member) {
    if (birthdayMonth(member) === day.month && member.birthdayGiftYear !== day.year && tier.birthdayGiftPoints > 0) {
      bonuses.push({ bonus: 'birthday', points: tier.birthdayGiftPoints });
    }
    const card = ruleSet.stampCard;
    if (card && eligibleSpend >= card.threshold) {
      stampEarned = 1;
      const after = member.stamps + 1;
      const rewarded = after <= (member.stampsHigh ?? member.stamps);
      if (!rewarded && after % card.stampsForReward === 0) bonuses.push({ bonus: 'stamp', points: card.rewardPoints });
      // Position on the current card, so the 10th stamp shows 10/10 rather than 0/10.
      stamp = { stamps: ((after - 1) % card.stampsForReward) + 1, of: card.stampsForReward };
    }
    bonuses.push(...campaignBonuses(member, day, eligibleSpend));
  }

  const breakdown = buildBreakdown({
    lines,
    eligibleSpend,
    baseRateMilli,
    redemptionValue: tenderValue,
    tier,
    tierMilli,
    promotions: active.filter((p) => used.has(p)),
    pointsBeforeCaps,
    caps,
    points,
    bonuses,
    stamp,
    categoryName: (code) => categoryName(ruleSet, code),
  });

  return {
    lines,
    gross,
    total,
    qualifyingSpend,
    eligibleSpend,
    redemptionValue: tenderValue,
    pointsBeforeCaps,
    points,
    withheldByCaps: pointsBeforeCaps - points,
    bonuses,
    stampEarned,
    breakdown: breakdown.items,
    breakdownText: breakdown.text,
  };
}
