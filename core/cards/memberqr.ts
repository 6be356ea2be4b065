/**
 * Signed mobile member QR codes (DOMAIN.md 2: "a mobile member QR").
 *
 * Text: `LM1.<memberNo>.<window>.<sig>`
 *   LM1       format tag and version ("loyalty member, v1")
 *   memberNo  1..32 of [0-9A-Za-z-] (no '.', which separates the pieces)
 *   window    floor(unixSeconds / windowSeconds), decimal without leading zeros
 *   sig       base64url, unpadded, of the first 16 bytes of
 *             HMAC-SHA256(key, "LM1.<memberNo>.<window>")  -> always 22 characters
 *
 * The code changes every window, so a screenshot or photo of it stops working within
 * minutes: it is a time-based one-time code bound to the member number.
 *
 * Verification decisions:
 * - Shape first (`qr_malformed`), then the signature (`qr_forged`), then time (`qr_expired`).
 *   Checking the signature before time means a tampered or foreign code is always reported
 *   as forged, whatever window it claims, and only genuine codes are ever called expired.
 * - Accepted windows: current - skewWindows ..= current + skewWindows. With the defaults
 *   (60 s, skew 1) a code is accepted for 120 to 180 s after it was generated and a phone
 *   clock up to one window fast still works.
 * - A genuine code more than skewWindows in the future is `qr_expired`, not `qr_forged`: only
 *   a key holder can make it, and the realistic cause is a phone clock set wrong; the message
 *   says so. (A pre-minted code stolen from a key holder is no better than a live one.)
 * - The signature is compared as the 22-character text with timingSafeEqual, so timing does
 *   not leak how many characters matched, and non-canonical base64url spellings of the same
 *   bytes are refused.
 * - verifyMemberQr never throws on any text. Both functions throw RangeError on bad
 *   configuration (key shorter than 16 bytes, non-integer window or skew, non-finite clock):
 *   that is a defect of the caller, not a bad scan.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { cardError, type CardError } from './errors.js';

export const MEMBER_QR_PREFIX = 'LM1.';
export const DEFAULT_QR_WINDOW_SECONDS = 60;
export const DEFAULT_QR_SKEW_WINDOWS = 1;
/** 128-bit minimum: the key is the only thing standing between a photo of a card and its points. */
export const MIN_QR_KEY_BYTES = 16;

const SIG_BYTES = 16;
const SIG_CHARS = 22; // ceil(16 * 8 / 6)
const MEMBER_NO = /^[0-9A-Za-z-]{1,32}$/;
const WINDOW = /^(?:0|[1-9][0-9]{0,14})$/; // < 10^15: far beyond any clock, still an exact Number
const SIG = /^[A-Za-z0-9_-]{22}$/;
/** "LM1." + 32 + "." + 15 + "." + 22 */
const MAX_TEXT_LENGTH = 4 + 32 + 1 + 15 + 1 + SIG_CHARS;

export type QrKey = Buffer | Uint8Array;

export type MemberQrResult =
  { ok: true; memberNo: string; window: number } | CardError<'qr_malformed' | 'qr_expired' | 'qr_forged'>;

export interface VerifyQrOptions {
  windowSeconds?: number;
  skewWindows?: number;
}

function checkKey(key: QrKey): void {
  if (!(key instanceof Uint8Array) || key.length < MIN_QR_KEY_BYTES) {
    throw new RangeError(`member QR key must be at least ${MIN_QR_KEY_BYTES} bytes`);
  }
}

function checkWindowSeconds(windowSeconds: number): void {
  if (!Number.isSafeInteger(windowSeconds) || windowSeconds <= 0) {
    throw new RangeError('member QR windowSeconds must be a positive integer');
  }
}

function checkNow(nowMs: number): void {
  if (!Number.isFinite(nowMs) || nowMs < 0)
    throw new RangeError('member QR clock must be a finite, non-negative ms time');
}

/** The window number for an instant: floor(unixSeconds / windowSeconds). */
export function qrWindowAt(nowMs: number, windowSeconds: number = DEFAULT_QR_WINDOW_SECONDS): number {
  checkNow(nowMs);
  checkWindowSeconds(windowSeconds);
  return Math.floor(Math.floor(nowMs / 1000) / windowSeconds);
}

function signature(key: QrKey, body: string): string {
  return createHmac('sha256', key).update(body, 'utf8').digest().subarray(0, SIG_BYTES).toString('base64url');
}

/** The QR text for `memberNo` at `nowMs`. Throws RangeError on a member number the format cannot carry. */
export function signMemberQr(
  key: QrKey,
  memberNo: string,
  nowMs: number,
  windowSeconds: number = DEFAULT_QR_WINDOW_SECONDS,
): string {
  checkKey(key);
  if (typeof memberNo !== 'string' || !MEMBER_NO.test(memberNo)) {
    throw new RangeError('member QR: memberNo must be 1..32 of [0-9A-Za-z-]');
  }
  const body = `${MEMBER_QR_PREFIX}${memberNo}.${qrWindowAt(nowMs, windowSeconds)}`;
  return `${body}.${signature(key, body)}`;
}

/** Checks a scanned member QR against the key and the clock. Never throws on any `text`. */
export function verifyMemberQr(key: QrKey, text: string, nowMs: number, opts: VerifyQrOptions = {}): MemberQrResult {
  checkKey(key);
  const windowSeconds = opts.windowSeconds ?? DEFAULT_QR_WINDOW_SECONDS;
  const skewWindows = opts.skewWindows ?? DEFAULT_QR_SKEW_WINDOWS;
  if (!Number.isSafeInteger(skewWindows) || skewWindows < 0) {
    throw new RangeError('member QR skewWindows must be a non-negative integer');
  }
  const current = qrWindowAt(nowMs, windowSeconds);

  if (typeof text !== 'string' || text.length > MAX_TEXT_LENGTH || !text.startsWith(MEMBER_QR_PREFIX)) {
    return cardError('qr_malformed', 'not a member QR code');
  }
  const parts = text.split('.');
  if (parts.length !== 4) return cardError('qr_malformed', 'member QR must have 4 dot-separated pieces');
  const [, memberNo = '', windowText = '', sig = ''] = parts;
  if (!MEMBER_NO.test(memberNo)) return cardError('qr_malformed', 'member QR: bad member number');
  if (!WINDOW.test(windowText)) return cardError('qr_malformed', 'member QR: bad time window');
  if (!SIG.test(sig)) return cardError('qr_malformed', 'member QR: bad signature encoding');

  const expected = signature(key, `${MEMBER_QR_PREFIX}${memberNo}.${windowText}`);
  // Both are exactly 22 ASCII characters here, so the buffers have equal length as timingSafeEqual requires.
  if (!timingSafeEqual(Buffer.from(sig, 'latin1'), Buffer.from(expected, 'latin1'))) {
    return cardError('qr_forged', 'member QR signature does not match');
  }

  const window = Number(windowText);
  if (window < current - skewWindows)
    return cardError('qr_expired', 'member QR has expired; ask the member to refresh it');
  if (window > current + skewWindows) {
    return cardError('qr_expired', "member QR is not valid yet; the phone's clock is probably wrong");
  }
  return { ok: true, memberNo, window };
}

/**
 * A code checked against several keys (a till's own and head office's current and previous,
 * docs/member-page.md): accepted when one key signs it and its window is in time; when a key
 * signs it but it is out of time, that key's `qr_expired`; otherwise the first key's refusal
 * (`qr_malformed` or `qr_forged`). Every key is tried, so timing does not tell which one matched.
 */
export function verifyMemberQrWithAny(
  keys: readonly QrKey[],
  text: string,
  nowMs: number,
  opts: VerifyQrOptions = {},
): MemberQrResult {
  if (keys.length === 0) throw new RangeError('member QR: at least one key is needed');
  const results = keys.map((k) => verifyMemberQr(k, text, nowMs, opts));
  return (
    results.find((r) => r.ok) ?? results.find((r) => !r.ok && r.code === 'qr_expired') ?? (results[0] as MemberQrResult)
  );
}
