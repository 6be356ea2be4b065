/**
 * Which promotions are active for a sale, and which one multiplies each line.
 *
 * DESIGN DECISION: promotions never stack (DOMAIN.md 3.5). DOMAIN.md states the rule for
 * sale-wide promotions; for category-scoped ones we apply it per line: each line takes the
 * LARGEST multiplier among the active promotions that apply to it (a promotion without
 * `categories` applies to every eligible line, one with `categories` only to lines of those
 * categories). With only sale-wide promotions this is exactly DOMAIN.md's formula. Equal
 * multipliers go to the promotion declared first, so the receipt names a stable winner.
 *
 * A member's active win-back offer (DOMAIN.md 8) is an implicit sale-wide promotion with
 * id 'win-back' and `ruleSet.winBack.multiplier`, competing in the same "largest wins"
 * contest after the declared promotions. An anonymous basket gets no promotion that depends
 * on who the member is (birthday month, tiers, win-back).
 *
 * A campaign offer head office granted the member (MemberContext.offers, docs/campaigns.md)
 * competes the same way, as promotion `campaign:<id>`, on its from..until local dates. The other
 * offer kinds multiply nothing: a bonus above a minimum spend is a fixed bonus (campaignBonuses),
 * a coupon and a free service are used outside the sale's points.
 */
import { parseMilli } from '../decimal.js';
import type { RuleSet } from '../ruleset/schema.js';
import type { LocalDate } from '../time.js';
import { offerKind } from '../ledger/state.js';
import type { FixedBonus, MemberContext } from './types.js';

export interface ActivePromotion {
  id: string;
  name: { zh: string; en: string };
  multiplierMilli: bigint;
  /** null = sale-wide */
  categories: readonly string[] | null;
}

export const WIN_BACK_ID = 'win-back';
/** A campaign offer competes as promotion `campaign:<id>`. */
export const CAMPAIGN_PREFIX = 'campaign:';
const WIN_BACK_NAME = { zh: '回归礼遇', en: 'win-back' };

/** Month (1-12) of a "MM-DD" birthday, or null when absent or malformed. */
export function birthdayMonth(member: MemberContext | null): number | null {
  const m = member?.birthday ? /^(\d{2})-\d{2}$/.exec(member.birthday) : null;
  const month = m ? Number(m[1]) : NaN;
  return month >= 1 && month <= 12 ? month : null;
}

export function hasActiveWinBack(member: MemberContext | null, day: LocalDate): boolean {
  return member !== null && member.winBackUntil !== null && day.date <= member.winBackUntil;
}

export interface PromotionContext {
  day: LocalDate;
  member: MemberContext | null;
  /** the tier the sale earns at */
  tier: string;
  /** eligible_i per line with its category, for minSpend */
  lines: readonly { category: string; eligible: number }[];
}

export function activePromotions(ruleSet: RuleSet, ctx: PromotionContext): ActivePromotion[] {
  const { day, member } = ctx;
  const active: ActivePromotion[] = [];
  for (const p of ruleSet.promotions) {
    if (p.from !== undefined && day.date < p.from) continue;
    if (p.to !== undefined && day.date > p.to) continue;
    if (p.weekdays && !p.weekdays.includes(day.weekday)) continue;
    if (p.daysOfMonth && !p.daysOfMonth.includes(day.day)) continue;
    if (p.birthdayMonth && birthdayMonth(member) !== day.month) continue;
    if (p.tiers && (member === null || !p.tiers.includes(ctx.tier))) continue;
    if (p.winBack && !hasActiveWinBack(member, day)) continue;
    const scope = p.categories ?? null;
    const spend = ctx.lines
      .filter((l) => scope === null || scope.includes(l.category))
      .reduce((a, l) => a + l.eligible, 0);
    if (spend < p.minSpend) continue;
    active.push({ id: p.id, name: p.name, multiplierMilli: parseMilli(p.multiplier), categories: scope });
  }
  if (hasActiveWinBack(member, day)) {
    active.push({
      id: WIN_BACK_ID,
      name: WIN_BACK_NAME,
      multiplierMilli: parseMilli(ruleSet.winBack.multiplier),
      categories: null,
    });
  }
  // Campaign offers (docs/campaigns.md): sale-wide, after the win-back, on their own dates.
  for (const o of member?.offers ?? []) {
    if (day.date < o.from || day.date > o.until) continue;
    // Only the multiplier kind multiplies; a bonus is a fixed bonus (earn.ts campaignBonuses).
    if (offerKind(o) !== 'multiplier') continue;
    active.push({
      id: `${CAMPAIGN_PREFIX}${o.campaignId}`,
      name: o.name,
      multiplierMilli: BigInt(o.multiplierMilli),
      categories: null,
    });
  }
  return active;
}

/** The promotion multiplying a line of `category`: the largest applicable, first on ties. */
export function promotionFor(active: readonly ActivePromotion[], category: string): ActivePromotion | null {
  let best: ActivePromotion | null = null;
  for (const p of active) {
    if (p.categories !== null && !p.categories.includes(category)) continue;
    if (best === null || p.multiplierMilli > best.multiplierMilli) best = p;
  }
  return best;
}

/**
 * Campaign bonuses a sale triggers (docs/campaigns.md "Offer kinds"): each bonus offer live on
 * the sale's local date and not used yet (once per member and campaign) gives its `bonusPoints`
 * when the sale's eligible spend (DOMAIN.md 3 step 3: after excluded goods and the points
 * tender) is at least its `minSpend`. A fixed bonus: a separate entry, never multiplied or capped.
 */
export function campaignBonuses(member: MemberContext | null, day: LocalDate, eligibleSpend: number): FixedBonus[] {
  const out: FixedBonus[] = [];
  for (const o of member?.offers ?? []) {
    if (offerKind(o) !== 'bonus' || (o.usedBy ?? null) !== null) continue;
    if (day.date < o.from || day.date > o.until) continue;
    if (eligibleSpend < (o.minSpend ?? 0) || (o.bonusPoints ?? 0) <= 0) continue;
    out.push({
      bonus: 'campaign',
      points: o.bonusPoints ?? 0,
      campaignId: o.campaignId,
      name: o.name,
      minSpend: o.minSpend ?? 0,
    });
  }
  return out;
}
