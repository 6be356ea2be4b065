/**
 * The member's balance and tier as the till can best know them. A till's cached state covers
 * only its own ledger; once head office has confirmed a member (change feed), the truth is
 * head office's balance plus this till's entries head office had not yet seen. Without a
 * confirmation (standalone till, or a member only this till knows) the local state is the truth.
 */
import { tierIndex } from '../../core/engine/tiers.js';
import { type EntryKind, signedPoints } from '../../core/ledger/entry.js';
import { spendablePoints, visibleBalance, type MemberState } from '../../core/ledger/state.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import type { TillContext } from './context.js';

export interface MemberView {
  balance: number;
  spendable: number;
  tier: string;
  /** head office's last confirmation, or null */
  confirmed: { balance: number; available: number; at: string; includedSeq: number } | null;
  /** points this till spent (redeem/reward) since that confirmation */
  spentSinceConfirmed: number;
}

function tierOrLocal(rs: RuleSet, hqTier: string, local: string): string {
  try {
    return tierIndex(rs, hqTier) > tierIndex(rs, local) ? hqTier : local;
  } catch {
    return local;
  }
}

export function memberView(
  ctx: TillContext,
  rs: RuleSet,
  state: MemberState,
  today: string,
  lockedAfter: string | null,
): MemberView {
  const localVisible = visibleBalance(state, today);
  const localSpendable = spendablePoints(state, today, lockedAfter);
  const hq = ctx.hqState.get(state.memberNo);
  if (!hq) {
    return {
      balance: localVisible,
      spendable: localSpendable,
      tier: state.tier,
      confirmed: null,
      spentSinceConfirmed: 0,
    };
  }
  let delta = 0;
  let spent = 0;
  for (const e of ctx.hqState.localSince(state.memberNo, hq.includedSeq)) {
    const kind = e.kind as EntryKind;
    delta += signedPoints({ kind, points: e.points });
    if (kind === 'redeem' || kind === 'reward') spent += e.points;
  }
  // Points this till holds back locally (expired, locked) stay held back in the merged view.
  const heldBack = Math.max(0, localVisible - localSpendable) + (state.balance - localVisible);
  const balance = hq.balance + delta - (state.balance - localVisible);
  return {
    balance,
    spendable: Math.max(0, hq.balance + delta - heldBack),
    tier: tierOrLocal(rs, hq.tier, state.tier),
    confirmed: { balance: hq.balance, available: hq.available, at: hq.confirmedAt, includedSeq: hq.includedSeq },
    spentSinceConfirmed: spent,
  };
}
