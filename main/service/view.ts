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

/**
 * The last view computed per member, with the confirmation it started from and the last entry
 * it folded: the next decision folds only this till's entries since, whatever the member's
 * history. Trusted only while the confirmation is the same and the entry it ends with is still
 * in the ledger with the same hash (a rolled-back transaction leaves neither).
 */
interface KeptView {
  cursor: number;
  includedSeq: number;
  throughSeq: number;
  throughHash: string;
  state: MemberState;
}

const keptViews = new WeakMap<TillContext, Map<string, KeptView>>();
const KEPT_VIEWS = 2_000;

function kept(ctx: TillContext): Map<string, KeptView> {
  let m = keptViews.get(ctx);
  if (!m) {
    m = new Map();
    keptViews.set(ctx, m);
  }
  return m;
}

function keep(ctx: TillContext, view: MemberView, last: LedgerEntry | undefined): void {
  const c = view.confirmed;
  if (!c) return;
  const m = kept(ctx);
  const prev = m.get(view.state.memberNo);
  const through = last ?? (prev && prev.cursor === c.cursor ? prev : null);
  if (!through) return;
  m.delete(view.state.memberNo);
  if (m.size >= KEPT_VIEWS) {
    const oldest = m.keys().next().value;
    if (oldest !== undefined) m.delete(oldest);
  }
  const [seq, hash] = 'hash' in through ? [through.seq, through.hash] : [through.throughSeq, through.throughHash];
  m.set(view.state.memberNo, {
    cursor: c.cursor,
    includedSeq: c.includedSeq,
    throughSeq: seq,
    throughHash: hash,
    state: view.state,
  });
}

/** Where to start the fold: a kept view still valid for this confirmation, else the confirmation itself. */
function startOf(
  ctx: TillContext,
  memberNo: string,
  hq: { cursor: number; includedSeq: number; state: MemberState },
): { state: MemberState; after: number } {
  const k = kept(ctx).get(memberNo);
  if (
    k &&
    k.cursor === hq.cursor &&
    k.includedSeq === hq.includedSeq &&
    ctx.hqState.hashAt(k.throughSeq) === k.throughHash
  ) {
    return { state: k.state, after: k.throughSeq };
  }
  return { state: hq.state, after: hq.includedSeq };
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
  const start = startOf(ctx, own.memberNo, { cursor: hq.cursor, includedSeq: hq.includedSeq, state: hq.state });
  const since = ctx.hqState.localSince(own.memberNo, start.after);
  const state = mergedView(start.state, since, own);
  const view: MemberView = {
    state,
    ...summary(rs, state, today, lockedAfter),
    confirmed: {
      balance: hq.balance,
      available: hq.available,
      at: hq.confirmedAt,
      includedSeq: hq.includedSeq,
      cursor: hq.cursor,
    },
    unconfirmed: () => ctx.hqState.localSince(own.memberNo, hq.includedSeq),
  };
  keep(ctx, view, since[since.length - 1]);
  return view;
}

/**
 * The view after this till appended `entries` (already folded into `own`): the same entries
 * folded onto the merged state, without reading anything again.
 */
export function advanceView(
  ctx: TillContext,
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
  // `unconfirmed` reads the ledger, which holds the new entries already.
  const next: MemberView = { ...view, state, ...summary(rs, state, today, lockedAfter) };
  keep(ctx, next, entries[entries.length - 1]);
  return next;
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
