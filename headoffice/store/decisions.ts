/**
 * Head office's own chain (DOMAIN.md 12): what head office decides (headoffice/domain/decisions.ts)
 * is written as ledger entries of the reserved till `hq`, numbered and hash-chained exactly like
 * a till's (core/ledger/hash.ts), so the one chain check verifies them too. They are folded into
 * the member's merged state by the same path tills' entries take (foldTouchedMembers), which
 * appends the balance change carrying the state: that is how every till hears of them.
 *
 * Everything here runs inside the caller's synchronous transaction: a decision and the state it
 * changes commit together or not at all (and a rollback drops the ingest caches, as for tills).
 *
 * Cache invariants kept (cache.ts, tillview.ts): the fold stores a new state
 * object for the member and adds `hq` to its `includes`, so no till's view of the member can be
 * taken for the merged state any more (the view is the till's chain alone), and the member's
 * cached state is the stored one. Head office's chain has no sales, so no till view of `hq`
 * is ever kept.
 */
import { lowestTier } from '../../core/engine/tiers.js';
import { signEntry } from '../../core/ledger/hash.js';
import type { LedgerEntry } from '../../core/ledger/entry.js';
import type { MemberState } from '../../core/ledger/state.js';
import type { RuleSet } from '../../core/ruleset/schema.js';
import { localDate } from '../../core/time.js';
import { HQ_STORE_ID, HQ_TILL_ID, upgradeOnSpend, type Decision } from '../domain/decisions.js';
import { withSortKeys, type HqEntry } from '../domain/order.js';
import { aggregateApplied } from './aggregates.js';
import { ingestCaches } from './cache.js';
import { get, run, type Sql } from '../../storage/sql.js';
import type { Tx as Db } from './tx.js';
import { insertLedgerEntries } from './ledger.js';
import { queueDecisionMessages } from './notify.js';
import { foldTouchedMembers } from './memberstate.js';
import { PassWrites } from './pass.js';

export { HQ_STORE_ID, HQ_TILL_ID };

interface HeadRow {
  ack_seq: number;
  head_hash: string;
  head_sort_ms: number;
}

export interface DecisionContext {
  now: Date;
  /** the rule set decided with: its zone dates the entries, its lowest tier starts a new state */
  rs: RuleSet;
  /** the day decided for (the end-of-day run's date); default: today in the rule set's zone */
  today?: string;
  /** the apply pass writing member states (pass.ts); none: written before returning */
  pass?: PassWrites;
}

function* head(): Sql<HeadRow> {
  const r = (yield* get('SELECT ack_seq, head_hash, head_sort_ms FROM tills WHERE till_id = ?', HQ_TILL_ID)) as
    HeadRow | undefined;
  if (!r) throw new Error(`head office's chain (till ${HQ_TILL_ID}) is missing: migration 006 not applied`);
  return r;
}

/** The decisions as the next entries of head office's chain, dated when they are written. */
function chained(decisions: readonly Decision[], h: HeadRow, now: Date, writtenOn: string): LedgerEntry[] {
  let prevHash = h.head_hash;
  return decisions.map((d, i) => {
    const e = signEntry({
      tillId: HQ_TILL_ID,
      seq: h.ack_seq + i + 1,
      memberNo: d.memberNo,
      kind: d.kind,
      points: d.points,
      spend: 0,
      occurredAt: now.toISOString(),
      localDate: writtenOn,
      expiresOn: d.expiresOn,
      saleId: null,
      returnId: null,
      data: d.data,
      prevHash,
    });
    prevHash = e.hash;
    return e;
  });
}

function byMember(entries: readonly HqEntry[]): Map<string, HqEntry[]> {
  const out = new Map<string, HqEntry[]>();
  for (const e of entries) {
    const list = out.get(e.memberNo);
    if (list) list.push(e);
    else out.set(e.memberNo, [e]);
  }
  return out;
}

/**
 * Appends the decisions to head office's chain, in order, and folds them into their members'
 * states (one balance change per member). The merge key is the running maximum of occurredAt
 * along the chain, as for a till (domain/order.ts). Returns the entries written.
 */
export function* appendDecisions(db: Db, decisions: readonly Decision[], ctx: DecisionContext): Sql<HqEntry[]> {
  if (decisions.length === 0) return [];
  const h = yield* head();
  const writtenOn = localDate(ctx.now, ctx.rs.timeZone).date;
  const entries = withSortKeys(chained(decisions, h, ctx.now, writtenOn), h.head_sort_ms);
  const at = ctx.now.toISOString();
  yield* insertLedgerEntries(entries, () => at);
  yield* aggregateApplied(null, HQ_STORE_ID, entries);
  const last = entries[entries.length - 1] as HqEntry;
  yield* run(
    'UPDATE tills SET ack_seq = ?, head_hash = ?, head_sort_ms = ? WHERE till_id = ?',
    last.seq,
    last.hash,
    last.sortMs,
    HQ_TILL_ID,
  );
  const programme = { firstTier: lowestTier(ctx.rs).code, today: ctx.today ?? writtenOn };
  const pass = ctx.pass ?? new PassWrites();
  yield* foldTouchedMembers(yield* ingestCaches(db), byMember(entries), h.ack_seq, programme, ctx.now, pass);
  if (!ctx.pass) yield* pass.flush();
  // The member's message about it (offer, tier), in this same transaction (store/notify.ts).
  yield* queueDecisionMessages(ctx.rs, decisions, ctx.now);
  return entries;
}

interface Stored {
  state: MemberState;
  /** highest seq per till among the member's entries; null on a row written before it was kept */
  includes: Record<string, number> | null;
}

/**
 * The member's merged state as stored (the ingest cache first, then what the apply pass has
 * not written yet), null when head office has none.
 */
function* stored(db: Db, memberNo: string, pass?: PassWrites): Sql<Stored | null> {
  const hit = (yield* ingestCaches(db)).members.get(memberNo) ?? pass?.pending(memberNo);
  if (hit) return hit;
  const r = (yield* get('SELECT state, includes FROM member_state WHERE member_no = ?', memberNo)) as
    { state: string; includes: string | null } | undefined;
  if (!r) return null;
  return {
    state: JSON.parse(r.state) as MemberState,
    includes: r.includes === null ? null : (JSON.parse(r.includes) as Record<string, number>),
  };
}

export function* storedState(db: Db, memberNo: string): Sql<MemberState | null> {
  return (yield* stored(db, memberNo))?.state ?? null;
}

/**
 * Whether the member's spend comes from two tills or more. A member only one till sells to is
 * that till's to upgrade, at the very sale that crosses (its view holds every entry that adds
 * spend); head office writing too would only duplicate it whenever a batch ends between the
 * sale and the till's tier entry, and cost the member the one-till fast path of ingest.
 */
function soldByManyTills(s: Stored): boolean {
  if (s.includes === null) return true;
  return Object.keys(s.includes).filter((t) => t !== HQ_TILL_ID).length > 1;
}

/** The earliest local date whose spend the entries change (a return's is its sale's). */
function earliestSpendDate(entries: readonly LedgerEntry[]): string | undefined {
  let out: string | undefined;
  for (const e of entries) {
    if (e.spend === 0) continue;
    const on = e.data.spendOn ?? e.localDate;
    if (out === undefined || on < out) out = on;
  }
  return out;
}

/**
 * After a till's batch is folded: each member it touched, sold to by several tills, whose
 * merged rolling spend now reaches a higher tier than they hold is upgraded by head office
 * (DOMAIN.md 5, 12). The till that made the sale upgrades on its own view when that view
 * crosses; this catches the spend that only adds up across stores. Returns the entries written.
 */
export function* upgradeTouchedMembers(
  db: Db,
  rs: RuleSet,
  entriesByMember: ReadonlyMap<string, readonly LedgerEntry[]>,
  now: Date,
  today: string,
  pass: PassWrites,
): Sql<HqEntry[]> {
  const decisions: Decision[] = [];
  // In member-number order: the same batch numbers its upgrades the same however it was cut.
  for (const memberNo of [...entriesByMember.keys()].sort()) {
    const s = yield* stored(db, memberNo, pass);
    const from = earliestSpendDate(entriesByMember.get(memberNo) ?? []);
    if (s && soldByManyTills(s)) decisions.push(...upgradeOnSpend(rs, s.state, today, from));
  }
  return yield* appendDecisions(db, decisions, { now, rs, today, pass });
}
