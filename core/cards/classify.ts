/**
 * Turns whatever a scanner, reader or cashier produced into one kind of member code
 * (DOMAIN.md 2), or a typed refusal. Nothing here looks anything up: a barcode that fails its
 * check digit is refused as a misread, and a member QR is only recognised by shape (the
 * caller verifies it with the key, memberqr.ts).
 *
 * Pipeline:
 *   1. refuse non-strings and anything over 256 characters (no member code is that long);
 *   2. fold full-width ASCII (typed through a Chinese IME: "６９０１…") to ASCII;
 *   3. terminators, scanner prefix/suffix, AIM symbology identifier, Code 128 clean-up
 *      (symbology.ts), surrounding spaces;
 *   4. decide the kind, by `source` when the caller knows it, else by the heuristics below.
 *
 * With `source`:
 *   'nfc'     -> the text is a UID as the reader reports it (nfcProfile, default hex msb).
 *   'qr'      -> must start with "LM1.".
 *   'barcode' -> a scanner: "LM1." is a member QR (2D imagers read phones), digits are a
 *                barcode checked by the programme's scheme, anything else is unrecognised.
 * Without `source` (keyboard wedge, typed by hand), first match wins:
 *   a. starts with "LM1."                                       -> qr
 *   b. digits of the barcode length                             -> barcode, check digit verified
 *      (13 for 'ean13'; `barcodeLength` for the other schemes, when set)
 *   c. 10 digits and nfcProfile.format is 'decimal10'/'decimal' -> nfc
 *   d. hex bytes written with separators ("04:a2:2b:...", "04 A2 ...", two hex digits per
 *      byte), or 8/14/20 hex digits containing at least one A-F or after "0x" -> nfc (hex; card
 *      order unless nfcProfile is a hex profile, then its byte order). Separated pairs that are
 *      not 4/7/10 bytes are invalid_uid: they were clearly meant as a UID.
 *   e. 8/14/20 digits, nfcProfile.format is 'hex' and the barcode length is fixed -> nfc
 *      (a hex UID that happens to have no A-F: ~2% of 4-byte UIDs)
 *   f. digits of another length under 'mod10'/'mod11' (6..32 characters; mod-11 codes may
 *      end in X) -> barcode, check digit verified; under 'none' without a fixed length, digits
 *      of 6..32 characters -> barcode
 *   g. anything else                                            -> unrecognised_code
 * Digits typed in groups ("6 901234 567892", "2000-0100-0012-3") are read as one number;
 * the one grouping that means a UID is two hex digits per group ("12 34 56 78", rule d),
 * which is therefore tested before rule b.
 * Ambiguous configurations (a fixed barcode length of 10 with a decimal10 reader) resolve to
 * the barcode; pass `source` to avoid guessing.
 *
 * Never throws on any input.
 */
import { checkDigitValid, type CheckDigitScheme } from './checkdigit.js';
import { cardError, type CardError } from './errors.js';
import { MEMBER_QR_PREFIX } from './memberqr.js';
import { preprocessScan, stripAffixes, trimTerminators, type Affixes } from './symbology.js';
import { DEFAULT_UID_PROFILE, normaliseUid, type UidProfile } from './uid.js';
import { parseUidLine } from './uid-line.js';
import { foldFullWidth } from '../text.js';

export type CodeSource = 'barcode' | 'nfc' | 'qr';

export interface ClassifyOptions {
  /** rule set `cards.barcodeCheck` */
  barcodeCheck: CheckDigitScheme;
  /** length of member barcodes including the check digit; ignored for 'ean13' (always 13) */
  barcodeLength?: number | undefined;
  /** how the till's NFC reader reports UIDs; default hex in card order */
  nfcProfile?: UidProfile | undefined;
  /** which device produced the text, when the caller knows */
  source?: CodeSource | undefined;
  /** the scanner's configured prefix/suffix, stripped where present */
  affixes?: Affixes | undefined;
}

export type ClassifyErrorCode = 'misread_check_digit' | 'unrecognised_code' | 'invalid_uid' | 'empty_code';

export type ClassifyResult =
  | { ok: true; kind: 'barcode'; code: string }
  | { ok: true; kind: 'nfc'; uid: string }
  | { ok: true; kind: 'qr'; text: string }
  | CardError<ClassifyErrorCode>;

export const MAX_CODE_LENGTH = 256;
/** bounds for barcodes whose length is not fixed by the configuration */
const MIN_FREE_BARCODE_LENGTH = 6;
const MAX_FREE_BARCODE_LENGTH = 32;
const UID_HEX_LENGTHS = new Set([8, 14, 20]);

const DIGITS = /^[0-9]+$/;
const DIGITS_OR_MOD11 = /^[0-9]+[Xx]?$/;
const HEX = /^[0-9A-Fa-f]+$/;
const HEX_LETTER = /[A-Fa-f]/;
/** byte pairs separated by ':', '-' or spaces: how readers and people write a UID */
const HEX_BYTE_PAIRS = /^[0-9A-Fa-f]{2}(?:[:\- ]+[0-9A-Fa-f]{2})+$/;
const DIGIT_GROUPS = /^[0-9]+(?:[ -]+[0-9]+)*(?:[ -]*[Xx])?$/;

function unrecognised(message = 'not a member card, NFC UID or member QR'): CardError<'unrecognised_code'> {
  return cardError('unrecognised_code', message);
}

function trimSpaces(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) === 0x20) end--;
  return s.slice(start, end);
}

function isScheme(x: unknown): x is CheckDigitScheme {
  return x === 'ean13' || x === 'mod10' || x === 'mod11' || x === 'none';
}

function fixedBarcodeLength(scheme: CheckDigitScheme, barcodeLength: unknown): number | undefined {
  if (scheme === 'ean13') return 13;
  // A length outside 2..32 cannot be a member barcode: treated as not configured.
  if (Number.isInteger(barcodeLength) && (barcodeLength as number) >= 2 && (barcodeLength as number) <= 32) {
    return barcodeLength as number;
  }
  return undefined;
}

function checkedBarcode(scheme: CheckDigitScheme, code: string): ClassifyResult {
  if (checkDigitValid(scheme, code)) return { ok: true, kind: 'barcode', code };
  return cardError('misread_check_digit', `check digit (${scheme}) does not match: misread, scan again`);
}

function uid(text: string, profile: UidProfile): ClassifyResult {
  const r = normaliseUid(text, profile);
  return r.ok ? { ok: true, kind: 'nfc', uid: r.uid } : r;
}

/**
 * Digit-string interpretation shared by the `source: 'barcode'` path and the heuristics.
 * Returns null when digits are not a barcode here, leaving the caller to try other kinds.
 */
function asBarcode(scheme: CheckDigitScheme, fixed: number | undefined, code: string): ClassifyResult | null {
  if (fixed !== undefined && code.length === fixed) return checkedBarcode(scheme, code);
  const free = code.length >= MIN_FREE_BARCODE_LENGTH && code.length <= MAX_FREE_BARCODE_LENGTH;
  if ((scheme === 'mod10' || scheme === 'mod11') && free) return checkedBarcode(scheme, code);
  if (scheme === 'none' && fixed === undefined && free && DIGITS.test(code)) return checkedBarcode(scheme, code);
  return null;
}

/** What a scanned barcode or typed code says, without its symbology identifier, affixes and framing. */
function scanPayload(text: string, affixes: Affixes | undefined): string {
  return trimSpaces(preprocessScan(text, { affixes }).payload);
}

export function classifyCode(raw: string, opts: ClassifyOptions): ClassifyResult {
  if (typeof raw !== 'string') return unrecognised('code must be text');
  if (raw.length > MAX_CODE_LENGTH) return unrecognised(`longer than ${MAX_CODE_LENGTH} characters`);
  const o: Partial<ClassifyOptions> = opts ?? {};
  const scheme: CheckDigitScheme = isScheme(o.barcodeCheck) ? o.barcodeCheck : 'ean13';
  const fixed = fixedBarcodeLength(scheme, o.barcodeLength);
  const nfcProfile = o.nfcProfile ?? DEFAULT_UID_PROFILE;
  const source = o.source === 'barcode' || o.source === 'nfc' || o.source === 'qr' ? o.source : undefined;
  const text = foldFullWidth(raw);

  if (source === 'nfc') {
    // A reader's UID: no symbology identifier, only framing and configured affixes, and the
    // reader's own spellings (a label, 0x byte literals) as the serial driver takes them.
    const s = trimSpaces(trimTerminators(o.affixes ? stripAffixes(trimTerminators(text), o.affixes) : text));
    if (s.length === 0) return cardError('empty_code', 'no code was read');
    const r = parseUidLine(s, nfcProfile);
    return r.ok ? { ok: true, kind: 'nfc', uid: r.uid } : r;
  }

  const s = scanPayload(text, o.affixes);
  if (s.length === 0) return cardError('empty_code', 'no code was read');

  if (s.startsWith(MEMBER_QR_PREFIX)) return { ok: true, kind: 'qr', text: s };
  if (source === 'qr') return unrecognised('not a member QR code');

  // UID bytes written in pairs are checked before digit groups: "12 34 56 78" is a UID.
  if (source === undefined && HEX_BYTE_PAIRS.test(s)) {
    return uid(s, nfcProfile.format === 'hex' ? nfcProfile : DEFAULT_UID_PROFILE);
  }

  if (DIGIT_GROUPS.test(s)) {
    let code = s.replace(/[ -]/g, '');
    if (!DIGITS_OR_MOD11.test(code)) return unrecognised();
    if (!DIGITS.test(code)) {
      // A trailing X is only meaningful as a mod-11 check character.
      if (scheme !== 'mod11') return unrecognised();
      code = code.toUpperCase();
    }
    const barcode = asBarcode(scheme, fixed, code);
    if (source === 'barcode') return barcode ?? unrecognised('not a member card barcode');
    if (fixed !== undefined && code.length === fixed && barcode) return barcode; // rule b
    if (DIGITS.test(code)) {
      if (code.length === 10 && (nfcProfile.format === 'decimal10' || nfcProfile.format === 'decimal')) {
        return uid(code, nfcProfile); // rule c
      }
      if (o.nfcProfile?.format === 'hex' && fixed !== undefined && UID_HEX_LENGTHS.has(code.length)) {
        return uid(code, o.nfcProfile); // rule e
      }
    }
    return barcode ?? unrecognised(); // rule f
  }

  if (source === 'barcode') return unrecognised('not a member card barcode');

  // An explicit 0x says hex even without A-F; otherwise a letter A-F is what marks it as hex.
  const marked = s.startsWith('0x') || s.startsWith('0X');
  const hex = marked ? s.slice(2) : s;
  if (HEX.test(hex) && (marked || HEX_LETTER.test(hex)) && UID_HEX_LENGTHS.has(hex.length)) {
    return uid(hex, nfcProfile.format === 'hex' ? nfcProfile : DEFAULT_UID_PROFILE); // rule d
  }
  return unrecognised();
}

/** Member numbers: EAN-13 starting with 2 (main/service/members.ts nextMemberNo). */
const MEMBER_NUMBER = /^2[0-9]{12}$/;

/**
 * The member number a scan or a typed code spells, or null. Member numbers are EAN-13 whatever
 * check scheme the chain's own cards use, and arrive in every spelling a barcode does (a
 * symbology identifier, affixes, full-width digits, digit groups), so they are read the way
 * `classifyCode` reads a barcode, then checked as EAN-13.
 */
export function memberNumberIn(raw: string, affixes?: Affixes): string | null {
  if (typeof raw !== 'string' || raw.length > MAX_CODE_LENGTH) return null;
  const s = scanPayload(foldFullWidth(raw), affixes);
  if (!DIGIT_GROUPS.test(s)) return null;
  const code = s.replace(/[ -]/g, '');
  return MEMBER_NUMBER.test(code) && checkDigitValid('ean13', code) ? code : null;
}
