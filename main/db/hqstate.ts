/** What head office last confirmed per member, from the change feed. */
import type { Db } from './open.js';

export interface HqMemberState {
  memberNo: string;
  balance: number;
  available: number;
  tier: string;
  class: string | null;
  confirmedAt: string;
  includedSeq: number;
}

export class HqStateStore {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      get: db.prepare(
        `SELECT member_no AS memberNo, balance, available, tier, class, confirmed_at AS confirmedAt, included_seq AS includedSeq
         FROM hq_member_state WHERE member_no = ?`,
      ),
      put: db.prepare(
        `INSERT INTO hq_member_state (member_no, balance, available, tier, class, confirmed_at, included_seq)
         VALUES (@memberNo, @balance, @available, @tier, @class, @confirmedAt, @includedSeq)
         ON CONFLICT (member_no) DO UPDATE SET balance = excluded.balance, available = excluded.available,
           tier = excluded.tier,
           class = coalesce(excluded.class, hq_member_state.class), confirmed_at = excluded.confirmed_at,
           included_seq = excluded.included_seq
         WHERE excluded.confirmed_at >= hq_member_state.confirmed_at`,
      ),
      setClass: db.prepare('UPDATE members SET class = ? WHERE member_no = ?'),
      since: db.prepare(`SELECT kind, points, data FROM ledger WHERE member_no = ? AND seq > ? ORDER BY seq`),
    };
  }

  get(memberNo: string): HqMemberState | null {
    return (this.q.get.get(memberNo) as HqMemberState | undefined) ?? null;
  }

  put(s: HqMemberState): void {
    this.q.put.run(s);
  }

  setClass(memberNo: string, cls: string | null): void {
    this.q.setClass.run(cls, memberNo);
  }

  /** This till's entries for a member after `seq` (what head office had not yet folded in). */
  localSince(memberNo: string, seq: number): { kind: string; points: number; data: string }[] {
    return this.q.since.all(memberNo, seq) as { kind: string; points: number; data: string }[];
  }
}
