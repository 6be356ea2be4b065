/** What head office last confirmed per member, from the change feed (DOMAIN.md 12). */
import { rowToEntry, type LedgerRow } from '../../core/ledger/row.js';
import type { LedgerEntry } from '../../core/ledger/entry.js';
import type { MemberState } from '../../core/ledger/state.js';
import { StateTexts } from '../../core/ledger/json.js';
import type { Db } from './open.js';

export interface HqMemberState {
  memberNo: string;
  balance: number;
  available: number;
  tier: string;
  class: string | null;
  confirmedAt: string;
  /** the highest of this till's entries for the member head office had folded in */
  includedSeq: number;
  /** head office's merged state (null from a head office that did not send it) */
  state: MemberState | null;
  /** the feed cursor this confirmation arrived with */
  cursor: number;
}

interface Row extends Omit<HqMemberState, 'state'> {
  state: string | null;
}

export class HqStateStore {
  private readonly q;
  /** parsed confirmations while their stored text is unchanged */
  private readonly texts = new StateTexts();

  constructor(db: Db) {
    this.q = {
      get: db.prepare(
        `SELECT member_no AS memberNo, balance, available, tier, class, confirmed_at AS confirmedAt,
           included_seq AS includedSeq, state, cursor
         FROM hq_member_state WHERE member_no = ?`,
      ),
      put: db.prepare(
        `INSERT INTO hq_member_state (member_no, balance, available, tier, class, confirmed_at, included_seq, state, cursor)
         VALUES (@memberNo, @balance, @available, @tier, @class, @confirmedAt, @includedSeq, @state, @cursor)
         ON CONFLICT (member_no) DO UPDATE SET balance = excluded.balance, available = excluded.available,
           tier = excluded.tier,
           class = coalesce(excluded.class, hq_member_state.class), confirmed_at = excluded.confirmed_at,
           included_seq = excluded.included_seq, state = excluded.state, cursor = excluded.cursor
         WHERE excluded.cursor >= hq_member_state.cursor`,
      ),
      setClass: db.prepare('UPDATE members SET class = ? WHERE member_no = ?'),
      since: db.prepare(`SELECT * FROM ledger WHERE member_no = ? AND seq > ? ORDER BY seq`),
      hashAt: db.prepare('SELECT hash FROM ledger WHERE seq = ?'),
    };
  }

  get(memberNo: string): HqMemberState | null {
    const r = this.q.get.get(memberNo) as Row | undefined;
    if (!r) return null;
    return { ...r, state: r.state === null ? null : this.texts.parse(memberNo, r.state) };
  }

  put(s: HqMemberState): void {
    this.q.put.run({ ...s, state: s.state === null ? null : JSON.stringify(s.state) });
  }

  setClass(memberNo: string, cls: string | null): void {
    this.q.setClass.run(cls, memberNo);
  }

  /** The hash of this till's entry `seq`, or null when there is none (yet, or any more). */
  hashAt(seq: number): string | null {
    return (this.q.hashAt.get(seq) as { hash: string } | undefined)?.hash ?? null;
  }

  /** This till's entries for a member after `seq` (what head office had not yet folded in). */
  localSince(memberNo: string, seq: number): LedgerEntry[] {
    return (this.q.since.all(memberNo, seq) as LedgerRow[]).map(rowToEntry);
  }
}
