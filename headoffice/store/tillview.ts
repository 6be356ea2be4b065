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
 *
 * A member whose entries at head office are all this till's (most members: they shop where
 * they enrolled) is not folded twice. The batch's entries of the member are folded on the
 * merged state in seq order (memberstate.ts), exactly as on the till's view, so when
 * the two are equal before the batch they are equal before every entry of it: the merged
 * fold keeps the state before each entry and a sale's view is read from there. That they are
 * equal is known, never assumed: head office held no entry of the member (both start empty,
 * with the same first tier), or the view kept for the till is the very object the member's
 * stored state is. advanceTillViews makes it that object only at the end of a batch after
 * which both are the same fold of the same entries, or were found equal value by value; any
 * later entry of the member, from any till, replaces the stored state with a new object.
 */
import { isDeepStrictEqual } from 'node:util';
import { emptyState, type MemberState } from '../../core/ledger/state.js';
import { foldHq } from '../domain/fold.js';
import type { HqEntry } from '../domain/order.js';
import type { CachedTillView, IngestCaches } from './cache.js';
import { all, withJsonList, type Sql } from '../../storage/sql.js';
import { rowToEntry, type LedgerRow } from './rows.js';

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
  /** members of the tail whose entries at head office are, with this batch, all this till's */
  sole: ReadonlyMap<string, SoleTillMember>;
  /** the till's entries of members after a seq, read for the whole batch at once (prefetchGaps) */
  gaps: Map<string, ChainGap>;
}

/** The till's entries for a member with after < seq <= the batch's ackAfter, in seq order. */
export interface ChainGap {
  after: number;
  entries: readonly HqEntry[];
}

/** A member of the batch all of whose entries head office holds are the till's. */
export interface SoleTillMember {
  /** the member's merged state after the batch */
  state: MemberState;
  /**
   * The first tier of the till's view that the merged states of this batch equal (the view
   * through ackBefore equalled the state the batch was folded on); null when not known.
   */
  firstTier: string | null;
  /** with firstTier: the member's entries in the batch (seq order), and the merged state just before each */
  news: readonly HqEntry[];
  before: readonly MemberState[];
}

/** Whether every till in a member's `includes` is `tillId`. */
export function onlyTill(includes: Record<string, number>, tillId: string): boolean {
  for (const t in includes) if (t !== tillId) return false;
  return true;
}

/**
 * The first tier of a view kept for the till and member that is `state` itself (linked at the
 * end of an earlier batch: see advanceTillViews), null when none is.
 */
export function sharedViewTier(
  caches: IngestCaches,
  tillId: string,
  memberNo: string,
  state: MemberState,
): string | null {
  const views = caches.tillViews.get(viewKey(tillId, memberNo));
  if (!views) return null;
  for (const [firstTier, v] of views) if (v.state === state) return firstTier;
  return null;
}

/** Index of the entry with `seq` in `entries` (ascending seqs), -1 when absent. */
function indexOfSeq(entries: readonly HqEntry[], seq: number): number {
  let lo = 0;
  let hi = entries.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const s = (entries[mid] as HqEntry).seq;
    if (s === seq) return mid;
    if (s < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

function* chainRows(tillId: string, memberNo: string, afterSeq: number, beforeSeq: number): Sql<HqEntry[]> {
  // The member's index, not the primary key's seq range (every entry of the till in between).
  return (
    (yield* all(
      `SELECT * FROM ledger INDEXED BY ledger_member_order
       WHERE member_no = ? AND till_id = ? AND seq > ? AND seq < ? ORDER BY seq`,
      memberNo,
      tillId,
      afterSeq,
      beforeSeq,
    )) as LedgerRow[]
  ).map(rowToEntry);
}

/** The till's entries for the member with afterSeq < seq < beforeSeq, in seq order. */
function* between(c: BatchChain, memberNo: string, afterSeq: number, beforeSeq: number): Sql<readonly HqEntry[]> {
  const prev = c.prevMax.get(memberNo);
  if (prev === undefined || prev > afterSeq) {
    const gap = c.gaps.get(memberNo);
    // beforeSeq is at most ackAfter + 1: every entry in range was held when the gap was read.
    if (gap && gap.after <= afterSeq) return gap.entries.filter((e) => e.seq > afterSeq && e.seq < beforeSeq);
    return yield* chainRows(c.tillId, memberNo, afterSeq, beforeSeq);
  }
  // Nothing of the member's at this till in (afterSeq, ackBefore]: what there is, is in the batch.
  const tail = c.tailByMember.get(memberNo) ?? [];
  return tail.filter((e) => e.seq > afterSeq && e.seq < beforeSeq);
}

function viewKey(tillId: string, memberNo: string): string {
  return `${tillId}\n${memberNo}`;
}

/**
 * Where a check of the member's sales in this batch will read the till's chain from the
 * ledger: after the oldest view kept for the till and member (0 without one), unless the
 * batch itself holds everything after that (the till had nothing newer of the member before
 * it) or the member's merged states are the view (sole). Null: no read, or none worth
 * making ahead: a member with no entry in the batch (a sale record alone) may need none.
 */
function gapStart(caches: IngestCaches, c: BatchChain, memberNo: string): number | null {
  const prev = c.prevMax.get(memberNo);
  if (prev === undefined || (c.sole.get(memberNo)?.firstTier ?? null) !== null) return null;
  let after = Number.POSITIVE_INFINITY;
  for (const v of caches.tillViews.get(viewKey(c.tillId, memberNo))?.values() ?? []) after = Math.min(after, v.through);
  if (after === Number.POSITIVE_INFINITY) after = 0;
  return prev <= after ? null : after;
}

/**
 * The ledger reads the batch's sale checks would make one member at a time (between), made
 * in one statement: a till whose views another head-office process moved past since this
 * one kept them, or that this process has not kept, has a gap for nearly every member of a
 * batch. One member's gap is left to between, as before.
 */
export function* prefetchGaps(caches: IngestCaches, c: BatchChain, memberNos: Iterable<string>): Sql<void> {
  const starts = new Map<string, number>();
  for (const m of memberNos) {
    const at = starts.has(m) ? null : gapStart(caches, c, m);
    if (at !== null) starts.set(m, at);
  }
  if (starts.size < 2) return;
  const rows = (yield* all(
    withJsonList(
      (isIn) => `SELECT * FROM ledger INDEXED BY ledger_member_order
       WHERE ${isIn('member_no')} AND till_id = ? AND seq > ? AND seq <= ? ORDER BY seq`,
      'text',
    ),
    JSON.stringify([...starts.keys()]),
    c.tillId,
    Math.min(...starts.values()),
    c.ackAfter,
  )) as LedgerRow[];
  const byMember = new Map<string, HqEntry[]>([...starts.keys()].map((m) => [m, []]));
  for (const r of rows) if (r.seq > (starts.get(r.member_no) as number)) byMember.get(r.member_no)?.push(rowToEntry(r));
  for (const [m, entries] of byMember) c.gaps.set(m, { after: starts.get(m) as number, entries });
}

/**
 * foldHq(emptyState(memberNo, firstTier), the till's entries for the member with seq < `seq`).
 * `seq` must be the seq of an entry head office holds (so every lower seq is held too).
 */
export function* tillViewBefore(
  caches: IngestCaches,
  c: BatchChain,
  memberNo: string,
  firstTier: string,
  seq: number,
): Sql<MemberState> {
  const sole = c.sole.get(memberNo);
  if (sole && sole.firstTier === firstTier) {
    // The merged state just before the entry is the till's view there (see the top of the file).
    const i = indexOfSeq(sole.news, seq);
    if (i >= 0) return sole.before[i] as MemberState;
  }
  const key = viewKey(c.tillId, memberNo);
  let views = caches.tillViews.get(key);
  const kept = views?.get(firstTier);
  if (kept && kept.through === seq - 1) return kept.state;
  if (kept && kept.through > seq - 1) {
    // A straggler: fold from the start, and keep the later point for the sales to come.
    return foldHq(emptyState(memberNo, firstTier), yield* chainRows(c.tillId, memberNo, 0, seq));
  }
  // Without a kept view, the chain from its start: the batch alone holds it when the till had
  // no entry of the member before the batch (a member's first visit to this store).
  const state = kept
    ? foldHq(kept.state, yield* between(c, memberNo, kept.through, seq))
    : foldHq(emptyState(memberNo, firstTier), yield* between(c, memberNo, 0, seq));
  if (!views) {
    views = new Map<string, CachedTillView>();
    caches.tillViews.set(key, views);
  }
  views.set(firstTier, { through: seq - 1, state });
  return state;
}

/**
 * The till's view when it had a confirmed state (DOMAIN.md 12): `confirmed` plus the till's
 * entries for the member with confirmedThrough < seq < `seq`, folded as the till folds them.
 */
export function* tillViewAfter(
  c: BatchChain,
  memberNo: string,
  confirmed: MemberState,
  confirmedThrough: number,
  seq: number,
): Sql<MemberState> {
  return foldHq(confirmed, yield* between(c, memberNo, confirmedThrough, seq));
}

/**
 * After a batch: the kept views of the members it touched are folded through it. The view of
 * a member whose merged state is the view becomes that state itself (no fold), and so does a
 * view of a sole till's member found equal to the merged state value by value, so that the
 * member's next batches need no fold of the view.
 */
export function* advanceTillViews(caches: IngestCaches, c: BatchChain): Sql<void> {
  for (const memberNo of c.tailByMember.keys()) {
    const key = viewKey(c.tillId, memberNo);
    const sole = c.sole.get(memberNo);
    let views = caches.tillViews.get(key);
    let linked = sole?.firstTier ?? null;
    if (sole && linked !== null) {
      if (!views) {
        views = new Map<string, CachedTillView>();
        caches.tillViews.set(key, views);
      }
      views.set(linked, { through: c.ackAfter, state: sole.state });
    }
    if (!views) continue;
    for (const [firstTier, v] of views) {
      if (v.through >= c.ackAfter) continue;
      let state = foldHq(v.state, yield* between(c, memberNo, v.through, c.ackAfter + 1));
      if (sole && linked === null && isDeepStrictEqual(state, sole.state)) {
        state = sole.state;
        linked = firstTier;
      }
      views.set(firstTier, { through: c.ackAfter, state });
    }
  }
}
