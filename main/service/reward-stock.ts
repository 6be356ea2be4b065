/**
 * Rewards that create urgency at the till (core/rewards/availability.ts; docs/sync.md
 * "Limited-stock rewards"). Before a limited-stock reward is issued:
 *
 *   1. outside its days (local dates, the rule set's time zone): refused, reward_not_started /
 *      reward_ended, online or not.
 *   2. standalone till (no head office): it is the whole chain; stock − its own issues.
 *   3. online: a unit is reserved at head office under a fresh reservation id; a request that
 *      gets no answer is sent once more with the same id (head office never takes two units for
 *      one id). `reserved`/`confirmed`: issue, the entry carries the reservation id. `sold_out`:
 *      refused. `not_available`: head office's rule set differs; refused (sync and retry).
 *   4. offline, or head office answered neither request: issue only while the last count head
 *      office gave (feed page or reservation answer) less this till's own offline issues since
 *      is above zero; the entry carries no reservation id and head office counts it on arrival
 *      (listing it as oversold when nothing was left then).
 *
 * A hold taken for a sale that then fails (the member's points fell short after all) is not
 * released by the till: head office releases it after RESERVATION_HOLD_MS.
 */
import { randomUUID } from 'node:crypto';
import {
  availability,
  knownRemaining,
  refusalOf,
  remainingStock,
  type Availability,
} from '../../core/rewards/availability.js';
import type { Reward } from '../../core/ruleset/schema.js';
import { HqUnreachableError } from '../sync/client.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';

/** Units left of a limited reward as this till knows them (null: unlimited, or never heard a count). */
export function tillRemaining(ctx: TillContext, reward: Reward): number | null {
  if (reward.stock === undefined) return null;
  if (!ctx.connected) return remainingStock(reward.stock, ctx.rewardStock.ownIssued(reward.id));
  const k = ctx.rewardStock.get(reward.id);
  return knownRemaining(k?.remaining ?? null, k ? ctx.rewardStock.ownOfflineSince(reward.id, k.basisSeq) : 0);
}

export function tillAvailability(ctx: TillContext, reward: Reward, today: string): Availability {
  return availability(reward, today, tillRemaining(ctx, reward));
}

function refuse(a: Availability, reward: Reward, why: string): never {
  const code = refusalOf(a.state) ?? 'reward_sold_out';
  const text =
    code === 'reward_not_started'
      ? `reward ${reward.id} is offered from ${a.from ?? '?'}`
      : code === 'reward_ended'
        ? `reward ${reward.id} was offered until ${a.until ?? '?'}`
        : `reward ${reward.id} is sold out${why}`;
  throw new TillError(code, text, 'rewardId');
}

/** Step 1 for every reward: outside its days is refused before anything else. */
export function checkRewardDays(reward: Reward, today: string): void {
  const a = availability({ ...reward, stock: undefined }, today, null);
  if (a.state !== 'available') refuse(a, reward, '');
}

/**
 * Steps 2-4 for a limited reward: the reservation id the reward entry is to carry, or null
 * (standalone, or an offline issue). Throws reward_sold_out / reward_not_available.
 */
export async function takeUnit(
  ctx: TillContext,
  reward: Reward,
  memberNo: string,
  today: string,
): Promise<string | null> {
  if (reward.stock === undefined) return null;
  const hq = ctx.hqRewards;
  if (ctx.connected && hq && ctx.isOnline()) {
    const reservationId = randomUUID();
    for (let attempt = 1; attempt <= 2; attempt++) {
      try {
        const a = await hq.reserve({ reservationId, rewardId: reward.id, memberNo });
        switch (a.outcome) {
          case 'reserved':
          case 'confirmed':
            return reservationId;
          case 'sold_out':
            refuse({ state: 'sold_out', remaining: 0, from: null, until: null }, reward, ' (head office)');
            break;
          case 'not_available':
            throw new TillError(
              'reward_not_available',
              `head office does not offer reward ${reward.id} now; sync and try again`,
              'rewardId',
            );
          default: {
            const never: never = a.outcome;
            throw new Error(`unknown reservation outcome ${String(never)}`);
          }
        }
      } catch (e) {
        if (!(e instanceof HqUnreachableError)) throw e;
        ctx.log.log('warn', 'reward_reserve_failed', { rewardId: reward.id, attempt, message: e.message });
      }
    }
  }
  const a = tillAvailability(ctx, reward, today);
  if (a.state !== 'available') refuse(a, reward, ctx.connected ? ' (offline: the last stock known is gone)' : '');
  return null;
}
