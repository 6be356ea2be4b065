/**
 * Limited-stock rewards at head office (issue 15 item 7; core/rewards/availability.ts has the
 * rules, docs/sync.md "Limited-stock rewards" the protocol). Stock is counted here, once for
 * the chain, in `reward_units`:
 *
 *   1. reserve (POST /v1/sync/rewards/reserve, a write transaction: the writer lock makes the
 *      count and the insert one step across every head-office process): the same reservation id
 *      again answers what it got the first time; otherwise, while taken < stock, a 'reserved'
 *      row held for RESERVATION_HOLD_MS. A hold that ran out is released by the count itself
 *      (only holds with expires_at after now are taken); nothing needs to delete it.
 *   2. confirm (applying a batch, applyBatch): a till's `reward` entry naming a reservation makes
 *      its row 'issued'; one without (issued offline) of a limited reward adds an 'issued' row
 *      `entry-<seq>` with offline = 1. An issue whose unit was not held (offline, or a hold that
 *      ran out) while nothing was left is marked oversold: kept and listed, never refused.
 */
import { RESERVATION_HOLD_MS, remainingStock, rewardWindow } from '../../core/rewards/availability.js';
import type { Reward, RuleSet } from '../../core/ruleset/schema.js';
import type { RewardReserveAnswer, RewardReserveRequest, RewardStock } from '../../core/sync/protocol.js';
import { localDate } from '../../core/time.js';
import { all, get, run, type Sql } from '../../storage/sql.js';
import type { HqEntry } from '../domain/order.js';
import type { RuleSetCache } from './rulesets.js';

interface UnitRow {
  reward_id: string;
  status: 'reserved' | 'issued';
  expires_at: string | null;
}

export type ReserveOutcome = { kind: 'answer'; answer: RewardReserveAnswer } | { kind: 'conflict'; rewardId: string };

/** Units taken of `rewardId` at `nowIso`: issued ones and holds still running. */
function* taken(rewardId: string, nowIso: string): Sql<number> {
  const r = (yield* get(
    "SELECT count(*) AS n FROM reward_units WHERE reward_id = ? AND (status = 'issued' OR expires_at > ?)",
    rewardId,
    nowIso,
  )) as { n: number };
  return Number(r.n);
}

function limitedReward(rs: RuleSet, rewardId: string): (Reward & { stock: number }) | null {
  const r = rs.rewards.find((x) => x.id === rewardId);
  return r && r.stock !== undefined ? { ...r, stock: r.stock } : null;
}

/** Step 1: one unit held for the till (call inside a write transaction). */
export function* reserveStep(
  rules: RuleSetCache,
  tillId: string,
  req: RewardReserveRequest,
  now: Date,
): Sql<ReserveOutcome> {
  const at = now.toISOString();
  const rs = yield* rules.inForce(now);
  const reward = limitedReward(rs, req.rewardId);
  const left = function* (): Sql<number> {
    return reward ? remainingStock(reward.stock, yield* taken(reward.id, at)) : 0;
  };
  const answer = (outcome: RewardReserveAnswer['outcome'], remaining: number, expiresAt: string | null) => ({
    kind: 'answer' as const,
    answer: { outcome, reservationId: req.reservationId, rewardId: req.rewardId, remaining, expiresAt },
  });
  const held = (yield* get(
    'SELECT reward_id, status, expires_at FROM reward_units WHERE till_id = ? AND reservation_id = ?',
    tillId,
    req.reservationId,
  )) as UnitRow | undefined;
  if (held) {
    if (held.reward_id !== req.rewardId) return { kind: 'conflict', rewardId: held.reward_id };
    // A retried request: what it got the first time, never a second unit.
    if (held.status === 'issued') return answer('confirmed', yield* left(), null);
    if (held.expires_at !== null && held.expires_at > at) return answer('reserved', yield* left(), held.expires_at);
    // Its hold ran out (released): asked again, it is a new hold if a unit is left.
  }
  if (!reward || rewardWindow(reward, localDate(now, rs.timeZone).date) !== 'open') {
    return answer('not_available', yield* left(), null);
  }
  const remaining = yield* left();
  if (remaining <= 0) return answer('sold_out', 0, null);
  const expiresAt = new Date(now.getTime() + RESERVATION_HOLD_MS).toISOString();
  yield* run(
    `INSERT INTO reward_units (till_id, reservation_id, reward_id, member_no, status, reserved_at, expires_at)
     VALUES (?, ?, ?, ?, 'reserved', ?, ?)
     ON CONFLICT (till_id, reservation_id) DO UPDATE SET status = 'reserved', reserved_at = excluded.reserved_at,
       expires_at = excluded.expires_at`,
    tillId,
    req.reservationId,
    req.rewardId,
    req.memberNo,
    at,
    expiresAt,
  );
  return answer('reserved', remaining - 1, expiresAt);
}

/** Step 2: the till's `reward` entries of a batch confirm their reservations or count as offline issues. */
export function* recordRewardIssues(
  rules: RuleSetCache,
  tillId: string,
  tail: readonly HqEntry[],
  now: Date,
): Sql<void> {
  const issues = tail.filter((e) => e.kind === 'reward' && typeof e.data.rewardId === 'string');
  if (issues.length === 0) return;
  const at = now.toISOString();
  const rs = yield* rules.inForce(now);
  for (const e of issues) {
    const rewardId = String(e.data.rewardId);
    const reservationId = typeof e.data.reservationId === 'string' ? e.data.reservationId : null;
    const reward = limitedReward(rs, rewardId);
    if (!reservationId && !reward) continue;
    const key = reservationId ?? `entry-${e.seq}`;
    const held = (yield* get(
      'SELECT reward_id, status, expires_at FROM reward_units WHERE till_id = ? AND reservation_id = ?',
      tillId,
      key,
    )) as UnitRow | undefined;
    if (held?.status === 'issued') continue;
    // A hold still running already counts its unit; anything else takes one now, past zero or not.
    const counted = held !== undefined && held.expires_at !== null && held.expires_at > at;
    const over = !counted && reward ? (yield* taken(reward.id, at)) >= reward.stock : false;
    yield* run(
      `INSERT INTO reward_units (till_id, reservation_id, reward_id, member_no, status, issued_seq, issued_at,
         occurred_at, offline, oversold)
       VALUES (?, ?, ?, ?, 'issued', ?, ?, ?, ?, ?)
       ON CONFLICT (till_id, reservation_id) DO UPDATE SET status = 'issued', expires_at = NULL,
         issued_seq = excluded.issued_seq, issued_at = excluded.issued_at, occurred_at = excluded.occurred_at,
         oversold = excluded.oversold`,
      tillId,
      key,
      rewardId,
      e.memberNo,
      e.seq,
      at,
      e.occurredAt,
      reservationId ? 0 : 1,
      over ? 1 : 0,
    );
  }
}

/** What a feed page carries: units left of each limited reward of the rule set in force (undefined: none). */
export function* feedStock(rules: RuleSetCache, now: Date): Sql<RewardStock | undefined> {
  const rs = yield* rules.inForce(now);
  const limited = rs.rewards.filter((r) => r.stock !== undefined);
  if (limited.length === 0) return undefined;
  const counts = yield* takenByReward(now.toISOString());
  return limited.map((r) => ({ rewardId: r.id, remaining: remainingStock(r.stock ?? 0, counts.get(r.id) ?? 0) }));
}

function* takenByReward(nowIso: string): Sql<Map<string, number>> {
  const rows = (yield* all(
    `SELECT reward_id, count(*) AS n FROM reward_units
     WHERE status = 'issued' OR expires_at > ? GROUP BY reward_id`,
    nowIso,
  )) as { reward_id: string; n: number }[];
  return new Map(rows.map((r) => [r.reward_id, Number(r.n)]));
}

export interface RewardStockLine {
  rewardId: string;
  name: { zh: string; en: string };
  stock: number;
  issued: number;
  /** holds running now */
  reserved: number;
  /** holds that ran out unconfirmed */
  released: number;
  remaining: number;
  /** issues that arrived when no unit was left (listed in `oversold` below) */
  oversold: number;
  availableFrom: string | null;
  availableUntil: string | null;
}

export interface OversoldIssue {
  tillId: string;
  seq: number;
  memberNo: string;
  rewardId: string;
  occurredAt: string;
  countedAt: string;
  offline: boolean;
}

export interface RewardStockReport {
  rewards: RewardStockLine[];
  oversold: OversoldIssue[];
}

/** GET /v1/rewards/stock: every limited reward's count, and the oversold issues for review. */
export function* stockReport(rules: RuleSetCache, now: Date): Sql<RewardStockReport> {
  const at = now.toISOString();
  const rs = yield* rules.inForce(now);
  const rows = (yield* all(
    `SELECT reward_id,
       sum(CASE WHEN status = 'issued' THEN 1 ELSE 0 END) AS issued,
       sum(CASE WHEN status = 'reserved' AND expires_at > ? THEN 1 ELSE 0 END) AS reserved,
       sum(CASE WHEN status = 'reserved' AND expires_at <= ? THEN 1 ELSE 0 END) AS released,
       sum(oversold) AS oversold
     FROM reward_units GROUP BY reward_id`,
    at,
    at,
  )) as { reward_id: string; issued: number; reserved: number; released: number; oversold: number }[];
  const byId = new Map(rows.map((r) => [r.reward_id, r]));
  const rewards = rs.rewards.flatMap((r): RewardStockLine[] => {
    if (r.stock === undefined) return [];
    const c = byId.get(r.id);
    const issued = Number(c?.issued ?? 0);
    const reserved = Number(c?.reserved ?? 0);
    return [
      {
        rewardId: r.id,
        name: r.name,
        stock: r.stock,
        issued,
        reserved,
        released: Number(c?.released ?? 0),
        remaining: remainingStock(r.stock, issued + reserved),
        oversold: Number(c?.oversold ?? 0),
        availableFrom: r.availableFrom ?? null,
        availableUntil: r.availableUntil ?? null,
      },
    ];
  });
  const over = (yield* all(
    `SELECT till_id, issued_seq, member_no, reward_id, occurred_at, issued_at, offline FROM reward_units
     WHERE oversold = 1 ORDER BY issued_at, till_id, issued_seq`,
  )) as {
    till_id: string;
    issued_seq: number;
    member_no: string;
    reward_id: string;
    occurred_at: string;
    issued_at: string;
    offline: number;
  }[];
  return {
    rewards,
    oversold: over.map((o) => ({
      tillId: o.till_id,
      seq: Number(o.issued_seq),
      memberNo: o.member_no,
      rewardId: o.reward_id,
      occurredAt: o.occurred_at,
      countedAt: o.issued_at,
      offline: o.offline === 1,
    })),
  };
}
