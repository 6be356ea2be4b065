/**
 * One-time sign-in codes for the member's page (docs/member-page.md). Pure.
 *
 * DECISIONS:
 * - 6 digits, valid OTP_TTL_MS (5 minutes), OTP_MAX_TRIES (5) wrong tries, then a new code is needed.
 * - A code belongs to the number and the client address that asked for it (OTP_PAIR_LIMIT): it
 *   is tried, and its 5 tries spent, only from that address, and asking again from another
 *   address does not replace it; so a stranger who knows a member's number can neither spend
 *   the member's tries nor take the member's code away (SECURITY.md "Not yet (head office)").
 * - Three send limits, every one counting members' numbers and others alike (answers must not
 *   tell them apart): per number and address one a minute and OTP_PAIR_LIMIT.perWindow (5) a
 *   day; per number, from every address together, OTP_NUMBER_LIMIT.perWindow (30) a day, which
 *   bounds the texts one number receives and the guesses against it (30 x 5 in 10^6, 1.5e-4 a
 *   day); per client address, over every number, OTP_CLIENT_LIMIT.perWindow (10) an hour, which
 *   bounds the texts (and SMS bill) one address can cause. To use up a number's day a stranger
 *   needs 6 addresses (5 each), every day.
 * - Only a hash of phone and code is stored; a code is single use.
 * - A number no member holds gets a decoy code (kept, never sent, never matching), judged by the
 *   same rules: a wrong code, an expired one and spent tries read alike whoever holds the number,
 *   so the sign-in cannot tell a stranger who is a member (docs/member-page.md).
 */
import { randomInt } from 'node:crypto';

export const OTP_DIGITS = 6;
export const OTP_TTL_MS = 5 * 60_000;
export const OTP_MAX_TRIES = 5;
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** At most `perWindow` sends in a fixed window of `windowMs` from its first, and `gapMs` between two. */
export interface SendLimit {
  gapMs: number;
  windowMs: number;
  perWindow: number;
}

/** DECISION: per number and client address: one a minute, five a day. */
export const OTP_PAIR_LIMIT: SendLimit = { gapMs: 60_000, windowMs: DAY_MS, perWindow: 5 };
/** DECISION: per number, from every address: 30 a day (6 addresses' worth of OTP_PAIR_LIMIT). */
export const OTP_NUMBER_LIMIT: SendLimit = { gapMs: 0, windowMs: DAY_MS, perWindow: 30 };
/** DECISION: per client address (an IPv6 /64), to every number: ten an hour. */
export const OTP_CLIENT_LIMIT: SendLimit = { gapMs: 0, windowMs: HOUR_MS, perWindow: 10 };
/** The longest window: rows of counters older than this hold nothing any limit still reads. */
export const OTP_LIMITS_KEPT_MS = DAY_MS;

export function newOtpCode(random: (max: number) => number = randomInt): string {
  return String(random(10 ** OTP_DIGITS)).padStart(OTP_DIGITS, '0');
}

export function isOtpShape(code: string): boolean {
  return /^\d{6}$/.test(code);
}

export interface OtpSendState {
  lastSentAt: string;
  windowStart: string;
  sentInWindow: number;
}

/** May one more be sent now under `limit`? With the state to keep when it may. */
export function judgeSend(
  prev: OtpSendState | null,
  now: Date,
  limit: SendLimit,
): { ok: true; next: OtpSendState } | { ok: false; retryAfterSeconds: number } {
  const t = now.getTime();
  const iso = now.toISOString();
  const fresh = { ok: true as const, next: { lastSentAt: iso, windowStart: iso, sentInWindow: 1 } };
  if (!prev) return fresh;
  const sinceLast = t - Date.parse(prev.lastSentAt);
  // Requests judged one after another may carry clocks read the other way round (each read its
  // time before it waited for the writer): with no gap asked for, an earlier time is no refusal.
  if (limit.gapMs > 0 && sinceLast < limit.gapMs)
    return { ok: false, retryAfterSeconds: Math.ceil((limit.gapMs - sinceLast) / 1000) };
  const windowAge = t - Date.parse(prev.windowStart);
  if (windowAge >= limit.windowMs) return fresh;
  if (prev.sentInWindow >= limit.perWindow) {
    return { ok: false, retryAfterSeconds: Math.ceil((limit.windowMs - windowAge) / 1000) };
  }
  return { ok: true, next: { lastSentAt: iso, windowStart: prev.windowStart, sentInWindow: prev.sentInWindow + 1 } };
}

export type OtpAttempt =
  | { kind: 'ok' }
  | { kind: 'wrong'; triesLeft: number }
  | { kind: 'expired' }
  /** no code outstanding (never sent, used, or tries spent) */
  | { kind: 'none' };

/**
 * A typed code against the outstanding one (a member's code or a decoy: `hasCode` either way).
 * `matches`: the hashes are equal and the code is a member's.
 */
export function judgeOtpAttempt(
  held: { expiresAt: string | null; tries: number; hasCode: boolean },
  matches: boolean,
  now: Date,
): OtpAttempt {
  if (!held.hasCode || held.expiresAt === null || held.tries >= OTP_MAX_TRIES) return { kind: 'none' };
  if (now.getTime() >= Date.parse(held.expiresAt)) return { kind: 'expired' };
  if (matches) return { kind: 'ok' };
  return { kind: 'wrong', triesLeft: OTP_MAX_TRIES - held.tries - 1 };
}
