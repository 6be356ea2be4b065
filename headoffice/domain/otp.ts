/**
 * One-time sign-in codes for the member's page (docs/member-page.md). Pure.
 *
 * DECISIONS:
 * - 6 digits, valid OTP_TTL_MS (5 minutes), OTP_MAX_TRIES (5) wrong tries, then a new code is needed.
 * - Per phone: a new code at most every OTP_RESEND_MS (60 s) and OTP_PER_HOUR (5) an hour, so
 *   nobody can flood a number with texts or our SMS bill; 5 codes x 5 tries an hour in 10^6 is a
 *   2.5e-5 chance an hour for a guesser.
 * - Only a hash of phone and code is stored; a code is single use.
 * - A number no member holds gets a decoy code (kept, never sent, never matching), judged by the
 *   same rules: a wrong code, an expired one and spent tries read alike whoever holds the number,
 *   so the sign-in cannot tell a stranger who is a member (docs/member-page.md).
 */
import { randomInt } from 'node:crypto';

export const OTP_DIGITS = 6;
export const OTP_TTL_MS = 5 * 60_000;
export const OTP_MAX_TRIES = 5;
export const OTP_RESEND_MS = 60_000;
export const OTP_PER_HOUR = 5;
const HOUR_MS = 3_600_000;

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

/** May a new code be sent now? With the state to keep when it may. */
export function judgeOtpRequest(
  prev: OtpSendState | null,
  now: Date,
): { ok: true; next: OtpSendState } | { ok: false; retryAfterSeconds: number } {
  const t = now.getTime();
  const iso = now.toISOString();
  if (!prev) return { ok: true, next: { lastSentAt: iso, windowStart: iso, sentInWindow: 1 } };
  const sinceLast = t - Date.parse(prev.lastSentAt);
  if (sinceLast < OTP_RESEND_MS) return { ok: false, retryAfterSeconds: Math.ceil((OTP_RESEND_MS - sinceLast) / 1000) };
  const windowAge = t - Date.parse(prev.windowStart);
  if (windowAge >= HOUR_MS) return { ok: true, next: { lastSentAt: iso, windowStart: iso, sentInWindow: 1 } };
  if (prev.sentInWindow >= OTP_PER_HOUR) {
    return { ok: false, retryAfterSeconds: Math.ceil((HOUR_MS - windowAge) / 1000) };
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
