/**
 * DOMAIN.md 4 anti-fraud: more than `maxRedemptionsPerMinute` redemptions on one till locks
 * redemption on that till until a supervisor clears it. The lock is durable (a restart does not
 * clear it); the one-minute window is in memory, counted on the wall clock when redemptions commit.
 *
 * `recentPoints` serves the supervisor threshold (main/api/staff.ts): a member's redemptions at
 * this till over the last hour count with the one asked for, so ten redemptions just below the
 * threshold need a supervisor as one above it would (issue 11). Read from the ledger, so a
 * restart forgets nothing; a sale counts from when the till recorded it, not the date the POS
 * gives it (which may lie in the past).
 */
import type { RuleSet } from '../../core/ruleset/schema.js';
import type { Db } from '../db/open.js';
import type { EventBus } from './events.js';
import { TillError } from './errors.js';
import { getMeta, setMeta } from './identity.js';
import type { Logger } from './log.js';

const LOCK_KEY = 'redemption_lock';

/** How far back a member's redemptions at this till count towards the supervisor threshold. */
export const THRESHOLD_WINDOW_MS = 60 * 60_000;

export interface RedemptionLock {
  since: string;
  count: number;
}

export class RedemptionGuard {
  private recent: number[] = [];

  constructor(
    private readonly db: Db,
    private readonly log: Logger,
    private readonly events: EventBus,
    private readonly wallClock: () => number = Date.now,
  ) {}

  /** Points `memberNo` redeemed at this till (points tenders and rewards) since `now − 1 hour`. */
  recentPoints(memberNo: string, now: Date): number {
    const since = new Date(now.getTime() - THRESHOLD_WINDOW_MS).toISOString();
    const row = this.db
      .prepare(
        `SELECT coalesce(sum(l.points), 0) AS points FROM ledger l LEFT JOIN sales s ON s.sale_id = l.sale_id
         WHERE l.member_no = ? AND l.kind IN ('redeem', 'reward') AND coalesce(s.recorded_at, l.occurred_at) >= ?`,
      )
      .get(memberNo, since) as { points: number };
    return row.points;
  }

  lock(): RedemptionLock | null {
    const raw = getMeta(this.db, LOCK_KEY);
    return raw ? (JSON.parse(raw) as RedemptionLock) : null;
  }

  /**
   * Inside the redemption's transaction: refuses while locked; throws RedemptionLockNeeded when
   * this one would be more than the programme allows in a minute. The caller then calls engage()
   * after its transaction rolled back, so the lock is written and kept.
   */
  admit(rs: RuleSet): void {
    if (this.lock()) {
      throw new TillError('redemption_locked', 'redemption is locked on this till; a supervisor must clear it');
    }
    const now = this.wallClock();
    this.recent = this.recent.filter((t) => t > now - 60_000);
    if (this.recent.length >= rs.redemption.maxRedemptionsPerMinute) {
      throw new RedemptionLockNeeded(this.recent.length + 1);
    }
  }

  /** After the redemption committed. */
  noted(): void {
    this.recent.push(this.wallClock());
  }

  /** Called outside the refused transaction, so the lock survives the rollback. */
  engage(count: number): never {
    const lock: RedemptionLock = { since: new Date(this.wallClock()).toISOString(), count };
    setMeta(this.db, LOCK_KEY, JSON.stringify(lock));
    this.log.log('warn', 'redemption_lock_engaged', { count });
    this.events.publish({ type: 'device', device: 'redemption', state: 'locked' });
    throw new TillError(
      'redemption_locked',
      `more than the allowed redemptions in one minute (${count}); a supervisor must clear the lock`,
    );
  }

  clear(staffId: string): void {
    this.db.prepare('DELETE FROM meta WHERE key = ?').run(LOCK_KEY);
    this.recent = [];
    this.log.log('info', 'redemption_lock_cleared', { staffId });
    this.events.publish({ type: 'device', device: 'redemption', state: 'ok' });
  }
}

export class RedemptionLockNeeded extends Error {
  constructor(readonly count: number) {
    super('redemption lock needed');
    this.name = 'RedemptionLockNeeded';
  }
}
