/**
 * NFC card UIDs (DOMAIN.md 2): one canonical form per card, whatever the reader prints.
 *
 * Canonical form: upper-case hex, no separators, in card byte order, i.e. the order the
 * bytes are sent during ISO/IEC 14443-3 anticollision (UID0 first; for NXP 7-byte UIDs UID0
 * is the manufacturer code 0x04). Only 4 (single), 7 (double) and 10 (triple size) byte UIDs
 * exist; anything else is refused.
 *
 * A reader profile says how one reader reports that UID:
 * - format 'hex': hex digits, with or without ':', '-' or ' ' between bytes, any case.
 *   byteOrder 'msb' = card order as above; 'lsb' = bytes reversed (UID0 last), which
 *   readers that copy the UID into a little-endian integer print.
 * - format 'decimal10': the 10-digit, zero-padded decimal of a 4-byte UID read as a 32-bit
 *   unsigned integer, as printed by Wiegand converters and keyboard-wedge readers.
 *   byteOrder 'msb' = big-endian: UID0 is the most significant byte
 *     (DE AD BE EF -> 0xDEADBEEF -> "3735928559");
 *   byteOrder 'lsb' = little-endian: UID0 is the least significant byte
 *     (DE AD BE EF -> 0xEFBEADDE -> "4022250974"), the more common wedge output.
 *   There is no way to tell the two apart from the number, hence the profile option.
 * - format 'decimal': the decimal of the whole UID as one unsigned integer of any of the
 *   three sizes, with byteOrder as for 'decimal10'. The size is the smallest of 4, 7 or 10
 *   bytes that holds the number, so a 7-byte UID whose three high bytes (in the reader's
 *   order) are all zero would be read as a 4-byte UID: unavoidable, and not seen in practice.
 *
 * An all-zero UID is refused: readers report zeros for a failed or partial read, and no card
 * is issued with one.
 */
import { cardError, type CardError } from './errors.js';
import { trimTerminators } from './symbology.js';

export type UidByteOrder = 'msb' | 'lsb';
export type UidFormat = 'hex' | 'decimal10' | 'decimal';

export interface UidProfile {
  byteOrder: UidByteOrder;
  format: UidFormat;
}

/** A reader that prints the UID as hex in card order: what most PC/SC and serial NFC readers do. */
export const DEFAULT_UID_PROFILE: Readonly<UidProfile> = Object.freeze({ byteOrder: 'msb', format: 'hex' });

export const UID_BYTE_LENGTHS = [4, 7, 10] as const;
export type UidByteLength = (typeof UID_BYTE_LENGTHS)[number];

export type UidResult = { ok: true; uid: string; byteLength: UidByteLength } | CardError<'invalid_uid' | 'empty_code'>;

/** Longer input is not a UID in any format (a 10-byte UID with separators is 29 characters). */
const MAX_RAW_LENGTH = 256;

function isUidLength(n: number): n is UidByteLength {
  return n === 4 || n === 7 || n === 10;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

function isSeparator(c: number): boolean {
  return c === 0x3a /* : */ || c === 0x2d /* - */ || c === 0x20; /* space */
}

/**
 * Hex bytes in the reader's order, or null when the text is not hex bytes.
 * With separators, each group between separators is one byte of one or two hex digits
 * ("4:a2" = 04 A2). Without, the digits pair up and their count must be even; a "0x" prefix
 * is tolerated.
 */
function parseHexBytes(s: string): number[] | null {
  let hasSeparator = false;
  for (let i = 0; i < s.length; i++) if (isSeparator(s.charCodeAt(i))) hasSeparator = true;
  const bytes: number[] = [];
  if (hasSeparator) {
    let group = -1; // value of the current group, -1 when none started
    let groupLength = 0;
    for (let i = 0; i <= s.length; i++) {
      const c = i < s.length ? s.charCodeAt(i) : 0x20; // a final virtual separator closes the last group
      if (isSeparator(c)) {
        if (groupLength > 0) bytes.push(group);
        group = -1;
        groupLength = 0;
        continue;
      }
      const v = hexValue(c);
      if (v < 0 || groupLength === 2) return null;
      group = groupLength === 0 ? v : group * 16 + v;
      groupLength++;
    }
    return bytes;
  }
  const body = s.startsWith('0x') || s.startsWith('0X') ? s.slice(2) : s;
  if (body.length === 0 || body.length % 2 !== 0) return null;
  for (let i = 0; i < body.length; i += 2) {
    const hi = hexValue(body.charCodeAt(i));
    const lo = hexValue(body.charCodeAt(i + 1));
    if (hi < 0 || lo < 0) return null;
    bytes.push(hi * 16 + lo);
  }
  return bytes;
}

/** Big-endian bytes of n in exactly `length` bytes. */
function bigIntBytes(n: bigint, length: number): number[] {
  const out = new Array<number>(length);
  let v = n;
  for (let i = length - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Bytes in the reader's order (most significant first) of a decimal UID, or an error message. */
function parseDecimalBytes(s: string, format: 'decimal10' | 'decimal'): number[] | string {
  if (!/^[0-9]+$/.test(s)) return 'not a decimal number';
  if (format === 'decimal10') {
    if (s.length !== 10) return `a decimal10 UID has exactly 10 digits, got ${s.length}`;
    const n = BigInt(s);
    if (n > 0xffffffffn) return 'decimal10 UID exceeds 32 bits';
    return bigIntBytes(n, 4);
  }
  if (s.length > 25) return 'decimal UID exceeds 10 bytes'; // 2^80 has 25 digits
  const n = BigInt(s);
  const length = n <= 0xffffffffn ? 4 : n < 1n << 56n ? 7 : n < 1n << 80n ? 10 : 0;
  if (length === 0) return 'decimal UID exceeds 10 bytes';
  return bigIntBytes(n, length);
}

function toHex(bytes: readonly number[]): string {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
  return out;
}

function invalid(message: string): CardError<'invalid_uid'> {
  return cardError('invalid_uid', message);
}

/** Trims terminators and surrounding spaces without regex backtracking. */
function trimInput(raw: string): string {
  let s = trimTerminators(raw);
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) === 0x20) end--;
  s = s.slice(start, end);
  return s === raw ? s : trimInput(s); // terminators and spaces may alternate ("04A2\r\n ")
}

/** Any reader's report of a UID -> the canonical upper-case hex in card byte order. Never throws. */
export function normaliseUid(raw: string, profile: UidProfile = DEFAULT_UID_PROFILE): UidResult {
  if (typeof raw !== 'string') return invalid('UID must be text');
  if (raw.length > MAX_RAW_LENGTH) return invalid('too long to be a UID');
  const s = trimInput(raw);
  if (s.length === 0) return cardError('empty_code', 'no UID was read');
  const format = profile?.format ?? DEFAULT_UID_PROFILE.format;
  const byteOrder = profile?.byteOrder ?? DEFAULT_UID_PROFILE.byteOrder;

  let bytes: number[];
  if (format === 'hex') {
    const parsed = parseHexBytes(s);
    if (!parsed) return invalid('not hex bytes');
    bytes = parsed;
  } else if (format === 'decimal10' || format === 'decimal') {
    const parsed = parseDecimalBytes(s, format);
    if (typeof parsed === 'string') return invalid(parsed);
    bytes = parsed;
  } else {
    return invalid(`unknown reader format ${String(format)}`);
  }

  const byteLength = bytes.length;
  if (!isUidLength(byteLength)) return invalid(`a UID has 4, 7 or 10 bytes, got ${byteLength}`);
  if (bytes.every((b) => b === 0)) return invalid('all-zero UID (failed read)');
  if (byteOrder === 'lsb') bytes.reverse();
  return { ok: true, uid: toHex(bytes), byteLength };
}

/**
 * The inverse of normaliseUid: how a reader with `profile` reports the canonical `uid`.
 * For device simulators and tests. Throws RangeError on a uid that is not canonical, or that
 * the format cannot express (decimal10 holds 4-byte UIDs only).
 */
export function formatUidForReader(uid: string, profile: UidProfile): string {
  if (!/^(?:[0-9A-F]{2}){4}$|^(?:[0-9A-F]{2}){7}$|^(?:[0-9A-F]{2}){10}$/.test(uid)) {
    throw new RangeError('formatUidForReader: not a canonical UID');
  }
  const bytes: string[] = uid.match(/../g) ?? [];
  if (profile.byteOrder === 'lsb') bytes.reverse();
  const hex = bytes.join('');
  if (profile.format === 'hex') return hex;
  const n = BigInt(`0x${hex}`);
  if (profile.format === 'decimal10') {
    if (bytes.length !== 4) throw new RangeError('formatUidForReader: decimal10 holds 4-byte UIDs only');
    return n.toString().padStart(10, '0');
  }
  return n.toString();
}
