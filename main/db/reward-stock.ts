/**
 * What this till knows of limited-stock rewards (core/rewards/availability.ts): head office's
 * last count per reward and the till's acknowledged seq when it asked (`basisSeq`), so the
 * till's own offline issues above it are subtracted (knownRemaining) and none counted twice.
 */
import type { Db } from './open.js';

export interface KnownStock {
  rewardId: string;
  remaining: number;
  basisSeq: number;
  knownAt: string;
}

export class RewardStockStore {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      get: db.prepare(
        `SELECT reward_id AS rewardId, remaining, basis_seq AS basisSeq, known_at AS knownAt
         FROM reward_stock WHERE reward_id = ?`,
      ),
      put: db.prepare(
        `INSERT INTO reward_stock (reward_id, remaining, basis_seq, known_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (reward_id) DO UPDATE SET remaining = excluded.remaining, basis_seq = excluded.basis_seq,
           known_at = excluded.known_at`,
      ),
      // This till's own offline issues (no reservation) of a reward above a seq.
      offlineSince: db.prepare(
        `SELECT count(*) AS n FROM ledger WHERE seq > ? AND kind = 'reward'
           AND json_extract(data, '$.rewardId') = ? AND json_extract(data, '$.reservationId') IS NULL`,
      ),
      issued: db.prepare(
        `SELECT count(*) AS n FROM ledger WHERE kind = 'reward' AND json_extract(data, '$.rewardId') = ?`,
      ),
    };
  }

  get(rewardId: string): KnownStock | null {
    return (this.q.get.get(rewardId) as KnownStock | undefined) ?? null;
  }

  put(rewardId: string, remaining: number, basisSeq: number, at: string): void {
    this.q.put.run(rewardId, remaining, basisSeq, at);
  }

  ownOfflineSince(rewardId: string, basisSeq: number): number {
    return (this.q.offlineSince.get(basisSeq, rewardId) as { n: number }).n;
  }

  /** Every issue of the reward in this till's ledger (a standalone till is the whole chain). */
  ownIssued(rewardId: string): number {
    return (this.q.issued.get(rewardId) as { n: number }).n;
  }
}
