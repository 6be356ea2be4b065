/**
 * The reward catalogue: spend points on a reward, receive a single-use coupon; use it once.
 * A coupon used twice is refused everywhere (the used mark is part of the same transaction).
 */
import { randomBytes } from 'node:crypto';
import { couponValidity, isCouponUsable, rewardFor } from '../../core/engine/redeem.js';
import { spendablePoints, visibleBalance } from '../../core/ledger/state.js';
import { localDate } from '../../core/time.js';
import type { Coupon } from '../db/coupons.js';
import type { TillContext } from './context.js';
import { TillError } from './errors.js';
import { lockedAfter } from './members.js';
import { settleMember } from './settle.js';
import { guarded } from './sales.js';

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** 12 characters of Crockford base32: ~60 bits, unguessable, easy to read out and to print as a barcode. */
function couponCode(): string {
  const bytes = randomBytes(12);
  return `CP${[...bytes].map((b) => ALPHABET[b % 32]).join('')}`;
}

export function rewardCatalogue(ctx: TillContext): unknown[] {
  return ctx.rules.at(ctx.now().toISOString()).rewards;
}

export function redeemReward(
  ctx: TillContext,
  req: { memberNo: string; rewardId: string; staffId?: string | undefined },
): { coupon: Coupon; pointsSpent: number; balance: number } {
  const now = ctx.now().toISOString();
  const rs = ctx.rules.at(now);
  const reward = rewardFor(rs, req.rewardId);
  if (!reward) throw new TillError('unknown_reward', `no reward ${req.rewardId} in the catalogue`, 'rewardId');
  const today = localDate(now, rs.timeZone).date;
  const out = guarded(ctx, () =>
    ctx.db
      .transaction(() => {
        const member = ctx.members.get(req.memberNo);
        if (!member) throw new TillError('unknown_member', 'no such member', 'memberNo');
        if (member.status === 'blocked') throw new TillError('member_blocked', 'this member is blocked', 'memberNo');
        const state = settleMember(ctx, rs, member.memberNo, { occurredAt: now, localDate: today });
        if (spendablePoints(state, today, lockedAfter(rs, today)) < reward.points) {
          throw new TillError('insufficient_points', `this reward needs ${reward.points} points`, 'rewardId');
        }
        ctx.redemptions.admit(rs);
        const code = couponCode();
        const w = ctx.ledger.append(state, [
          {
            memberNo: member.memberNo,
            kind: 'reward',
            points: reward.points,
            occurredAt: now,
            localDate: today,
            data: { couponCode: code, ...(req.staffId ? { staffId: req.staffId } : {}) },
          },
        ]);
        const seq = w.entries[0]?.seq ?? 0;
        const validity = couponValidity(rs, reward, now);
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
        return { coupon, pointsSpent: reward.points, balance: visibleBalance(w.state, today) };
      })
      .immediate(),
  );
  ctx.redemptions.noted();
  ctx.log.log('info', 'reward_redeemed', {
    memberNo: req.memberNo,
    rewardId: req.rewardId,
    staffId: req.staffId ?? null,
  });
  return out;
}

export function useCoupon(ctx: TillContext, req: { code: string; saleId?: string | undefined }): Coupon {
  const now = ctx.now().toISOString();
  const rs = ctx.rules.at(now);
  return ctx.db
    .transaction(() => {
      const c = ctx.coupons.get(req.code.trim().toUpperCase());
      if (!c) throw new TillError('unknown_coupon', 'no such coupon', 'code');
      const state = isCouponUsable(c, now, rs.timeZone);
      switch (state) {
        case 'ok':
          break;
        case 'used':
          throw new TillError(
            'coupon_used',
            `coupon already used${c.usedSaleId ? ` on sale ${c.usedSaleId}` : ''}`,
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
      if (!ctx.coupons.markUsed(c.code, now, req.saleId ?? null)) {
        throw new TillError('coupon_used', 'coupon already used', 'code');
      }
      const used = ctx.coupons.get(c.code);
      if (!used) throw new Error('coupon vanished');
      return used;
    })
    .immediate();
}
