/**
 * Single-use coupons issued for catalogue rewards (DOMAIN.md 4): an index by code. Whether a
 * coupon is used is the member's merged state (DOMAIN.md 12: a coupon_use entry at any till);
 * this table finds the member from the code, for coupons issued here or learnt from the feed.
 */
import type { MemberCoupon } from '../../core/ledger/state.js';
import type { Db } from './open.js';

export interface Coupon {
  code: string;
  memberNo: string;
  rewardId: string;
  value: number;
  validFrom: string;
  validTo: string;
  issuedSeq: number;
  usedAt: string | null;
  usedSaleId: string | null;
}

export class CouponStore {
  private readonly q;

  constructor(db: Db) {
    this.q = {
      get: db.prepare(
        `SELECT code, member_no AS memberNo, reward_id AS rewardId, value, valid_from AS validFrom, valid_to AS validTo,
           issued_seq AS issuedSeq, used_at AS usedAt, used_sale_id AS usedSaleId FROM coupons WHERE code = ?`,
      ),
      put: db.prepare(
        `INSERT INTO coupons (code, member_no, reward_id, value, valid_from, valid_to, issued_seq)
         VALUES (@code, @memberNo, @rewardId, @value, @validFrom, @validTo, @issuedSeq)`,
      ),
      // The WHERE makes "use twice" impossible even if two requests race past the read.
      use: db.prepare('UPDATE coupons SET used_at = ?, used_sale_id = ? WHERE code = ? AND used_at IS NULL'),
      known: db.prepare(
        `INSERT INTO coupons (code, member_no, reward_id, value, valid_from, valid_to, issued_seq, used_at, used_sale_id)
         VALUES (@code, @memberNo, @rewardId, @value, @validFrom, @validTo, 0, @usedAt, @usedSaleId)
         ON CONFLICT (code) DO UPDATE SET used_at = coalesce(coupons.used_at, excluded.used_at),
           used_sale_id = coalesce(coupons.used_sale_id, excluded.used_sale_id)`,
      ),
    };
  }

  get(code: string): Coupon | null {
    return (this.q.get.get(code) as Coupon | undefined) ?? null;
  }

  put(c: Omit<Coupon, 'usedAt' | 'usedSaleId'>): void {
    this.q.put.run(c);
  }

  /** A coupon head office confirmed (change feed): known here from now on, used if used anywhere. */
  known(code: string, memberNo: string, c: MemberCoupon): void {
    this.q.known.run({
      code,
      memberNo,
      rewardId: c.rewardId,
      value: c.value,
      validFrom: c.validFrom,
      validTo: c.validTo,
      usedAt: c.usedAt,
      usedSaleId: c.usedSaleId,
    });
  }

  markUsed(code: string, at: string, saleId: string | null): boolean {
    return this.q.use.run(at, saleId, code).changes === 1;
  }
}
