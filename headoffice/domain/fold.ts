/**
 * Head office's fold: the shared merged reducer (core/ledger/merged.ts applyMerged) over the
 * merged entries of all tills and head office's own, reporting what a reviewer must see.
 */
import { applyMerged, expiryConflicts } from '../../core/ledger/merged.js';
import { isSecondCouponUse, type MemberState } from '../../core/ledger/state.js';
import type { HqEntry } from './order.js';

export const applyHq = applyMerged;

/** A redemption that took the balance below zero: the candidate double spend (DOMAIN.md 4). */
export interface Overdraft {
  entry: HqEntry;
  balanceAfter: number;
}

/** What the fold reports as it meets it. */
export interface FoldHooks {
  overdraft?: (o: Overdraft) => void;
  /** a coupon used a second time (two stores offline, DOMAIN.md 12) */
  couponReuse?: (entry: HqEntry, firstUse: string) => void;
  /** an expire entry that met lots a late entry had already consumed (core/ledger/merged.ts) */
  expiryConflict?: (entry: HqEntry) => void;
}

/**
 * The entries folded into `start` in the order given. `before`, when passed, receives the
 * state just before each entry (its i-th item is the state the i-th entry was applied to).
 */
export function foldHq(
  start: MemberState,
  entries: Iterable<HqEntry>,
  hooks?: FoldHooks | ((o: Overdraft) => void),
  before?: MemberState[],
): MemberState {
  const h: FoldHooks = typeof hooks === 'function' ? { overdraft: hooks } : (hooks ?? {});
  let s = start;
  for (const e of entries) {
    before?.push(s);
    if (h.couponReuse && isSecondCouponUse(s, e)) {
      const code = e.data.couponCode as string;
      h.couponReuse(e, s.coupons?.[code]?.usedBy ?? s.couponUsesAhead?.[code]?.usedBy ?? '');
    }
    if (h.expiryConflict && e.kind === 'expire' && expiryConflicts(s, e)) h.expiryConflict(e);
    s = applyMerged(s, e);
    if ((e.kind === 'redeem' || e.kind === 'reward') && e.points > 0 && s.balance < 0) {
      h.overdraft?.({ entry: e, balanceAfter: s.balance });
    }
  }
  return s;
}
