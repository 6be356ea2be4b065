/**
 * Brings a member's state up to a date before anything is computed for them: expired lots
 * become an expire entry, and tier reviews that fell due become tier entries (DOMAIN.md 5, 7:
 * "applied by a ledger entry on the first activity ... after the date"). Runs inside the
 * caller's transaction.
 */
import { lowestTier, nextReviewOnOrAfter, tierAtReview } from '../../core/engine/tiers.js';
import { expiredDue, rollingSpend, type MemberState } from '../../core/ledger/state.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { addDays } from '../../core/time.js';
import type { NewEntry } from '../db/ledger.js';
import type { TillContext } from './context.js';

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

/**
 * The tier the member will hold once the due reviews are applied, computed without writing
 * anything (what settleMember will record), so a quote earns at the tier the sale will use.
 */
export function reviewedTier(rs: RuleSet, s: MemberState, today: string): string {
  const first = lowestTier(rs).code;
  let tier = s.tier;
  if (tier === first) return tier;
  for (const review of dueReviews(rs, s, today)) {
    tier = tierAtReview(rs, { tier, rollingSpend: rollingSpend(s, review) }).tier;
    if (tier === first) break;
  }
  return tier;
}

export function settleMember(
  ctx: TillContext,
  rs: RuleSet,
  memberNo: string,
  at: { occurredAt: string; localDate: string },
): MemberState {
  let s = ctx.ledger.state(memberNo, lowestTier(rs).code);
  const entries: NewEntry[] = [];
  const due = expiredDue(s, at.localDate);
  if (due > 0) {
    entries.push({
      memberNo,
      kind: 'expire',
      points: due,
      occurredAt: at.occurredAt,
      localDate: at.localDate,
      data: { before: at.localDate },
    });
  }
  if (entries.length) s = ctx.ledger.append(s, entries).state;

  if (s.tier !== lowestTier(rs).code) {
    for (const review of dueReviews(rs, s, at.localDate)) {
      const r = tierAtReview(rs, { tier: s.tier, rollingSpend: rollingSpend(s, review) });
      s = ctx.ledger.append(s, [
        {
          memberNo,
          kind: 'tier',
          points: 0,
          occurredAt: at.occurredAt,
          localDate: at.localDate,
          data: { fromTier: s.tier, toTier: r.tier, reason: 'review', before: review },
        },
      ]).state;
      if (s.tier === lowestTier(rs).code) break;
    }
  }
  return s;
}
