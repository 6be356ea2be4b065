/**
 * The member as this till decides on them (DOMAIN.md 12): head office's last confirmed merged
 * state plus this till's entries head office had not folded in yet. Without a confirmation
 * (standalone till, or a member only this till knows) the till's own state is the whole truth.
 * Every decision (earn context, cap left, birthday gift, spendable points, rewards, coupons,
 * returns, progress) reads `state` from here, never the till's own state alone.
 */
import { reviewedTier } from '../../core/engine/decide.js';
import type { LedgerEntry } from '../../core/ledger/entry.js';
import { applyMerged, mergedView } from '../../core/ledger/merged.js';
import { spendablePoints, visibleBalance, type MemberState } from '../../core/ledger/state.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import type { MemberRecord } from '../db/members.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';
import { lockedAfter } from './members.js';
import { settleMember } from './settle.js';

export interface MemberView {
  /** the merged state decisions are made on */
  state: MemberState;
  /** visible balance: never including expired points */
  balance: number;
  spendable: number;
  /** the tier after the reviews that fell due (head office records them; the till only applies them) */
  tier: string;
  /** head office's last confirmation, or null */
  confirmed: { balance: number; available: number; at: string; includedSeq: number; cursor: number } | null;
  /** this till's entries for the member head office has not confirmed (all of them without a confirmation) */
  unconfirmed: () => LedgerEntry[];
}

function summary(
  rs: RuleSet,
  state: MemberState,
  today: string,
  lockedAfter: string | null,
): Pick<MemberView, 'balance' | 'spendable' | 'tier'> {
  return {
    balance: visibleBalance(state, today),
    spendable: spendablePoints(state, today, lockedAfter),
    tier: reviewedTier(rs, state, today),
  };
}

export function memberView(
  ctx: TillContext,
  rs: RuleSet,
  own: MemberState,
  today: string,
  lockedAfter: string | null,
): MemberView {
  const hq = ctx.hqState.get(own.memberNo);
  if (!hq || hq.state === null) {
    return {
      state: own,
      ...summary(rs, own, today, lockedAfter),
      confirmed: null,
      unconfirmed: () => ctx.hqState.localSince(own.memberNo, 0),
    };
  }
  const since = ctx.hqState.localSince(own.memberNo, hq.includedSeq);
  const state = mergedView(hq.state, since, own);
  return {
    state,
    ...summary(rs, state, today, lockedAfter),
    confirmed: {
      balance: hq.balance,
      available: hq.available,
      at: hq.confirmedAt,
      includedSeq: hq.includedSeq,
      cursor: hq.cursor,
    },
    unconfirmed: () => since,
  };
}

/**
 * The view after this till appended `entries` (already folded into `own`): the same entries
 * folded onto the merged state, without reading anything again.
 */
export function advanceView(
  rs: RuleSet,
  view: MemberView,
  own: MemberState,
  entries: readonly LedgerEntry[],
  today: string,
  lockedAfter: string | null,
): MemberView {
  if (view.confirmed === null) return { ...view, state: own, ...summary(rs, own, today, lockedAfter) };
  let state = view.state;
  for (const e of entries) state = applyMerged(state, e);
  const before = view.unconfirmed();
  return {
    ...view,
    state,
    ...summary(rs, state, today, lockedAfter),
    unconfirmed: () => [...before, ...entries],
  };
}

/**
 * An active member, settled and viewed for a decision at the till (rewards, adjustments, free
 * services): refuses an unknown or blocked member. Runs inside the caller's transaction.
 */
export function activeMemberView(
  ctx: TillContext,
  rs: RuleSet,
  memberNo: string,
  at: { occurredAt: string; localDate: string },
): { member: MemberRecord; own: MemberState; view: MemberView; locked: string | null } {
  const member = ctx.members.get(memberNo);
  if (!member) throw new TillError('unknown_member', 'no such member', 'memberNo');
  if (member.status === 'blocked') throw new TillError('member_blocked', 'this member is blocked', 'memberNo');
  const own = settleMember(ctx, rs, member.memberNo, at);
  const locked = lockedAfter(rs, at.localDate);
  return { member, own, view: memberView(ctx, rs, own, at.localDate, locked), locked };
}
