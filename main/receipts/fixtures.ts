/** Sample receipt models for tests, previews and the benchmark: every section filled. */
import type { ReceiptModel } from './model.js';

export function sampleModel(over: Partial<ReceiptModel> = {}): ReceiptModel {
  return {
    store: { name: { zh: '幸福里便利店 静安店', en: '幸福里便利店 静安店' }, storeId: 'SH-001', tillId: 'T03' },
    sale: {
      saleId: 'POS-20260310-0042',
      occurredAt: '2026-03-10T04:05:00.000Z',
      local: '2026-03-10 12:05',
      total: 128_850,
      staffId: 'c-017',
    },
    printedAt: '2026-03-10 12:05',
    reprint: false,
    member: {
      memberNoMasked: '2000*****6786',
      name: '张*',
      phone: '138****5678',
      tier: { zh: '金卡', en: 'Gold' },
    },
    earn: {
      points: 1_932,
      bonusPoints: 100,
      breakdown: {
        zh: '基础 1288，不积分 ￥30.00（烟草），银卡 ×1.5 = 1932；集点奖励 +100；集点 10/10',
        en: 'base 1288, excluded ￥30.00 (tobacco), Silver ×1.5 = 1932; stamp reward +100; stamp 10/10',
      },
      withheldByCaps: 0,
    },
    redeem: { points: 500, value: 500 },
    balance: { points: 12_345, asOf: null },
    tierChange: { from: { zh: '银卡', en: 'Silver' }, to: { zh: '金卡', en: 'Gold' } },
    nextTier: { name: { zh: '钻石卡', en: 'Diamond' }, remaining: 3_871_150 },
    expiring: [
      { on: '2026-03-31', points: 320 },
      { on: '2026-04-30', points: 1_200 },
    ],
    stamps: { onCard: 10, of: 10, rewardPoints: 100, earnedNow: true },
    coupons: [
      {
        code: 'CP7KQ2M9XW4HRT',
        name: { zh: '¥10 优惠券', en: '¥10 coupon' },
        kind: 'coupon',
        value: 1000,
        validTo: '2026-06-07',
        used: false,
      },
    ],
    programme: {
      expiry: { policy: 'rollingMonths', months: 12 },
      pointsPerCurrencyUnit: 100,
      pointsValue: 100,
      baseRate: '1',
    },
    ...over,
  };
}

/** The sample sale rung up without a member: no member section at all. */
export function anonymousModel(): ReceiptModel {
  return sampleModel({
    member: null,
    earn: null,
    redeem: null,
    balance: null,
    tierChange: null,
    nextTier: null,
    expiring: [],
    stamps: null,
    coupons: [],
  });
}
