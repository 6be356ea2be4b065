/**
 * Head office's fold: the till's reducer (core/ledger/state.ts applyEntry) over the merged
 * entries of all tills, with one tolerance the merge makes necessary.
 *
 * An `expire` entry states how many points left the till's own lots. Head office's merged
 * state also holds other tills' lots, and redemptions consumed lots across tills in a
 * different order, so the reducer's exact-sum check can fail for an honest entry. Then the
 * entry is applied as a plain FIFO debit of the same points (lots are ordered by expiry, so
 * the expiring ones go first; a shortfall becomes debt). The balance stays exactly the sum of
 * all signed points; only the lot split is head office's best reconstruction.
 */
import { LedgerStateError, applyEntry, type MemberState } from '../../core/ledger/state.js';
import type { HqEntry } from './order.js';

export function applyHq(s: MemberState, e: HqEntry): MemberState {
  try {
    return applyEntry(s, e);
  } catch (err) {
    if (err instanceof LedgerStateError && e.kind === 'expire') return applyEntry(s, { ...e, kind: 'adjust_debit' });
    throw err;
  }
}

/** A redemption that took the balance below zero: the candidate double spend (DOMAIN.md 4). */
export interface Overdraft {
  entry: HqEntry;
  balanceAfter: number;
}

/**
 * The entries folded into `start` in the order given. `before`, when passed, receives the
 * state just before each entry (its i-th item is the state the i-th entry was applied to).
 */
export function foldHq(
  start: MemberState,
  entries: Iterable<HqEntry>,
  onOverdraft?: (o: Overdraft) => void,
  before?: MemberState[],
): MemberState {
  let s = start;
  for (const e of entries) {
    before?.push(s);
    s = applyHq(s, e);
    if ((e.kind === 'redeem' || e.kind === 'reward') && e.points > 0 && s.balance < 0) {
      onOverdraft?.({ entry: e, balanceAfter: s.balance });
    }
  }
  return s;
}
