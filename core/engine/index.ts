/** The pure points engine: what the till and head office both call. */
export { computeEarn } from './earn.js';
export {
  checkOfflineRedemption,
  checkRedemption,
  couponValidity,
  isCouponUsable,
  ratioTier,
  redemptionLimits,
  redemptionValue,
  refundDeduction,
  rewardFor,
  type CouponState,
  type RedemptionLimits,
} from './redeem.js';
export { computeReturn, type ReturnInput, type ReturnResult } from './returns.js';
export {
  isReviewDate,
  lowestTier,
  nextReviewOnOrAfter,
  progressToNextTier,
  tierAfterSale,
  tierAtReview,
  tierDef,
  tierIndex,
  type TierAfterSale,
} from './tiers.js';
export { WIN_BACK_ID } from './promotions.js';
export * from './types.js';
