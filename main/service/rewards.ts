/**
 * The reward catalogue: spend points on a reward, receive a single-use coupon; use it once.
 * A coupon used twice is refused everywhere (the used mark is part of the same transaction).
 */
import { couponValidity, isCouponUsable, newCouponCode, rewardFor } from '../../core/engine/redeem.js';
import { lowestTier } from '../../core/engine/tiers.js';
import { localDate } from '../../core/time.js';
import type { Coupon } from '../db/coupons.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';
import { lockedAfter } from './members.js';
import { checkOffline, guarded, offlineLimits } from './sales.js';
import { activeMemberView, advanceView, memberView } from './view.js';
import { checkRewardDays, takeUnit, tillAvailability } from './reward-stock.js';
import type { RuleSet } from '../../core/ruleset/schema.js';

/** The catalogue with each reward's availability today (limited time, limited stock) for the cashier. */
export function rewardCatalogue(ctx: TillContext): unknown[] {
  const now = ctx.now().toISOString();
  const rs = ctx.rules.at(now);
  const today = localDate(now, rs.timeZone).date;
  return rs.rewards.map((r) => ({ ...r, availability: tillAvailability(ctx, r, today) }));
}

/** Points, offline limits and the redemption lock, checked before a unit of stock is taken (and again when issuing). */
function checkAffordable(
  ctx: TillContext,
  rs: RuleSet,
  memberNo: string,
  points: number,
  now: string,
  today: string,
): void {
  ctx.db.transaction(() => {
    const { view } = activeMemberView(ctx, rs, memberNo, { occurredAt: now, localDate: today });
    if (view.spendable < points) {
      throw new TillError('insufficient_points', `this reward needs ${points} points`, 'rewardId');
    }
    checkOffline(rs, offlineLimits(ctx, rs, view, today), points);
    if (ctx.redemptions.lock()) {
      throw new TillError('redemption_locked', 'redemption is locked on this till; a supervisor must clear it');
    }
  })();
}

export async function redeemReward(
  ctx: TillContext,
  req: { memberNo: string; rewardId: string; staffId?: string | undefined },
): Promise<{ coupon: Coupon; pointsSpent: number; balance: number }> {
  const now = ctx.now().toISOString();
  const rs = ctx.rules.at(now);
  const reward = rewardFor(rs, req.rewardId);
  if (!reward) throw new TillError('unknown_reward', `no reward ${req.rewardId} in the catalogue`, 'rewardId');
  const today = localDate(now, rs.timeZone).date;
  checkRewardDays(reward, today);
  let reservationId: string | null = null;
  if (reward.stock !== undefined) {
    // A unit is never held for a member who cannot pay for it.
    checkAffordable(ctx, rs, req.memberNo, reward.points, now, today);
    reservationId = await takeUnit(ctx, reward, req.memberNo, today);
  }
  const out = guarded(ctx, () =>
    ctx.db
      .transaction(() => {
        const { member, own, view, locked } = activeMemberView(ctx, rs, req.memberNo, {
          occurredAt: now,
          localDate: today,
        });
        // The merged view: points earned at every store pay for a reward (DOMAIN.md 12).
        if (view.spendable < reward.points) {
          throw new TillError('insufficient_points', `this reward needs ${reward.points} points`, 'rewardId');
        }
        // Offline, a reward is a redemption like a points tender: the same limits apply (DOMAIN.md 4).
        const offline = offlineLimits(ctx, rs, view, today);
        checkOffline(rs, offline, reward.points);
        ctx.redemptions.admit(rs);
        const code = newCouponCode();
        const validity = couponValidity(rs, reward, now);
        const w = ctx.ledger.append(own, [
          {
            memberNo: member.memberNo,
            kind: 'reward',
            points: reward.points,
            occurredAt: now,
            localDate: today,
            data: {
              couponCode: code,
              rewardId: reward.id,
              couponValue: reward.value,
              ...(reservationId ? { reservationId } : {}),
              validFrom: validity.validFrom,
              validTo: validity.validTo,
              ...(offline ? { offline: true } : {}),
              ...(req.staffId ? { staffId: req.staffId } : {}),
            },
          },
        ]);
        const after = advanceView(ctx, rs, view, w.state, w.entries, today, locked);
        const seq = w.entries[0]?.seq ?? 0;
        ctx.coupons.put({
          code,
          memberNo: member.memberNo,
          rewardId: reward.id,
          value: reward.value,
          ...validity,
          issuedSeq: seq,
        });
        const coupon = ctx.coupons.get(code);
        if (!coupon) throw new Error('coupon vanished');
        return { coupon, pointsSpent: reward.points, balance: after.balance };
      })
      .immediate(),
  );
  ctx.redemptions.noted();
  ctx.log.log('info', 'reward_redeemed', {
    memberNo: req.memberNo,
    rewardId: req.rewardId,
    reservationId,
    staffId: req.staffId ?? null,
  });
  return out;
}

/**
 * Uses a coupon once, anywhere in the chain (DOMAIN.md 12): its state is the member's merged
 * view, so a coupon used at another store is refused here after the next sync. The use is a
 * `coupon_use` ledger entry: it travels to head office with the till's chain, and two offline
 * uses of one coupon are listed there for review like a double spend.
 */
export function useCoupon(
  ctx: TillContext,
  req: { code: string; saleId?: string | undefined; staffId?: string | undefined },
): Coupon {
  const now = ctx.now().toISOString();
  const rs = ctx.rules.at(now);
  const today = localDate(now, rs.timeZone).date;
  const out = ctx.db
    .transaction(() => {
      const code = req.code.trim().toUpperCase();
      const indexed = ctx.coupons.get(code);
      if (!indexed) throw new TillError('unknown_coupon', 'no such coupon', 'code');
      const own = ctx.ledger.state(indexed.memberNo, lowestTier(rs).code);
      const view = memberView(ctx, rs, own, today, lockedAfter(rs, today));
      const known = view.state.coupons?.[code];
      // A coupon issued before coupons travelled in the ledger is known only to this table.
      const c = known
        ? { ...indexed, validFrom: known.validFrom, validTo: known.validTo, usedAt: known.usedAt ?? indexed.usedAt }
        : indexed;
      const usedSaleId = known?.usedSaleId ?? indexed.usedSaleId;
      const state = isCouponUsable(c, now, rs.timeZone);
      switch (state) {
        case 'ok':
          break;
        case 'used':
          throw new TillError(
            'coupon_used',
            `coupon already used${usedSaleId ? ` on sale ${usedSaleId}` : ''}`,
            'code',
          );
        case 'expired':
          throw new TillError('coupon_expired', `coupon expired after ${c.validTo}`, 'code');
        case 'not_yet_valid':
          throw new TillError('coupon_not_yet_valid', `coupon valid from ${c.validFrom}`, 'code');
        default: {
          const never: never = state;
          throw new Error(`unknown coupon state ${String(never)}`);
        }
      }
      if (!ctx.coupons.markUsed(code, now, req.saleId ?? null)) {
        throw new TillError('coupon_used', 'coupon already used', 'code');
      }
      if (known) {
        ctx.ledger.append(own, [
          {
            memberNo: indexed.memberNo,
            kind: 'coupon_use',
            points: 0,
            occurredAt: now,
            localDate: today,
            // Not the entry's saleId: that names the sale whose points an entry carries.
            data: {
              couponCode: code,
              ...(req.saleId ? { usedOnSale: req.saleId } : {}),
              ...(req.staffId ? { staffId: req.staffId } : {}),
            },
          },
        ]);
      }
      const used = ctx.coupons.get(code);
      if (!used) throw new Error('coupon vanished');
      return used;
    })
    .immediate();
  ctx.log.log('info', 'coupon_used', { code: out.code, memberNo: out.memberNo, saleId: req.saleId ?? null });
  return out;
}
