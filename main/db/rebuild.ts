/**
 * The cache can always be rebuilt from the ledger (ARCHITECTURE.md, Data). These functions
 * refold every member's state from the append-only ledger with the same reducer the writer
 * uses, compare it with the cached member_state and lots tables, and verify the till's hash
 * chain. Read-only: nothing here writes, so it is safe on a live till (inside a read
 * transaction for a consistent view).
 */
import { canonicalJson, verifyChain, type ChainCheck } from '../../core/ledger/hash.js';
import type { LedgerEntry } from '../../core/ledger/entry.js';
import { foldEntries, type Lot, type MemberState } from '../../core/ledger/state.js';
import { rowToEntry, type LedgerStore } from './ledger.js';
import type { Db } from './open.js';

const PAGE = 1000;

/** Every ledger entry in sequence order, read in pages so a long ledger is not one huge array of rows. */
function* allEntries(ledger: LedgerStore): Generator<LedgerEntry> {
  let after = 0;
  for (;;) {
    const page = ledger.entriesAfter(after, PAGE);
    if (page.length === 0) return;
    for (const e of page) yield e;
    const last = page[page.length - 1];
    if (!last) return;
    after = last.seq;
  }
}

/** Each member's state folded from the ledger alone, keyed by member number. */
export function rebuildMemberStates(_db: Db, ledger: LedgerStore, firstTier: string): Map<string, MemberState> {
  const byMember = new Map<string, LedgerEntry[]>();
  for (const e of allEntries(ledger)) {
    let list = byMember.get(e.memberNo);
    if (!list) {
      list = [];
      byMember.set(e.memberNo, list);
    }
    list.push(e);
  }
  const states = new Map<string, MemberState>();
  for (const [memberNo, entries] of byMember) states.set(memberNo, foldEntries(memberNo, firstTier, entries));
  return states;
}

export type CacheDifference =
  | { memberNo: string; kind: 'missing_state'; rebuilt: MemberState }
  | { memberNo: string; kind: 'orphan_state'; cached: unknown }
  | { memberNo: string; kind: 'balance' | 'tier'; cached: unknown; rebuilt: unknown }
  | { memberNo: string; kind: 'state'; cached: unknown; rebuilt: MemberState }
  | { memberNo: string; kind: 'lots'; cached: Lot[]; rebuilt: Lot[] };

interface StateRow {
  member_no: string;
  balance: number;
  tier: string;
  state: string;
}

interface LotRow {
  member_no: string;
  lot_id: string;
  earned_on: string;
  expires_on: string | null;
  remaining: number;
}

function byId(a: Lot, b: Lot): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Rebuilds every member from the ledger and lists where the cache disagrees: the balance and
 * tier columns, the whole cached state document, and the lots table. An empty list means the
 * cache is exactly what the ledger says.
 */
export function verifyCache(db: Db, ledger: LedgerStore, firstTier: string): CacheDifference[] {
  const read = db.transaction(() => {
    const rebuilt = rebuildMemberStates(db, ledger, firstTier);
    const rows = db.prepare('SELECT member_no, balance, tier, state FROM member_state').all() as StateRow[];
    const lotRows = db
      .prepare('SELECT member_no, lot_id, earned_on, expires_on, remaining FROM lots')
      .all() as LotRow[];
    return { rebuilt, rows, lotRows };
  });
  const { rebuilt, rows, lotRows } = read();

  const cachedLots = new Map<string, Lot[]>();
  for (const r of lotRows) {
    const list = cachedLots.get(r.member_no) ?? [];
    list.push({ id: r.lot_id, earnedOn: r.earned_on, expiresOn: r.expires_on, remaining: r.remaining });
    cachedLots.set(r.member_no, list);
  }

  const diffs: CacheDifference[] = [];
  const seen = new Set<string>();
  for (const row of rows) {
    const memberNo = row.member_no;
    seen.add(memberNo);
    const s = rebuilt.get(memberNo);
    if (!s) {
      diffs.push({ memberNo, kind: 'orphan_state', cached: row });
      continue;
    }
    if (row.balance !== s.balance) diffs.push({ memberNo, kind: 'balance', cached: row.balance, rebuilt: s.balance });
    if (row.tier !== s.tier) diffs.push({ memberNo, kind: 'tier', cached: row.tier, rebuilt: s.tier });
    let cachedState: unknown;
    try {
      cachedState = JSON.parse(row.state) as unknown;
    } catch {
      cachedState = row.state;
    }
    // The document holds everything but the lots (main/db/ledger.ts); they are compared below.
    const withoutLots = (x: unknown): unknown =>
      x !== null && typeof x === 'object' ? { ...(x as Record<string, unknown>), lots: [] } : x;
    if (canonicalJson(withoutLots(cachedState)) !== canonicalJson(withoutLots(s))) {
      diffs.push({ memberNo, kind: 'state', cached: cachedState, rebuilt: s });
    }
    const cached = [...(cachedLots.get(memberNo) ?? [])].sort(byId);
    const expected = [...s.lots].sort(byId);
    if (canonicalJson(cached) !== canonicalJson(expected)) {
      diffs.push({ memberNo, kind: 'lots', cached, rebuilt: expected });
    }
  }
  for (const [memberNo, s] of rebuilt) {
    if (!seen.has(memberNo)) diffs.push({ memberNo, kind: 'missing_state', rebuilt: s });
  }
  for (const [memberNo, lots] of cachedLots) {
    if (!seen.has(memberNo)) diffs.push({ memberNo, kind: 'lots', cached: lots, rebuilt: [] });
  }
  return diffs;
}

export type TillChainCheck = ChainCheck & { entries: number; tills: string[] };

/**
 * Verifies the till's ledger as one gapless hash chain from genesis: sequence 1, 2, 3 ...,
 * each entry's prevHash is the previous entry's hash and each hash matches its content.
 */
export function verifyTillChain(db: Db): TillChainCheck {
  const rows = db.prepare('SELECT * FROM ledger ORDER BY seq').all() as Parameters<typeof rowToEntry>[0][];
  const entries = rows.map(rowToEntry);
  const tills = [...new Set(entries.map((e) => e.tillId))];
  return { ...verifyChain(entries), entries: entries.length, tills };
}
