/**
 * A member's cached window (store/memberstate.ts): the member's last entries in merge order,
 * the state before the first of them, and the states after the last MARKS_KEPT multiples of
 * MARK_EVERY of them, so a till's entries landing among other tills' near the end are folded
 * from the nearest state before them instead of from the window's start.
 */
import type { MemberState } from '../../core/ledger/state.js';
import { foldHq, type FoldHooks } from './fold.js';
import { compareKeys, type HqEntry, type MergeKey } from './order.js';

/**
 * DECISION: a member's cached window holds its last 16 to 32 entries. Tills uploading at once
 * interleave a member's entries within an apply pass by a few each (a shopper at two stores
 * in one afternoon); a till back after a long time offline lands before the window and the
 * member is folded from the ledger, as before. 32 entries of 20,000 cached members are a few
 * tens of MB.
 */
export const WINDOW_ENTRIES = 16;

/**
 * DECISION: a state is kept after every fourth entry of a window, the last two of them only.
 * Tills uploading at once land a member's entries a few before the window's end; folding from
 * the window's start refolded about twelve entries for each new one in `npm run bench`. Two, not
 * eight: a daily shopper's state holds a year of lots and spend, and the cache holds 20,000
 * members; an entry landing further back folds from the base, as before.
 */
export const MARK_EVERY = 4;
export const MARKS_KEPT = 2;

/** The last MARKS_KEPT of `marks` (ascending `at`). */
function lastMarks(marks: readonly Mark[]): Mark[] {
  return marks.slice(Math.max(0, marks.length - MARKS_KEPT));
}

/** `state` = the fold of the window's base and its first `at` entries. */
export interface Mark {
  at: number;
  state: MemberState;
}

/**
 * Every entry of the member that sorts after `base` is in `entries`; `baseLast` is the merge
 * key of the last entry folded into `base` (none: `base` is the empty state, the window holds
 * every entry), so any new entry sorting after it can be folded from `base`. `marks`, in
 * ascending `at`, may leave positions out (a window read back without them folds from `base`).
 */
export interface Window {
  base: MemberState;
  baseLast?: MergeKey;
  entries: readonly HqEntry[];
  marks?: readonly Mark[];
}

export function keyOf(e: MergeKey): MergeKey {
  return { sortMs: e.sortMs, tillId: e.tillId, seq: e.seq };
}

/**
 * Whether entries from `first` on can be folded from the window's base: they sort after
 * every entry folded into it. Not only after the window's first entry: tills uploading at
 * once each bring a member's entries of the same hours, and another till's may sort before
 * every entry the window holds yet after its base (always so while the base is empty).
 */
export function foldsFromBase(w: Window | undefined, first: MergeKey): w is Window {
  return w !== undefined && (w.baseLast === undefined || compareKeys(first, w.baseLast) > 0);
}

/** Two lists each in merge order, as one in merge order. */
export function mergeInOrder(a: readonly HqEntry[], b: readonly HqEntry[]): HqEntry[] {
  const out: HqEntry[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    if (compareKeys(a[i] as HqEntry, b[j] as HqEntry) <= 0) out.push(a[i++] as HqEntry);
    else out.push(b[j++] as HqEntry);
  }
  while (i < a.length) out.push(a[i++] as HqEntry);
  while (j < b.length) out.push(b[j++] as HqEntry);
  return out;
}

/** The window's state at `at` entries, from the nearest mark at or before it. */
function stateAt(w: Window, at: number): MemberState {
  const mark = nearestMark(w, at);
  return mark.at === at ? mark.state : foldHq(mark.state, w.entries.slice(mark.at, at));
}

function nearestMark(w: Window, at: number): Mark {
  let best: Mark = { at: 0, state: w.base };
  for (const m of w.marks ?? []) if (m.at <= at && m.at > best.at) best = m;
  return best;
}

/** The window with at most 2 * WINDOW_ENTRIES entries: the oldest folded into its base. */
export function trimmed(w: Window): Window {
  if (w.entries.length <= 2 * WINDOW_ENTRIES) return w;
  // Cut at a multiple of MARK_EVERY: the new base is a state already held when a mark is there.
  const cut = Math.floor((w.entries.length - WINDOW_ENTRIES) / MARK_EVERY) * MARK_EVERY;
  return {
    // Folded before (their cases recorded then): no hooks.
    base: stateAt(w, cut),
    baseLast: keyOf(w.entries[cut - 1] as HqEntry),
    entries: w.entries.slice(cut),
    marks: (w.marks ?? []).filter((m) => m.at > cut).map((m) => ({ at: m.at - cut, state: m.state })),
  };
}

/**
 * Folds `entries` (the window's, in merge order) from `start`, the state after the first
 * `start.at` of them. Returns the state after all of them, the marks from `start.at` on, and
 * the state before each entry folded.
 */
function foldMarked(
  start: Mark,
  entries: readonly HqEntry[],
  hooks: FoldHooks | undefined,
): { state: MemberState; marks: Mark[]; before: MemberState[] } {
  const before: MemberState[] = [];
  const folded = entries.slice(start.at);
  const state = foldHq(start.state, folded, hooks, before);
  const marks: Mark[] = [];
  const firstMark = Math.ceil((start.at + 1) / MARK_EVERY) * MARK_EVERY;
  for (let at = firstMark; at <= entries.length; at += MARK_EVERY) {
    marks.push({ at, state: at === entries.length ? state : (before[at - start.at] as MemberState) });
  }
  return { state, marks, before };
}

/** A window of `entries` after `base`, folded: its state and the window, trimmed. */
export function windowOf(
  base: MemberState,
  baseLast: MergeKey | undefined,
  entries: readonly HqEntry[],
  hooks?: FoldHooks,
): { state: MemberState; window: Window; before: MemberState[] } {
  const { state, marks, before } = foldMarked({ at: 0, state: base }, entries, hooks);
  const kept = lastMarks(marks);
  const w: Window = baseLast === undefined ? { base, entries, marks: kept } : { base, baseLast, entries, marks: kept };
  return { state, window: trimmed(w), before };
}

/**
 * `news` (one till's entries in seq order, all sorting after the window's base: foldsFromBase)
 * merged into the window and folded from the last state before the first of them. `end` is
 * the state after the window's entries. `before` holds the state before each entry folded:
 * the new ones' when they all sort after the window's entries.
 */
export function foldIntoWindow(
  w: Window,
  end: MemberState,
  news: readonly HqEntry[],
  hooks?: FoldHooks,
): { state: MemberState; window: Window; before: MemberState[] } {
  const first = news[0] as HqEntry;
  let at = w.entries.length;
  while (at > 0 && compareKeys(w.entries[at - 1] as HqEntry, first) > 0) at--;
  const entries = at === w.entries.length ? [...w.entries, ...news] : mergeInOrder(w.entries, news);
  const start = at === w.entries.length ? { at, state: end } : nearestMark(w, at);
  const { state, marks, before } = foldMarked(start, entries, hooks);
  const kept = (w.marks ?? []).filter((m) => m.at <= start.at);
  return { state, window: trimmed({ ...w, entries, marks: lastMarks([...kept, ...marks]) }), before };
}
