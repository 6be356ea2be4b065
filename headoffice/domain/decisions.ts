/**
 * What head office decides on a member's merged state (DOMAIN.md 12), as pure functions: the
 * store (store/decisions.ts, store/eod.ts) turns each decision into an entry of
 * head office's own chain. Every rule here is one a single till cannot apply, because it needs
 * every store's entries: tier upgrades on the merged spend, expiry and reviews in the end-of-day
 * run, win-back offers for dormant members, and operators' adjustments.
 */
import { reviewSteps, tierRankOf } from '../../core/engine/decide.js';
import { tierAfterSale, tierIndex } from '../../core/engine/tiers.js';
import type { EntryData, EntryKind } from '../../core/ledger/entry.js';
import { expiryDate } from '../../core/ledger/expiry.js';
import { expiredDue, rollingSpend, rollingSpendKnownOn, type MemberState } from '../../core/ledger/state.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { DORMANT_DAYS, lifecycle } from '../../core/segments.js';
import { addDays } from '../../core/time.js';

/**
 * The reserved till id of head office's chain, and its store: provisioning refuses both, and
 * the tills row is created by migration 006.
 */
export const HQ_TILL_ID = 'hq';
export const HQ_STORE_ID = 'hq';

/** One entry head office will write: the store adds the chain fields (till, seq, hashes, dates). */
export interface Decision {
  memberNo: string;
  kind: EntryKind;
  points: number;
  /** a credit's lot expiry (adjust_credit), else null */
  expiresOn: string | null;
  data: EntryData;
}

/** Who the end-of-day run's entries name as their decider (EntryData.operator). */
export const EOD_OPERATOR = 'eod';

/**
 * The upgrades the merged rolling spend calls for, if the member is below it (DOMAIN.md 5): at
 * the first date, since the tier held was reached and from the earliest date new entries changed
 * the spend of, on which the spend known that day reaches a higher tier, then the next, and so on
 * to today. A till's batch may arrive days after its sales: judged only on the day it arrives,
 * older spend may have left the window meanwhile, or the crossing sale been taken back, and the
 * tier would be dated that day, so a review would judge it later than DOMAIN.md 5 says. An upgrade reached before today says when (`reachedOn`). Only by
 * threshold: an instant upgrade is about one sale, which its till judges. A member on a tier the
 * rule set no longer knows is left to the tills (nothing to compare the rank with).
 */
export function upgradeOnSpend(rs: RuleSet, s: MemberState, today: string, newSpendFrom?: string): Decision[] {
  if (tierRankOf(rs, s.tier) < 0) return [];
  const out: Decision[] = [];
  let tier = s.tier;
  for (const on of spendDatesSince(s, today, newSpendFrom)) {
    const spend = on === today ? rollingSpend(s, today) : rollingSpendKnownOn(s, on);
    const next = tierAfterSale(rs, { tier, rollingSpendAfter: spend, saleQualifying: 0 });
    if (!next.changed) continue;
    out.push({
      memberNo: s.memberNo,
      kind: 'tier',
      points: 0,
      expiresOn: null,
      data: {
        fromTier: tier,
        toTier: next.tier,
        reason: 'threshold',
        rank: tierIndex(rs, next.tier),
        ...(on < today ? { reachedOn: on } : {}),
      },
    });
    tier = next.tier;
  }
  return out;
}

/**
 * The dates to judge, in order: those of the member's spend from the earliest the new entries
 * changed (`newSpendFrom`; earlier dates were judged when their spend arrived) and since the tier
 * held was reached, before today; then today.
 */
function spendDatesSince(s: MemberState, today: string, newSpendFrom: string | undefined): string[] {
  if (newSpendFrom === undefined || newSpendFrom >= today) return [today];
  const since = s.tierSince !== null && s.tierSince > newSpendFrom ? s.tierSince : newSpendFrom;
  const dates = s.spend.filter((x) => x.on >= since && x.on < today).map((x) => x.on);
  return [...dates, today];
}

/** Lots past their expiry on `today` leave the books (DOMAIN.md 7). */
export function expiryDue(s: MemberState, today: string): Decision | null {
  const due = expiredDue(s, today);
  if (due <= 0) return null;
  return {
    memberNo: s.memberNo,
    kind: 'expire',
    points: due,
    expiresOn: null,
    data: { before: today, operator: EOD_OPERATOR },
  };
}

/**
 * One entry per review that fell due before `today`, unchanged tiers included, exactly as a
 * standalone till writes them (main/service/settle.ts): the entry moves `reviewedThrough`, so
 * the next run does not judge the same review again.
 */
export function reviewsDue(rs: RuleSet, s: MemberState, today: string): Decision[] {
  return reviewSteps(rs, s, today).map((step) => ({
    memberNo: s.memberNo,
    kind: 'tier' as const,
    points: 0,
    expiresOn: null,
    data: {
      fromTier: step.from,
      toTier: step.to,
      reason: 'review' as const,
      before: step.review,
      threshold: step.threshold,
      rank: tierIndex(rs, step.to),
      operator: EOD_OPERATOR,
    },
  }));
}

/** The last day of a win-back offer granted on `today` for `days` days (today counts as the first). */
export function winBackUntil(today: string, days: number): string {
  return addDays(today, days - 1);
}

/**
 * A win-back offer. `note`: the end-of-day run's fixed why ('dormant'); an operator's own reason
 * is free text that may name a person, so it is never in the chained entry (store/adjust.ts).
 */
export function offerDecision(memberNo: string, until: string, operator: string, note?: string): Decision {
  return {
    memberNo,
    kind: 'offer',
    points: 0,
    expiresOn: null,
    data: { winBackUntil: until, operator, ...(note === undefined ? {} : { note }) },
  };
}

/** What the win-back rule needs besides the state: the member's record. */
export interface MemberRecord {
  /** local date of enrolment (idle time counts from it while the member has bought nothing) */
  enrolledOn: string;
  /** false for a blocked or erased member: nobody to win back */
  active: boolean;
}

/**
 * DECISION: a dormant member (DOMAIN.md 8) is offered the win-back once per dormant spell: when
 * no offer of theirs ran on or after the day they became dormant. So a live offer is never
 * overlapped, and a member who ignores the offer is not granted a new one every `days` days;
 * the next spell (after a sale, then 180 quiet days) brings a new offer.
 */
export function winBackDue(rs: RuleSet, s: MemberState, today: string, m: MemberRecord): Decision | null {
  if (!rs.winBack.autoGrant || !m.active) return null;
  const facts = { firstSaleOn: s.firstSaleOn ?? null, lastSaleOn: s.lastSaleOn, enrolledOn: m.enrolledOn };
  if (lifecycle(today, facts) !== 'dormant') return null;
  const dormantSince = addDays(s.lastSaleOn ?? m.enrolledOn, DORMANT_DAYS);
  if (s.winBackUntil !== null && s.winBackUntil >= dormantSince) return null;
  return offerDecision(s.memberNo, winBackUntil(today, rs.winBack.days), EOD_OPERATOR, 'dormant');
}

/** The end-of-day run for one member, in the order they are written: expiry, reviews, win-back. */
export function endOfDayDecisions(rs: RuleSet, s: MemberState, today: string, m: MemberRecord | null): Decision[] {
  const out: Decision[] = [];
  const expire = expiryDue(s, today);
  if (expire) out.push(expire);
  out.push(...reviewsDue(rs, s, today));
  const offer = m ? winBackDue(rs, s, today, m) : null;
  if (offer) out.push(offer);
  return out;
}

/**
 * An operator's adjustment (DOMAIN.md 10). DECISION: a credit is a lot like points earned
 * today (it expires by the programme's policy) and adds no qualifying spend. The entry names
 * the operator only: the reason is free text that may name a person, and a chained entry can
 * never be erased, so the store keeps it sealed beside the entry (store/adjustment-notes.ts).
 */
export function adjustment(
  rs: RuleSet,
  memberNo: string,
  today: string,
  a: { points: number; direction: 'credit' | 'debit'; operatorId: string },
): Decision {
  const credit = a.direction === 'credit';
  return {
    memberNo,
    kind: credit ? 'adjust_credit' : 'adjust_debit',
    points: a.points,
    expiresOn: credit ? expiryDate(rs, today) : null,
    data: { operator: a.operatorId },
  };
}
