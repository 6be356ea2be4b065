/**
 * Errors the till answers with. Every refusal has a stable snake_case code (CONTRACTS.md
 * error format) and a 4xx status; anything else reaching the API edge is a defect (500).
 */
export type TillErrorCode =
  | 'bad_request'
  | 'malformed_json'
  | 'validation_failed'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'unknown_member'
  | 'unknown_card'
  | 'unknown_sale'
  | 'member_blocked'
  | 'card_blocked'
  | 'card_in_use'
  | 'phone_in_use'
  | 'invalid_phone'
  | 'invalid_birthday'
  | 'consent_required'
  | 'misread_check_digit'
  | 'unrecognised_code'
  | 'invalid_uid'
  | 'empty_code'
  | 'qr_malformed'
  | 'qr_expired'
  | 'qr_forged'
  | 'member_required'
  | 'idempotency_conflict'
  | 'below_minimum_redemption'
  | 'not_whole_redemption_units'
  | 'exceeds_basket_share'
  | 'insufficient_points'
  | 'offline_redemption_limit'
  | 'invalid_basket'
  | 'tenders_do_not_add_up'
  | 'return_exceeds_sale'
  | 'unknown_sku'
  | 'unknown_tier'
  | 'occurred_in_future'
  | 'occurred_too_long_ago'
  | 'return_before_sale'
  | 'original_sale_elsewhere'
  | 'unknown_reward'
  | 'reward_sold_out'
  | 'reward_not_started'
  | 'reward_ended'
  | 'reward_not_available'
  | 'unknown_coupon'
  | 'coupon_used'
  | 'coupon_expired'
  | 'coupon_not_yet_valid'
  | 'redemption_locked'
  | 'service_not_offered'
  | 'service_allowance_used'
  | 'storage_full'
  | 'storage_unavailable'
  | 'invalid_credentials'
  | 'staff_locked'
  | 'host_not_allowed'
  | 'malformed_path'
  | 'forbidden'
  | 'supervisor_required'
  | 'pos_key_from_environment'
  | 'scanners_from_environment'
  | 'nothing_to_change'
  | 'unknown_interest';

const STATUS: Record<TillErrorCode, number> = {
  bad_request: 400,
  malformed_json: 400,
  validation_failed: 400,
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unknown_member: 404,
  unknown_card: 404,
  unknown_sale: 404,
  member_blocked: 422,
  nothing_to_change: 422,
  unknown_interest: 422,
  card_blocked: 422,
  card_in_use: 409,
  phone_in_use: 409,
  invalid_phone: 400,
  invalid_birthday: 400,
  consent_required: 400,
  misread_check_digit: 422,
  unrecognised_code: 422,
  invalid_uid: 422,
  empty_code: 400,
  qr_malformed: 422,
  qr_expired: 422,
  qr_forged: 422,
  member_required: 422,
  idempotency_conflict: 409,
  below_minimum_redemption: 422,
  not_whole_redemption_units: 422,
  exceeds_basket_share: 422,
  insufficient_points: 422,
  offline_redemption_limit: 422,
  invalid_basket: 422,
  tenders_do_not_add_up: 422,
  return_exceeds_sale: 422,
  unknown_sku: 422,
  unknown_tier: 422,
  occurred_in_future: 422,
  occurred_too_long_ago: 422,
  return_before_sale: 422,
  original_sale_elsewhere: 409,
  unknown_reward: 404,
  // Rewards that create urgency (core/rewards/availability.ts): none left, or outside their days.
  reward_sold_out: 409,
  reward_not_started: 422,
  reward_ended: 422,
  // Head office does not offer it now (its rule set in force differs from this till's): sync, retry.
  reward_not_available: 409,
  unknown_coupon: 404,
  coupon_used: 409,
  coupon_expired: 422,
  coupon_not_yet_valid: 422,
  redemption_locked: 423,
  // Free services, a tier benefit (core/engine/free-services.ts).
  service_not_offered: 422,
  service_allowance_used: 422,
  // The till cannot take the write; the POS should keep the sale and retry (nothing was lost).
  storage_full: 507,
  storage_unavailable: 503,
  // Staff sign-in and supervisor approval (main/api/staff.ts).
  invalid_credentials: 401,
  staff_locked: 429,
  // The trust boundary at the front door (main/api/hosts.ts, server.ts): checked before anything else.
  host_not_allowed: 421,
  malformed_path: 400,
  forbidden: 403,
  supervisor_required: 403,
  pos_key_from_environment: 409,
  scanners_from_environment: 409,
};

export class TillError extends Error {
  readonly status: number;
  constructor(
    readonly code: TillErrorCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'TillError';
    this.status = STATUS[code];
  }
}
