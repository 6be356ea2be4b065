/**
 * Anomaly rules (issue 11, item 10; DOMAIN.md 4 anti-fraud, the guides' "monitoring"). Each
 * raises a case for review beside double spends, with its evidence; none refuses anything (a
 * busy honest cashier looks like a fast one until someone looks).
 *
 * | rule (case kind)            | raised when                                                     |
 * | --------------------------- | --------------------------------------------------------------- |
 * | earning_velocity_member     | a member's earning sales reach MEMBER_SALES_PER_HOUR in one hour |
 * | earning_velocity_cashier    | points earned under one staff id at one till reach              |
 * |                             | CASHIER_POINTS_PER_HOUR in one hour                             |
 * | enrolment_burst_prefix      | enrolments whose phones share the first PREFIX_DIGITS digits    |
 * |                             | reach PREFIX_ENROLMENTS_PER_DAY in one day                      |
 * | enrolment_burst_cashier     | one staff id at one till enrols CASHIER_ENROLMENTS_PER_HOUR in  |
 * |                             | one hour                                                        |
 * | redeem_after_earn           | a redemption of at least REDEEM_AFTER_EARN_POINTS comes within  |
 * |                             | REDEEM_AFTER_EARN_MINUTES after the member earned at least as   |
 * |                             | many points (the fake-sale-then-spend pattern)                   |
 * | personal_data_unlocks       | a till is first sent the names and phones of TILL_UNLOCKS_PER_  |
 * |                             | HOUR other stores' members in one hour (a first sale to them,   |
 * |                             | or a lookup by number): a stolen till credential harvesting     |
 * |                             | members (SECURITY.md, change feed)                              |
 *
 * DECISION: hours and days are fixed UTC buckets of the till's own dates (occurredAt, consentAt);
 * personal_data_unlocks counts by head office's clock, which no till sets,
 * counted as entries are applied, so a rule costs one counter write per entry; a burst across a
 * bucket boundary can split in two below the threshold. Each counter raises one case per bucket,
 * when it reaches its threshold. A phone prefix is counted by a keyed hash, never the digits.
 * redeem_after_earn sees earnings head office holds when the redemption is applied (a till's
 * own earnings always; another till's once uploaded).
 */
export const MEMBER_SALES_PER_HOUR = 10;
export const CASHIER_POINTS_PER_HOUR = 20_000;
export const PREFIX_DIGITS = 7;
export const PREFIX_ENROLMENTS_PER_DAY = 10;
export const CASHIER_ENROLMENTS_PER_HOUR = 20;
export const REDEEM_AFTER_EARN_MINUTES = 15;
export const REDEEM_AFTER_EARN_POINTS = 1_000;
/**
 * DECISION: 30 an hour. A till serves at most a few dozen customers an hour, and few of them are
 * another store's members it never served; a till past this is being made to reveal members.
 */
export const TILL_UNLOCKS_PER_HOUR = 30;

export type AnomalyKind =
  | 'earning_velocity_member'
  | 'earning_velocity_cashier'
  | 'enrolment_burst_prefix'
  | 'enrolment_burst_cashier'
  | 'redeem_after_earn'
  | 'personal_data_unlocks';

/** An instant written as toISOString writes it (UTC, `Z`): its own prefix is the bucket. */
const CANONICAL_UTC = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{3})?Z$/;

/** The first `length` characters of the instant in toISOString's form, without a Date for the common form. */
function utcPrefix(iso: string, length: number): string {
  // Day 29-31 of a short month is not canonical: Date rolls it over, so it takes the long way.
  if (CANONICAL_UTC.test(iso) && Number(iso.slice(8, 10)) <= 28) return iso.slice(0, length);
  return new Date(iso).toISOString().slice(0, length);
}

/** "YYYY-MM-DDTHH" (UTC) of an instant. */
export function hourBucket(iso: string): string {
  return utcPrefix(iso, 13);
}

/** "YYYY-MM-DD" (UTC) of an instant. */
export function dayBucket(iso: string): string {
  return utcPrefix(iso, 10);
}

/** The leading digits counted for enrolment bursts; null for a number too short to tell. */
export function phonePrefix(phone: string): string | null {
  const digits = phone.replace(/\D/g, '');
  return digits.length > PREFIX_DIGITS ? digits.slice(0, PREFIX_DIGITS) : null;
}

/** true when a counter went from below `threshold` to at or above it. */
export function crossed(before: number, after: number, threshold: number): boolean {
  return before < threshold && after >= threshold;
}
