/**
 * A till's own view of a member just before one of its entries: the till's chain for the
 * member folded up to (not including) that seq. Sale recompute uses it (domain/recompute.ts),
 * because the till computed each sale with exactly that view.
 *
 * A till's chain only grows at its end and every seq at or below what head office holds is
 * fixed for good, so the view is kept incrementally per (till, member, first tier) in the
 * ingest caches: checking a sale folds only the till's entries for the member since the
 * point kept, and at the end of each batch the views of the members it touched are folded
 * through the batch. Those entries come from the batch itself when the member's
 * `includes` shows that the till held nothing newer for the member before the batch;
 * otherwise from the ledger through the member's index. A sale that asks for a point before the
 * one kept (its record arrived after later entries) gets the view folded from the chain's
 * start, as it always could.
 */
import { emptyState, type MemberState } from '../../core/ledger/state.js';
import { foldHq } from '../domain/fold.js';
import type { HqEntry } from '../domain/order.js';
import type { CachedTillView, IngestCaches } from './sqlite-cache.js';
import { q, rowToEntry, type Db, type LedgerRow } from './sqlite-db.js';

/** What one batch knows about a till's chain, so the common view needs no ledger read. */
export interface BatchChain {
  tillId: string;
  /** the till's last seq head office held before this batch */
  ackBefore: number;
  /** the till's last seq now */
  ackAfter: number;
  /** this batch's new entries of each member, in seq order */
  tailByMember: ReadonlyMap<string, readonly HqEntry[]>;
  /** for each member of the tail: the highest seq of this till's entries for the member before the batch (0 when none) */
  prevMax: ReadonlyMap<string, number>;
}

function chainRows(db: Db, tillId: string, memberNo: string, afterSeq: number, beforeSeq: number): HqEntry[] {
  // The member's index, not the primary key's seq range (every entry of the till in between).
  return (
    q(
      db,
      `SELECT * FROM ledger INDEXED BY ledger_member_order
       WHERE member_no = ? AND till_id = ? AND seq > ? AND seq < ? ORDER BY seq`,
    ).all(memberNo, tillId, afterSeq, beforeSeq) as LedgerRow[]
  ).map(rowToEntry);
}

/** The till's entries for the member with afterSeq < seq < beforeSeq, in seq order. */
function between(db: Db, c: BatchChain, memberNo: string, afterSeq: number, beforeSeq: number): readonly HqEntry[] {
  const prev = c.prevMax.get(memberNo);
  if (prev === undefined || prev > afterSeq) return chainRows(db, c.tillId, memberNo, afterSeq, beforeSeq);
  // Nothing of the member's at this till in (afterSeq, ackBefore]: what there is, is in the batch.
  const tail = c.tailByMember.get(memberNo) ?? [];
  return tail.filter((e) => e.seq > afterSeq && e.seq < beforeSeq);
}

function viewKey(tillId: string, memberNo: string): string {
  return `${tillId}\n${memberNo}`;
}

/**
 * foldHq(emptyState(memberNo, firstTier), the till's entries for the member with seq < `seq`).
 * `seq` must be the seq of an entry head office holds (so every lower seq is held too).
 */
export function tillViewBefore(
  db: Db,
  caches: IngestCaches,
  c: BatchChain,
  memberNo: string,
  firstTier: string,
  seq: number,
): MemberState {
  const key = viewKey(c.tillId, memberNo);
  let views = caches.tillViews.get(key);
  const kept = views?.get(firstTier);
  if (kept && kept.through === seq - 1) return kept.state;
  if (kept && kept.through > seq - 1) {
    // A straggler: fold from the start, and keep the later point for the sales to come.
    return foldHq(emptyState(memberNo, firstTier), chainRows(db, c.tillId, memberNo, 0, seq));
  }
  const state = kept
    ? foldHq(kept.state, between(db, c, memberNo, kept.through, seq))
    : foldHq(emptyState(memberNo, firstTier), chainRows(db, c.tillId, memberNo, 0, seq));
  if (!views) {
    views = new Map<string, CachedTillView>();
    caches.tillViews.set(key, views);
  }
  views.set(firstTier, { through: seq - 1, state });
  return state;
}

/** After a batch: the kept views of the members it touched are folded through it. */
export function advanceTillViews(db: Db, caches: IngestCaches, c: BatchChain): void {
  for (const memberNo of c.tailByMember.keys()) {
    const views = caches.tillViews.get(viewKey(c.tillId, memberNo));
    if (!views) continue;
    for (const [firstTier, v] of views) {
      if (v.through >= c.ackAfter) continue;
      views.set(firstTier, {
        through: c.ackAfter,
        state: foldHq(v.state, between(db, c, memberNo, v.through, c.ackAfter + 1)),
      });
    }
  }
}
