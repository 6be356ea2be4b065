/**
 * Inputs and results of the pure points engine. The till and head office both call the
 * engine with these shapes; head office recomputes every sale from the stored inputs.
 */
import type { LiveOffer } from '../ledger/state.js';

export interface BasketLineInput {
  sku: string;
  name?: string | undefined;
  category: string;
  /** may be fractional (weighed goods), at most three decimals, > 0 */
  quantity: number;
  /** fen per unit */
  unitPrice: number;
  /** the line's own discount in fen */
  discount: number;
}

/** What the engine needs to know about the member at the moment of the sale. */
export interface MemberContext {
  memberNo: string;
  tier: string;
  /** "MM-DD" or null */
  birthday: string | null;
  /** local date (YYYY-MM-DD) until which a win-back offer is active, inclusive; null if none */
  winBackUntil: string | null;
  /** campaign offers head office granted (docs/campaigns.md); each applies on its from..until */
  offers?: readonly LiveOffer[];
  /** sale points already granted on the sale's local day (DOMAIN.md 3.7 daily cap) */
  earnedToday: number;
  /** stamps on the stamp card before this sale */
  stamps: number;
  /** MemberState.stampsHigh: stamps re-earned up to it after returns grant no reward again */
  stampsHigh?: number;
  /** the local year in which the birthday gift was last granted, or null */
  birthdayGiftYear: number | null;
}

export interface EarnInput {
  lines: readonly BasketLineInput[];
  /** basket-level discount in fen */
  basketDiscount: number;
  /** points tendered as payment (0 if none) */
  pointsRedeemed: number;
  /** ISO 8601 instant the sale closed */
  occurredAt: string;
  /** null for an anonymous basket: points are computed as for the lowest tier, nothing granted */
  member: MemberContext | null;
}

export interface LineResult {
  sku: string;
  category: string;
  quantityMilli: number;
  unitPrice: number;
  /** quantity x unit price, rounded half up */
  gross: number;
  /** own discount + share of the basket discount */
  discount: number;
  /** net_i: gross - discount */
  net: number;
  /** P_i: the share of the points tender's money value, fen */
  pointsTender: number;
  excluded: boolean;
  /** eligible_i = net_i - P_i for eligible lines, 0 for excluded lines */
  eligible: number;
  /** thousandths, e.g. "1.5" -> 1500 */
  categoryMultiplierMilli: number;
  /** the promotion multiplying this line (largest active), or null */
  promotionId: string | null;
  promoMultiplierMilli: number;
}

export type BreakdownItem =
  | { kind: 'base'; eligibleSpend: number; baseRateMilli: number; points: number }
  | { kind: 'excluded'; amount: number; categories: string[] }
  | { kind: 'pointsTender'; amount: number }
  | { kind: 'category'; category: string; multiplierMilli: number; amount: number }
  | { kind: 'tier'; tier: string; multiplierMilli: number }
  | { kind: 'promotion'; promotionId: string; multiplierMilli: number; categories: string[] | null }
  | { kind: 'cap'; cap: 'perTransaction' | 'daily'; limit: number; withheld: number }
  | {
      kind: 'bonus';
      bonus: 'birthday' | 'stamp' | 'enrolment' | 'referral' | 'campaign';
      points: number;
      /** bonus "campaign": the campaign whose offer gave it */
      campaignId?: string;
    }
  | { kind: 'stamp'; stamps: number; of: number };

export interface FixedBonus {
  bonus: 'birthday' | 'stamp' | 'campaign';
  points: number;
  /** bonus "campaign": the campaign's offer (docs/campaigns.md "Offer kinds") and its name for the breakdown */
  campaignId?: string;
  name?: { zh: string; en: string };
  /** bonus "campaign": the offer's minimum eligible spend (fen); a return below it takes the bonus back */
  minSpend?: number;
}

/**
 * The `data` of the bonus ledger entry a fixed bonus is written as (till and load generator
 * alike). A campaign bonus keeps its offer's `minSpend`: the offer may be gone from the member's
 * state by the time a return asks what the sale had to stay above.
 */
export function bonusEntryData(b: FixedBonus): { bonus: FixedBonus['bonus']; campaignId?: string; minSpend?: number } {
  if (b.campaignId === undefined) return { bonus: b.bonus };
  return { bonus: b.bonus, campaignId: b.campaignId, ...(b.minSpend === undefined ? {} : { minSpend: b.minSpend }) };
}

export interface EarnResult {
  lines: LineResult[];
  /** Σ gross */
  gross: number;
  /** Σ net: what the customer owes before tenders */
  total: number;
  /** Σ net of non-excluded lines (DOMAIN.md 5: qualifying spend is after step 2) */
  qualifyingSpend: number;
  /** Σ eligible_i */
  eligibleSpend: number;
  /** money value of the points tender, fen */
  redemptionValue: number;
  /** floor(Σ eligible_i x cat_i x base x tier x promo_i / 100) before caps */
  pointsBeforeCaps: number;
  /** sale points after caps; for an anonymous basket the quote of what a member would earn (the caller grants nothing) */
  points: number;
  withheldByCaps: number;
  /** fixed bonuses this sale triggers, separate ledger entries, never multiplied */
  bonuses: FixedBonus[];
  /** 1 if this sale earns a stamp */
  stampEarned: number;
  breakdown: BreakdownItem[];
  /** a cashier-readable summary: "base 128, Gold x1.5, member day x2 = 384" */
  breakdownText: { zh: string; en: string };
}

/** Typed refusal of a request that breaks a rule; `code` is stable and shown to the POS. */
export class RuleViolation extends Error {
  constructor(
    readonly code:
      | 'below_minimum_redemption'
      | 'not_whole_redemption_units'
      | 'exceeds_basket_share'
      | 'insufficient_points'
      | 'offline_redemption_limit'
      | 'invalid_basket'
      | 'return_exceeds_sale'
      | 'unknown_sku'
      | 'unknown_tier',
    message: string,
  ) {
    super(message);
    this.name = 'RuleViolation';
  }
}
