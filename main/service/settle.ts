/**
 * Brings a member's own state up to a date before anything is computed for them.
 *
 * A standalone till is its own system of record: expired lots become an expire entry and tier
 * reviews that fell due become tier entries (DOMAIN.md 5, 7: "applied by a ledger entry on the
 * first activity ... after the date"). A till connected to head office records neither: head
 * office decides expiry and reviews for the member across the chain in its end-of-day run
 * (DOMAIN.md 12), and until its entries arrive the till judges by date (a balance never shows
 * expired points, a sale earns at the reviewed tier: core/engine/decide.ts). Runs inside the
 * caller's transaction.
 */
import { reviewSteps } from '../../core/engine/decide.js';
import { lowestTier, tierIndex } from '../../core/engine/tiers.js';
import { expiredDue, type MemberState } from '../../core/ledger/state.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import type { NewEntry } from '../db/ledger.js';
import type { TillContext } from './context.js';

export { dueReviews, reviewedTier } from '../../core/engine/decide.js';

export function settleMember(
  ctx: TillContext,
  rs: RuleSet,
  memberNo: string,
  at: { occurredAt: string; localDate: string },
): MemberState {
  let s = ctx.ledger.state(memberNo, lowestTier(rs).code);
  if (ctx.connected) return s;
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
  for (const step of reviewSteps(rs, s, at.localDate)) {
    entries.push({
      memberNo,
      kind: 'tier',
      points: 0,
      occurredAt: at.occurredAt,
      localDate: at.localDate,
      data: {
        fromTier: step.from,
        toTier: step.to,
        reason: 'review',
        before: step.review,
        threshold: step.threshold,
        rank: tierIndex(rs, step.to),
      },
    });
  }
  if (entries.length) s = ctx.ledger.append(s, entries).state;
  return s;
}
