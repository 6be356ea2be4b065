/**
 * Keeps member_state equal to foldHq over each member's entries in merge order
 * (domain/order.ts), and lists double spends (DOMAIN.md 4) as the fold meets them.
 *
 * A batch whose entries all sort after what a member's state already holds is folded
 * incrementally; one that lands in the middle (a till reconnecting with older sales) makes
 * head office fold that member again from the ledger, so the result never depends on upload
 * order.
 */
import { emptyState, visibleBalance, type MemberState } from '../../core/ledger/state.js';
import { addDays } from '../../core/time.js';
import { foldHq, type Overdraft } from '../domain/fold.js';
import { compareKeys, type HqEntry } from '../domain/order.js';
import { appendChange } from './sqlite-changes.js';
import { q, rowToEntry, type Db, type LedgerRow } from './sqlite-db.js';

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
}

function recordCase(db: Db, o: Overdraft, now: Date): void {
  const e = o.entry;
  const others = q(
    db,
    `SELECT DISTINCT till_id FROM ledger
     WHERE member_no = ? AND kind IN ('redeem', 'reward') AND till_id <> ? AND local_date >= ?
       AND (sort_ms, till_id, seq) < (?, ?, ?)`,
  ).all(e.memberNo, e.tillId, addDays(e.localDate, -DOUBLE_SPEND_WINDOW_DAYS), e.sortMs, e.tillId, e.seq) as {
    till_id: string;
  }[];
  if (others.length === 0) return;
  const tills = [...new Set([e.tillId, ...others.map((r) => r.till_id)])].sort();
  q(
    db,
    `INSERT OR IGNORE INTO cases (member_no, tills, points, balance_after, trigger_till, trigger_seq, detected_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    e.memberNo,
    JSON.stringify(tills),
    Math.min(e.points, -o.balanceAfter),
    o.balanceAfter,
    e.tillId,
    e.seq,
    now.toISOString(),
  );
}

function foldMember(db: Db, memberNo: string, news: HqEntry[], firstTier: string, now: Date): MemberState {
  const row = q(db, 'SELECT state, last_sort_ms, last_till, last_seq FROM member_state WHERE member_no = ?').get(
    memberNo,
  ) as StateRow | undefined;
  const onOverdraft = (o: Overdraft): void => recordCase(db, o, now);
  const first = news[0] as HqEntry;
  let state: MemberState;
  let last: HqEntry;
  if (!row) {
    state = foldHq(emptyState(memberNo, firstTier), news, onOverdraft);
    last = news[news.length - 1] as HqEntry;
  } else if (compareKeys(first, { sortMs: row.last_sort_ms, tillId: row.last_till, seq: row.last_seq }) > 0) {
    state = foldHq(JSON.parse(row.state) as MemberState, news, onOverdraft);
    last = news[news.length - 1] as HqEntry;
  } else {
    const all = (
      q(db, 'SELECT * FROM ledger WHERE member_no = ? ORDER BY sort_ms, till_id, seq').all(memberNo) as LedgerRow[]
    ).map(rowToEntry);
    state = foldHq(emptyState(memberNo, firstTier), all, onOverdraft);
    last = all[all.length - 1] as HqEntry;
  }
  q(
    db,
    `INSERT INTO member_state (member_no, balance, tier, state, last_sort_ms, last_till, last_seq, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (member_no) DO UPDATE SET balance = excluded.balance, tier = excluded.tier, state = excluded.state,
       last_sort_ms = excluded.last_sort_ms, last_till = excluded.last_till, last_seq = excluded.last_seq,
       updated_at = excluded.updated_at`,
  ).run(
    memberNo,
    state.balance,
    state.tier,
    JSON.stringify(state),
    last.sortMs,
    last.tillId,
    last.seq,
    now.toISOString(),
  );
  return state;
}

/** Folds the new entries of every member they touch; emits one balance change per member. */
export function foldTouchedMembers(
  db: Db,
  tail: readonly HqEntry[],
  programme: { firstTier: string; today: string },
  now: Date,
): void {
  const byMember = new Map<string, HqEntry[]>();
  for (const e of tail) {
    const list = byMember.get(e.memberNo);
    if (list) list.push(e);
    else byMember.set(e.memberNo, [e]);
  }
  for (const [memberNo, news] of byMember) {
    const state = foldMember(db, memberNo, news, programme.firstTier, now);
    const includes = Object.fromEntries(
      (
        q(db, 'SELECT till_id, max(seq) AS seq FROM ledger WHERE member_no = ? GROUP BY till_id').all(memberNo) as {
          till_id: string;
          seq: number;
        }[]
      ).map((r) => [r.till_id, r.seq]),
    );
    appendChange(
      db,
      'balance',
      memberNo,
      {
        memberNo,
        balance: state.balance,
        available: visibleBalance(state, programme.today),
        tier: state.tier,
        confirmedAt: now.toISOString(),
        includes,
      },
      now,
    );
  }
}
