/**
 * Keeps member_state equal to foldHq over each member's entries in merge order
 * (domain/order.ts), and lists double spends (DOMAIN.md 4) as the fold meets them.
 *
 * A batch whose entries all sort after what a member's state already holds is folded
 * incrementally; one that lands in the middle (a till reconnecting with older sales) makes
 * head office fold that member again from the ledger, so the result never depends on upload
 * order.
 *
 * The incremental path reads the member's state from the in-process cache (cache.ts)
 * when it holds it, so the common batch neither parses stored states nor scans histories:
 * `includes` (highest seq per till) is kept in member_state next to the state.
 */
import { stateJson } from '../../core/ledger/json.js';
import { emptyState, visibleBalance, type MemberState } from '../../core/ledger/state.js';
import { addDays } from '../../core/time.js';
import { foldHq, type FoldHooks, type Overdraft } from '../domain/fold.js';
import { compareKeys, type HqEntry, type MergeKey } from '../domain/order.js';
import { foldIntoWindow, foldsFromBase, keyOf, windowOf, WINDOW_ENTRIES } from '../domain/window.js';
import { sameEntries, type CachedMember, type IngestCaches } from './cache.js';
import { changeRow } from './changes.js';
import type { PassWrites } from './pass.js';
import { all, run, withJsonList, type Sql } from '../../storage/sql.js';
import { rowToEntry, type LedgerRow } from './rows.js';
import { onlyTill, sharedViewTier, type SoleTillMember } from './tillview.js';

/**
 * DECISION: a redemption that overdraws a member counts as a double spend when another till
 * also redeemed for the member within this many days before it: the offline window in which
 * two stores can both believe the same points are there.
 */
export const DOUBLE_SPEND_WINDOW_DAYS = 30;

interface StateRow {
  state: string;
  last_sort_ms: number;
  last_till: string;
  last_seq: number;
  includes: string | null;
}

function* recordCase(o: Overdraft, now: Date): Sql<void> {
  const e = o.entry;
  const others = (yield* all(
    `SELECT DISTINCT till_id FROM ledger
     WHERE member_no = ? AND kind IN ('redeem', 'reward') AND till_id <> ? AND local_date >= ?
       AND (sort_ms, till_id, seq) < (?, ?, ?)`,
    e.memberNo,
    e.tillId,
    addDays(e.localDate, -DOUBLE_SPEND_WINDOW_DAYS),
    e.sortMs,
    e.tillId,
    e.seq,
  )) as {
    till_id: string;
  }[];
  if (others.length === 0) return;
  const tills = [...new Set([e.tillId, ...others.map((r) => r.till_id)])].sort();
  yield* run(
    `INSERT INTO cases (member_no, tills, points, balance_after, trigger_till, trigger_seq, detected_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    e.memberNo,
    JSON.stringify(tills),
    Math.min(e.points, -o.balanceAfter),
    o.balanceAfter,
    e.tillId,
    e.seq,
    now.toISOString(),
  );
}

/**
 * A coupon used a second time, or an expiry that met spent points: listed for review beside
 * double spends (DOMAIN.md 12). The trigger entry makes a case unique, so a refold adds nothing.
 */
function* recordOtherCase(
  kind: 'coupon_reuse' | 'expiry_conflict',
  e: HqEntry,
  detail: Record<string, unknown>,
  now: Date,
): Sql<void> {
  const tills = [...new Set([e.tillId, ...((detail.tills as string[] | undefined) ?? [])])].sort();
  yield* run(
    `INSERT INTO cases (member_no, tills, points, balance_after, trigger_till, trigger_seq, detected_at, kind, detail)
     VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    e.memberNo,
    JSON.stringify(tills),
    e.points,
    e.tillId,
    e.seq,
    now.toISOString(),
    kind,
    JSON.stringify(detail),
  );
}

/**
 * The fold (pure) reports cases through hooks; each becomes a step written once the fold is
 * done (the ledger rows a case reads do not change while a state is folded).
 */
export function caseHooks(now: Date): { hooks: FoldHooks; writes: Sql<void>[] } {
  const writes: Sql<void>[] = [];
  const hooks: FoldHooks = {
    overdraft: (o: Overdraft): void => {
      writes.push(recordCase(o, now));
    },
    couponReuse: (e, firstUse) => {
      writes.push(
        recordOtherCase(
          'coupon_reuse',
          e,
          { couponCode: e.data.couponCode, firstUse, tills: [firstUse.split(':')[0] ?? ''] },
          now,
        ),
      );
    },
    expiryConflict: (e) => {
      writes.push(recordOtherCase('expiry_conflict', e, { before: e.data.before ?? e.localDate }, now));
    },
  };
  return { hooks, writes };
}

export { stateJson };

/** Till ids in BINARY order (they are ASCII), as the balance change lists them. */
function sortedIncludes(pairs: Iterable<[string, number]>): Record<string, number> {
  return Object.fromEntries([...pairs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The member's `includes` from the ledger; `before`: leaving out a till's entries above a seq. */
function* includesFromLedger(memberNo: string, before?: { tillId: string; seq: number }): Sql<Record<string, number>> {
  const rows = (yield* all(
    `SELECT till_id, max(seq) AS seq FROM ledger WHERE member_no = ? AND NOT (till_id = ? AND seq > ?)
     GROUP BY till_id`,
    memberNo,
    before?.tillId ?? '',
    before?.seq ?? 0,
  )) as { till_id: string; seq: number }[];
  return sortedIncludes(rows.map((r) => [r.till_id, r.seq]));
}

/** `includes` with the till's highest seq raised to `seq`. */
function withTill(includes: Record<string, number>, till: string, seq: number): Record<string, number> {
  return Object.hasOwn(includes, till)
    ? { ...includes, [till]: Math.max(includes[till] as number, seq) }
    : sortedIncludes([...Object.entries(includes), [till, seq]]);
}

function includesOf(entries: readonly HqEntry[]): Record<string, number> {
  const m = new Map<string, number>();
  for (const e of entries) m.set(e.tillId, Math.max(m.get(e.tillId) ?? 0, e.seq));
  return sortedIncludes(m);
}

/** What one read holds of the members a batch touches that neither the cache nor the pass does. */
interface Prefetched {
  states: ReadonlyMap<string, StateRow>;
  /** `includes` from the ledger of those with no stored state (new members) */
  fresh: ReadonlyMap<string, Record<string, number>>;
}

/**
 * The stored states of those of `memberNos` the cache does not hold, in one read: a chain's
 * members far outnumber the cache, so most members of a batch are read, not found. For those
 * with no state (members new to head office) their `includes`, in one more.
 */
function* prefetchStates(caches: IngestCaches, pass: PassWrites, memberNos: Iterable<string>): Sql<Prefetched> {
  const missing = [...memberNos].filter((no) => caches.members.get(no) === undefined && !pass.pending(no));
  if (missing.length === 0) return { states: new Map(), fresh: new Map() };
  const rows = (yield* all(
    withJsonList(
      (isIn) =>
        `SELECT member_no, state, last_sort_ms, last_till, last_seq, includes FROM member_state WHERE ${isIn('member_no')}`,
      'text',
    ),
    JSON.stringify(missing),
  )) as (StateRow & { member_no: string })[];
  const states = new Map<string, StateRow>();
  for (const { member_no, ...row } of rows) {
    // Cached before another process wrote, and unchanged there: used, window and all.
    const held = caches.members.suspect(member_no);
    if (held && sameEntries(held, row)) caches.members.set(member_no, held);
    else states.set(member_no, row);
  }
  const unseen = missing.filter((no) => !states.has(no) && caches.members.get(no) === undefined);
  const fresh = new Map<string, [string, number][]>(unseen.map((no) => [no, []]));
  if (unseen.length > 0) {
    const seqs = (yield* all(
      withJsonList(
        (isIn) =>
          `SELECT member_no, till_id, max(seq) AS seq FROM ledger WHERE ${isIn('member_no')} GROUP BY member_no, till_id`,
        'text',
      ),
      JSON.stringify(unseen),
    )) as { member_no: string; till_id: string; seq: number }[];
    for (const r of seqs) fresh.get(r.member_no)?.push([r.till_id, Number(r.seq)]);
  }
  return { states, fresh: new Map([...fresh].map(([no, pairs]) => [no, sortedIncludes(pairs)])) };
}

/**
 * The member's stored state (cache first, then what the pass has not written yet, then what
 * prefetchStates read), or null when head office has folded nothing for the member. `batch`: the till and its last seq before the
 * batch being folded, whose entries are in the ledger already but not in the stored state.
 */
function* storedMember(
  caches: IngestCaches,
  pass: PassWrites,
  prefetched: Prefetched,
  memberNo: string,
  batch: { tillId: string; seq: number },
): Sql<CachedMember | null> {
  const hit = caches.members.get(memberNo) ?? pass.pending(memberNo);
  if (hit) return hit;
  const row = prefetched.states.get(memberNo);
  if (!row) return null;
  return {
    state: JSON.parse(row.state) as MemberState,
    last: { sortMs: Number(row.last_sort_ms), tillId: row.last_till, seq: Number(row.last_seq) },
    includes:
      row.includes === null
        ? yield* includesFromLedger(memberNo, batch)
        : sortedIncludes(Object.entries(JSON.parse(row.includes) as Record<string, number>)),
  };
}

/**
 * Folds `news` (one till's new entries of the member, in seq order, already in the ledger)
 * into the member's state and stores it. `sole`: set when every entry of the member head
 * office holds is the till's (tillview.ts), keeping the state before each new entry
 * when the fold starts from the till's view.
 */
function* foldMember(
  caches: IngestCaches,
  memberNo: string,
  news: readonly HqEntry[],
  ackBefore: number,
  firstTier: string,
  now: Date,
  pass: PassWrites,
  prefetched: Prefetched,
): Sql<{ stored: CachedMember | null; next: CachedMember; sole: SoleTillMember | null }> {
  const first = news[0] as HqEntry;
  const till = first.tillId;
  const stored = yield* storedMember(caches, pass, prefetched, memberNo, { tillId: till, seq: ackBefore });
  const { hooks: onOverdraft, writes: caseWrites } = caseHooks(now);
  const lastNew = news[news.length - 1] as HqEntry;
  let next: CachedMember;
  // Set when the fold starts from the till's own view (with this first tier) through ackBefore:
  // the states before each new entry are then the till's views there (tillview.ts).
  let viewTier: string | null = null;
  let before: MemberState[] | undefined;
  if (!stored) {
    // Nothing held of the member: the fold starts where a view with this first tier does.
    viewTier = firstTier;
    const folded = windowOf(emptyState(memberNo, firstTier), undefined, news, onOverdraft);
    before = folded.before;
    next = {
      state: folded.state,
      last: lastNew,
      // No state yet means no earlier entries; read anyway (with the states, prefetchStates).
      includes: prefetched.fresh.get(memberNo) ?? (yield* includesFromLedger(memberNo)),
      window: folded.window,
    };
  } else if (compareKeys(first, stored.last) > 0) {
    // Every new entry is the till's and has a higher seq than any of the till's held before.
    // Not for a member with other tills' entries: the merged state holds them, the view does not.
    if (onlyTill(stored.includes, till)) viewTier = sharedViewTier(caches, till, memberNo, stored.state);
    const held = stored.window ?? { base: stored.state, baseLast: keyOf(stored.last), entries: [] };
    const folded = foldIntoWindow(held, stored.state, news, onOverdraft);
    if (viewTier !== null) before = folded.before;
    next = {
      state: folded.state,
      last: lastNew,
      includes: withTill(stored.includes, till, lastNew.seq),
      window: folded.window,
    };
  } else if (foldsFromBase(stored.window, first)) {
    // The new entries land after the window's base: folded from the last state before them.
    const folded = foldIntoWindow(stored.window, stored.state, news, onOverdraft);
    next = {
      state: folded.state,
      last: folded.window.entries[folded.window.entries.length - 1] as HqEntry,
      includes: withTill(stored.includes, till, lastNew.seq),
      window: folded.window,
    };
  } else {
    const entries = (
      (yield* all('SELECT * FROM ledger WHERE member_no = ? ORDER BY sort_ms, till_id, seq', memberNo)) as LedgerRow[]
    ).map(rowToEntry);
    const cut = Math.max(0, entries.length - WINDOW_ENTRIES);
    const base = foldHq(emptyState(memberNo, firstTier), entries.slice(0, cut), onOverdraft);
    const folded = windowOf(
      base,
      cut === 0 ? undefined : keyOf(entries[cut - 1] as HqEntry),
      entries.slice(cut),
      onOverdraft,
    );
    next = {
      state: folded.state,
      last: entries[entries.length - 1] as HqEntry,
      includes: includesOf(entries),
      window: folded.window,
    };
  }
  for (const w of caseWrites) yield* w;
  const last: MergeKey = { sortMs: next.last.sortMs, tillId: next.last.tillId, seq: next.last.seq };
  // Written at the end of the apply pass with the other members' states (pass.ts).
  const cached: CachedMember = {
    state: next.state,
    last,
    includes: next.includes,
    ...(next.window ? { window: next.window } : {}),
  };
  pass.memberState(
    memberNo,
    () => [
      memberNo,
      next.state.balance,
      next.state.tier,
      stateJson(next.state),
      last.sortMs,
      last.tillId,
      last.seq,
      now.toISOString(),
      JSON.stringify(next.includes),
    ],
    cached,
  );
  caches.members.set(memberNo, cached);
  const sole = onlyTill(next.includes, till)
    ? { state: next.state, firstTier: viewTier, news: before ? news : [], before: before ?? [] }
    : null;
  return { stored, next: cached, sole };
}

/**
 * Folds a batch's new entries (one till's, grouped by member in seq order) into every member
 * they touch; each member's state and balance change are written with the pass (pass.ts). Returns, for each member of the batch, the
 * till's highest seq for the member before the batch (0 when none), and the members all of
 * whose entries are the till's (tillview.ts).
 */
export function* foldTouchedMembers(
  caches: IngestCaches,
  byMember: ReadonlyMap<string, readonly HqEntry[]>,
  ackBefore: number,
  programme: { firstTier: string; today: string },
  now: Date,
  pass: PassWrites,
): Sql<{ prevMax: Map<string, number>; sole: Map<string, SoleTillMember>; tiers: Map<string, TierMove> }> {
  const prevMax = new Map<string, number>();
  const soles = new Map<string, SoleTillMember>();
  const tiers = new Map<string, TierMove>();
  const confirmedAt = now.toISOString();
  const prefetched = yield* prefetchStates(caches, pass, byMember.keys());
  for (const [memberNo, news] of byMember) {
    const {
      stored,
      next: m,
      sole,
    } = yield* foldMember(caches, memberNo, news, ackBefore, programme.firstTier, now, pass, prefetched);
    if (sole) soles.set(memberNo, sole);
    tiers.set(memberNo, { before: stored?.state.tier ?? null, after: m.state.tier });
    const till = (news[0] as HqEntry).tillId;
    // No stored state means no entries before this batch at all (states are written with entries).
    prevMax.set(memberNo, stored && Object.hasOwn(stored.includes, till) ? (stored.includes[till] as number) : 0);
    pass.balanceChange(memberNo, () =>
      changeRow(
        'balance',
        memberNo,
        {
          memberNo,
          balance: m.state.balance,
          available: visibleBalance(m.state, programme.today),
          tier: m.state.tier,
          confirmedAt,
          includes: m.includes,
          state: m.state,
        },
        now,
      ),
    );
  }
  return { prevMax, sole: soles, tiers };
}

/** A member's merged tier before a batch's entries were folded (null: no state yet) and after. */
export interface TierMove {
  before: string | null;
  after: string;
}
