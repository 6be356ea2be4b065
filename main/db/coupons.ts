/** Single-use coupons issued for catalogue rewards (DOMAIN.md 4). */
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
    };
  }

  get(code: string): Coupon | null {
    return (this.q.get.get(code) as Coupon | undefined) ?? null;
  }

  put(c: Omit<Coupon, 'usedAt' | 'usedSaleId'>): void {
    this.q.put.run(c);
  }

  markUsed(code: string, at: string, saleId: string | null): boolean {
    return this.q.use.run(at, saleId, code).changes === 1;
  }
}
