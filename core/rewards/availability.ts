/**
 * Rewards that create urgency (issue 15 item 7): limited time and limited stock. Pure rules
 * the till and head office share, so both refuse the same reward on the same day.
 *
 * Time: a reward with `availableFrom` / `availableUntil` (inclusive local dates in the rule
 * set's `timeZone`) can be issued only on those days: before, `not_started`; after, `ended`.
 *
 * Stock: `stock` units for the whole chain, counted at head office:
 *
 *   taken(reward)     = issued units (ledger `reward` entries head office holds)
 *                       + reservations not yet confirmed whose hold has not run out
 *   remaining(reward) = max(0, stock − taken)
 *
 * Online, a till reserves one unit before issuing (RESERVATION_HOLD_MS to confirm it by its
 * ledger entry reaching head office). Offline, a till issues only while
 *
 *   known = last remaining head office told it (feed page or reservation answer)
 *           − this till's own offline issues of the reward not yet counted in that figure
 *
 * is above zero. Offline issues past zero at head office are oversold: kept (the ledger never
 * refuses an entry) and listed for review.
 */
import type { Reward } from '../ruleset/schema.js';

/**
 * DECISION: a reservation is released when its till's `reward` entry has not reached head office
 * within 10 minutes. A till uploads within seconds when online (a sale or reward wakes the
 * uploader), so 10 minutes covers a slow link and a retry, while a till that reserved and then
 * lost the customer (insufficient points after all, crashed) gives the unit back soon.
 */
export const RESERVATION_HOLD_MS = 10 * 60 * 1000;

export type RewardWindow = 'open' | 'not_started' | 'ended';

/** Where `today` (the rule set's local date) falls in the reward's days. */
export function rewardWindow(reward: Pick<Reward, 'availableFrom' | 'availableUntil'>, today: string): RewardWindow {
  if (reward.availableFrom !== undefined && today < reward.availableFrom) return 'not_started';
  if (reward.availableUntil !== undefined && today > reward.availableUntil) return 'ended';
  return 'open';
}

export function isLimitedStock(reward: Pick<Reward, 'stock'>): boolean {
  return reward.stock !== undefined;
}

/** Head office's count: never below zero even when offline issues took more than the stock. */
export function remainingStock(stock: number, taken: number): number {
  return Math.max(0, stock - taken);
}

/**
 * What an offline till may still issue: head office's last figure less this till's own offline
 * issues since (`ownSince`). null when the till never heard a figure: then it cannot know and refuses.
 */
export function knownRemaining(lastKnown: number | null, ownSince: number): number | null {
  if (lastKnown === null) return null;
  return Math.max(0, lastKnown - ownSince);
}

export type AvailabilityState = 'available' | 'sold_out' | 'not_started' | 'ended';

export interface Availability {
  state: AvailabilityState;
  /** units left as this machine knows them; null = unlimited (or unknown, see `known`) */
  remaining: number | null;
  /** the inclusive local days, for "限时至 12月31日" */
  from: string | null;
  until: string | null;
}

/**
 * The reward as the cashier sees it today. Time comes first: a reward outside its days is
 * `not_started`/`ended` whatever its stock; then a limited reward with no unit left (or whose
 * stock this till has never heard of, `remaining` null) is `sold_out`.
 */
export function availability(
  reward: Pick<Reward, 'availableFrom' | 'availableUntil' | 'stock'>,
  today: string,
  remaining: number | null,
): Availability {
  const from = reward.availableFrom ?? null;
  const until = reward.availableUntil ?? null;
  const w = rewardWindow(reward, today);
  const limited = isLimitedStock(reward);
  const left = limited ? (remaining ?? 0) : null;
  switch (w) {
    case 'not_started':
    case 'ended':
      return { state: w, remaining: left, from, until };
    case 'open':
      return { state: limited && (left ?? 0) <= 0 ? 'sold_out' : 'available', remaining: left, from, until };
    default: {
      const never: never = w;
      throw new Error(`unknown reward window ${String(never)}`);
    }
  }
}

/** The typed refusal code for a state (null when the reward may be issued). */
export type RewardRefusal = 'reward_sold_out' | 'reward_not_started' | 'reward_ended';

export function refusalOf(state: AvailabilityState): RewardRefusal | null {
  switch (state) {
    case 'available':
      return null;
    case 'sold_out':
      return 'reward_sold_out';
    case 'not_started':
      return 'reward_not_started';
    case 'ended':
      return 'reward_ended';
    default: {
      const never: never = state;
      throw new Error(`unknown availability ${String(never)}`);
    }
  }
}
