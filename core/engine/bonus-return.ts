/**
 * A campaign bonus taken back by a return (docs/campaigns.md "Returns"; DOMAIN.md 6). The till
 * decides it and head office recomputes it, so the rule is written once, here:
 *
 *   keptEligible = floor( Σ eligible_i × remaining_i / qty_i )
 *
 * after this return and every earlier one: computeReturn's keep-share with "earned" = Σ eligible_i,
 * the same exact rational and the same single floor as the sale points' reversal (and the figure
 * a stamp's threshold is held to). Each campaign bonus of the sale not taken back yet is taken
 * back, whole and once, by the return that leaves keptEligible below its offer's `minSpend`:
 * a bonus is all or nothing at the sale, so it is all or nothing at the return.
 *
 * A stamp earned by the sale (its stamp card's threshold met) is taken back the same way: once,
 * by the return that leaves keptEligible below the threshold of the sale's own rule set.
 */
import { computeReturn, type ReturnInput } from './returns.js';
import type { FixedBonus, LineResult } from './types.js';

/** A campaign bonus as the sale's computation keeps it (core/sync/protocol.ts SaleComputation). */
export interface CampaignBonus {
  campaignId: string;
  points: number;
  /** fen of eligible spend the sale must keep for the bonus to stay */
  minSpend: number;
}

/** What a till keeps of a sale's computation to take any part of it back (till and load generator alike). */
export type KeptComputation = {
  lines: LineResult[];
  earned: number;
  pointsRedeemed: number;
  stampEarned: number;
  campaignBonuses?: CampaignBonus[];
};

/** The sale's campaign bonuses with their thresholds; the other fixed bonuses are never taken back. */
export function campaignBonusesOf(bonuses: readonly FixedBonus[]): CampaignBonus[] {
  return bonuses.flatMap((b) =>
    b.bonus === 'campaign' && b.campaignId !== undefined
      ? [{ campaignId: b.campaignId, points: b.points, minSpend: b.minSpend ?? 0 }]
      : [],
  );
}

/** The computation to keep: `campaignBonuses` only when there are some, so other sales keep their old shape. */
export function keptComputation(
  r: { lines: LineResult[]; stampEarned: number; bonuses: readonly FixedBonus[] },
  earned: number,
  pointsRedeemed: number,
): KeptComputation {
  const campaignBonuses = campaignBonusesOf(r.bonuses);
  return {
    lines: r.lines,
    earned,
    pointsRedeemed,
    stampEarned: r.stampEarned,
    ...(campaignBonuses.length > 0 ? { campaignBonuses } : {}),
  };
}

/** Eligible spend (fen) the customer keeps after this return and every earlier one. */
export function keptEligible(
  lines: readonly LineResult[],
  previouslyReturned: ReturnInput['previouslyReturned'],
  returning: ReturnInput['returning'],
): number {
  return computeReturn({
    lines,
    earned: lines.reduce((a, l) => a + l.eligible, 0),
    pointsRedeemed: 0,
    previouslyReturned,
    returning,
  }).pointsKept;
}

/** The bonuses this return takes back: not taken back before, and the sale now keeps less than their minimum. */
export function bonusesTakenBack(
  bonuses: readonly CampaignBonus[] | undefined,
  kept: number,
  takenBefore: ReadonlySet<string>,
): CampaignBonus[] {
  return (bonuses ?? []).filter((b) => b.points > 0 && !takenBefore.has(b.campaignId) && kept < b.minSpend);
}

/** Whether this return takes back the stamp the sale earned: not taken back before, and the sale now keeps less than the threshold. */
export function stampTakenBack(
  stampEarned: number,
  threshold: number | undefined,
  kept: number,
  takenBefore: boolean,
): boolean {
  if (stampEarned <= 0 || threshold === undefined || takenBefore) return false;
  return kept < threshold;
}

/** The campaign whose bonus a ledger entry takes back, or null (a sale-points reversal or anything else). */
export function bonusReturnOf(e: {
  kind: string;
  data?: { bonusReturn?: boolean | undefined; campaignId?: string | undefined } | undefined;
}): string | null {
  return e.kind === 'reverse' && e.data?.bonusReturn === true && e.data.campaignId !== undefined
    ? e.data.campaignId
    : null;
}
