/**
 * One member across the chain (DOMAIN.md 12): head office's merged state of a member, and a
 * till's view of it.
 *
 * Head office folds every till's entries (and its own) into one state. A till's view is that
 * state as head office last confirmed it, plus this till's entries head office had not folded
 * in yet, folded with the same reducer. Both sides fold with `applyMerged`, so a till that has
 * synced decides on exactly the state head office holds.
 */
import { type LedgerEntry } from './entry.js';
import { LedgerStateError, applyEntry, type MemberState } from './state.js';

/**
 * The reducer with the one tolerance a merge makes necessary. An `expire` entry states how
 * many points left the lots it saw. In a merged state a late entry from an offline till can
 * have consumed some of those lots first, so the exact-sum check can fail for an honest entry.
 * Then the entry is applied as a plain FIFO debit of the same points: the balance stays exactly
 * the sum of all signed points; only the lot split is the best reconstruction (head office
 * lists the member for review: see onExpiryConflict in headoffice/domain/fold.ts).
 */
export function applyMerged(s: MemberState, e: LedgerEntry): MemberState {
  try {
    return applyEntry(s, e);
  } catch (err) {
    // As a debit dated before every lot's expiry, so it takes the expired lots first (FIFO by
    // expiry), as the expire entry meant to, and only then live ones.
    if (err instanceof LedgerStateError && e.kind === 'expire') {
      return applyEntry(s, { ...e, kind: 'adjust_debit', localDate: '0000-01-01' });
    }
    throw err;
  }
}

/** Whether applyMerged had to apply an expire entry as a plain debit. */
export function expiryConflicts(s: MemberState, e: LedgerEntry): boolean {
  if (e.kind !== 'expire') return false;
  const before = e.data.before ?? e.localDate;
  const due = s.lots.reduce((a, l) => (l.expiresOn !== null && l.expiresOn < before ? a + l.remaining : a), 0);
  return due !== e.points;
}

/**
 * The till's view of a member: head office's confirmed state plus this till's entries it had
 * not confirmed (seq above the confirmation's `includes` for this till), in seq order. Without
 * a confirmation (standalone till, or a member only this till knows) the till's own state is
 * the whole truth.
 */
export function mergedView(
  confirmed: MemberState | null,
  unconfirmed: Iterable<LedgerEntry>,
  own: MemberState,
): MemberState {
  if (!confirmed) return own;
  let s = confirmed;
  for (const e of unconfirmed) s = applyMerged(s, e);
  return s;
}
