/** The default programme of DOMAIN.md 3-7 (numbers from the guides where they give one). */
import { parseRuleSet, type RuleSet, type RuleSetInput } from './schema.js';

export const DEFAULT_RULE_SET_INPUT: RuleSetInput = {
  programme: 'default',
  version: 1,
  effectiveFrom: '2020-01-01T00:00:00+08:00',
  currency: 'CNY',
  timeZone: 'Asia/Shanghai',
  earn: {
    baseRate: '1',
    excludedCategories: ['tobacco', 'gift-card'],
    categoryMultipliers: {},
    perTransactionMax: null,
    perMemberDailyMax: 5000,
  },
  tiers: [
    { code: 'ordinary', name: { zh: '普通会员', en: 'Ordinary' }, threshold: 0, earnMultiplier: '1' },
    {
      code: 'silver',
      name: { zh: '银卡', en: 'Silver' },
      threshold: 500_000,
      earnMultiplier: '1.2',
      birthdayGiftPoints: 100,
    },
    {
      code: 'gold',
      name: { zh: '金卡', en: 'Gold' },
      threshold: 1_000_000,
      earnMultiplier: '1.5',
      birthdayGiftPoints: 200,
      memberDiscountPercent: 5,
    },
    {
      code: 'diamond',
      name: { zh: '钻石卡', en: 'Diamond' },
      threshold: 5_000_000,
      earnMultiplier: '2',
      birthdayGiftPoints: 500,
      memberDiscountPercent: 10,
      redemptionBonus: '0.2',
      freeServices: ['gift-wrap', 'delivery'],
    },
  ],
  tierReview: 'quarterly',
  promotions: [],
  bonuses: { enrolment: 0, referral: 0 },
  stampCard: null,
  redemption: {
    pointsPerCurrencyUnit: 100,
    minimumPoints: 100,
    maxShareOfBasket: '0.5',
    pointsLockDays: 0,
    supervisorThreshold: 5000,
    maxRedemptionsPerMinute: 100,
    offlineAfterMinutes: 15,
    offlineRedemptionDailyMax: 2000,
  },
  rewards: [
    { id: 'voucher-2', name: { zh: '¥2 代金券', en: '¥2 voucher' }, points: 150, kind: 'voucher', value: 200 },
    { id: 'coupon-10', name: { zh: '¥10 优惠券', en: '¥10 coupon' }, points: 1000, kind: 'coupon', value: 1000 },
    { id: 'free-service', name: { zh: '免费服务', en: 'Free service' }, points: 5000, kind: 'service' },
  ],
  returns: { insufficientBalance: 'allowNegative' },
  expiry: { policy: 'rollingMonths', months: 12 },
  winBack: { multiplier: '2', days: 30 },
};

export const DEFAULT_RULE_SET: RuleSet = parseRuleSet(DEFAULT_RULE_SET_INPUT);
