/**
 * What a sale is computed against (DOMAIN.md 3, 5, 12), from a member's state: the tier after
 * the reviews that fell due, the daily cap already used (with the late budget), stamps,
 * birthday gift and win-back. The till and head office's recompute both call this, so a sale
 * checked at head office is judged on exactly the context the till used.
 */
import { capUsed, liveOffers, rollingSpendKnownOn, type MemberState } from '../ledger/state.js';
import type { RuleSet, TierDef } from '../ruleset/schema.js';
import { addDays } from '../time.js';
import { lowestTier, nextReviewOnOrAfter, tierAtReview, tierIndex } from './tiers.js';
import type { MemberContext } from './types.js';

/** The review dates strictly before `today` that this member has not been through yet. */
export function dueReviews(rs: RuleSet, s: MemberState, today: string): string[] {
  let r: string;
  if (s.tierSince && (!s.reviewedThrough || s.tierSince > s.reviewedThrough)) {
    // A review judges a tier held for a whole period: the part-period it was reached in is skipped.
    r = nextReviewOnOrAfter(rs, addDays(nextReviewOnOrAfter(rs, s.tierSince), 1));
  } else if (s.reviewedThrough) {
    r = nextReviewOnOrAfter(rs, addDays(s.reviewedThrough, 1));
  } else {
    return [];
  }
  const out: string[] = [];
  while (r < today && out.length < 400) {
    out.push(r);
    r = nextReviewOnOrAfter(rs, addDays(r, 1));
  }
  return out;
}

/** One review's outcome, in order: what a review entry records. */
export interface ReviewStep {
  review: string;
  from: string;
  to: string;
  /** the rolling spend `from` needs (fen): what the review judged the member's spend against */
  threshold: number;
}

/** The reviews due before `today` and the tier each leaves (stops once at the lowest tier). */
export function reviewSteps(rs: RuleSet, s: MemberState, today: string): ReviewStep[] {
  const first = lowestTier(rs).code;
  let tier = s.tier;
  const out: ReviewStep[] = [];
  if (tier === first || !rs.tiers.some((t) => t.code === tier)) return out;
  for (const review of dueReviews(rs, s, today)) {
    const to = tierAtReview(rs, { tier, rollingSpend: rollingSpendKnownOn(s, review) }).tier;
    out.push({ review, from: tier, to, threshold: (rs.tiers[tierIndex(rs, tier)] as TierDef).threshold });
    tier = to;
    if (tier === first) break;
  }
  return out;
}

/**
 * The tier the member holds on `today` once the due reviews are applied, computed without
 * writing anything: a quote, a sale and head office's recompute all earn at this tier.
 */
export function reviewedTier(rs: RuleSet, s: MemberState, today: string): string {
  const steps = reviewSteps(rs, s, today);
  return steps.length ? (steps[steps.length - 1] as ReviewStep).to : s.tier;
}

/** Position of a tier, or -1 for a code the rule set does not know (a retired tier). */
export function tierRankOf(rs: RuleSet, code: string): number {
  try {
    return tierIndex(rs, code);
  } catch {
    return -1;
  }
}

export function memberContextFor(
  rs: RuleSet,
  view: MemberState,
  args: { birthday: string | null; saleDay: string; recordedOn: string },
): MemberContext {
  return {
    memberNo: view.memberNo,
    tier: reviewedTier(rs, view, args.saleDay),
    birthday: args.birthday,
    winBackUntil: view.winBackUntil,
    ...(view.offers?.length ? { offers: liveOffers(view, args.saleDay) } : {}),
    earnedToday: capUsed(view, args.saleDay, args.recordedOn),
    stamps: view.stamps,
    ...(view.stampsHigh !== undefined ? { stampsHigh: view.stampsHigh } : {}),
    birthdayGiftYear: view.birthdayGiftYear,
  };
}
