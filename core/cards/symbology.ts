/**
 * Clean-up of what a barcode scanner transmits, before the code itself is interpreted.
 *
 * A scanner (keyboard wedge, serial or HID POS) sends, in this order:
 *   [configured prefix] [AIM symbology identifier "]Cm"] data [configured suffix] [terminator]
 * Each step below removes one of those layers. None of them throws, and all of them run in
 * linear time (index loops rather than backtracking regexes), because they see raw device
 * input of any length.
 */

/** Barcode families named by the AIM symbology identifier (ISO/IEC 15424 code character). */
export type Symbology =
  | 'ean-upc' // ]E  EAN-13, UPC-A (sent as 13 digits), EAN-8 (]E4), UPC-E
  | 'code128' // ]C  (]C1 = GS1-128: FNC1 in first position)
  | 'code39' // ]A
  | 'code93' // ]G
  | 'codabar' // ]F
  | 'itf' // ]I  interleaved 2 of 5
  | 'pdf417' // ]L
  | 'qr' // ]Q
  | 'datamatrix' // ]d
  | 'aztec' // ]z
  | 'databar' // ]e  GS1 DataBar
  | 'other' // any other well-formed "]" letter modifier
  | 'none'; // no identifier present (scanner not configured to send one, or typed by hand)

export interface StrippedScan {
  symbology: Symbology;
  /** the identifier as received, e.g. "]E0", or null when none was present */
  aimId: string | null;
  /** true when the identifier says the data is GS1-formatted (]C1, ]d2, ]Q3, ]e0) */
  gs1: boolean;
  payload: string;
}

const AIM_CODES: Readonly<Record<string, Symbology>> = {
  A: 'code39',
  C: 'code128',
  E: 'ean-upc',
  F: 'codabar',
  G: 'code93',
  I: 'itf',
  L: 'pdf417',
  Q: 'qr',
  d: 'datamatrix',
  e: 'databar',
  z: 'aztec',
};

const GS1_AIM_IDS = new Set([']C1', ']d2', ']Q3', ']e0']);

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isAsciiAlnum(c: number): boolean {
  return isAsciiLetter(c) || (c >= 48 && c <= 57);
}

/**
 * Removes a leading AIM symbology identifier: "]" + code letter + one modifier character
 * (digit or letter). A string that merely starts with "]" but not in that shape is left as is.
 */
export function stripSymbology(raw: string): StrippedScan {
  const s = typeof raw === 'string' ? raw : '';
  if (
    s.length >= 3 &&
    s.charCodeAt(0) === 93 /* ] */ &&
    isAsciiLetter(s.charCodeAt(1)) &&
    isAsciiAlnum(s.charCodeAt(2))
  ) {
    const aimId = s.slice(0, 3);
    return {
      symbology: AIM_CODES[s.charAt(1)] ?? 'other',
      aimId,
      gs1: GS1_AIM_IDS.has(aimId),
      payload: s.slice(3),
    };
  }
  return { symbology: 'none', aimId: null, gs1: false, payload: s };
}

const GS = 0x1d;

function isControl(c: number): boolean {
  return c < 0x20 || c === 0x7f;
}

/**
 * Code 128 / GS1 payload clean-up. FNC1 is transmitted as GS (0x1D): leading ones mark GS1
 * data and carry no content; later ones separate GS1 fields, which a member card number never
 * has, so every remaining C0 control character and DEL is removed as well.
 */
export function cleanCode128Payload(payload: string): string {
  const s = typeof payload === 'string' ? payload : '';
  let out = '';
  let i = 0;
  while (i < s.length && s.charCodeAt(i) === GS) i++;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isControl(c)) out += s.charAt(i);
  }
  return out;
}

/** Removes leading GS (FNC1) characters only; used where no identifier told us the symbology. */
export function stripLeadingFnc1(payload: string): string {
  let i = 0;
  while (i < payload.length && payload.charCodeAt(i) === GS) i++;
  return payload.slice(i);
}

export interface Affixes {
  prefix?: string | undefined;
  suffix?: string | undefined;
}

/**
 * Removes a scanner's configured prefix and suffix, each at most once and only where present:
 * the same till also receives codes typed by the cashier, which carry neither.
 */
export function stripAffixes(raw: string, affixes: Affixes): string {
  let s = typeof raw === 'string' ? raw : '';
  const { prefix, suffix } = affixes ?? {};
  if (typeof prefix === 'string' && prefix.length > 0 && s.startsWith(prefix)) s = s.slice(prefix.length);
  if (typeof suffix === 'string' && suffix.length > 0 && s.endsWith(suffix)) s = s.slice(0, s.length - suffix.length);
  return s;
}

/** CR, LF, TAB (wedge "Enter"/"Tab" suffixes), NUL padding, and the STX/ETX framing of serial readers. */
function isTerminator(c: number): boolean {
  return c === 0x0d || c === 0x0a || c === 0x09 || c === 0x00 || c === 0x02 || c === 0x03;
}

/** Trims terminator characters from both ends; the inside of the code is left alone. */
export function trimTerminators(raw: string): string {
  const s = typeof raw === 'string' ? raw : '';
  let start = 0;
  let end = s.length;
  while (start < end && isTerminator(s.charCodeAt(start))) start++;
  while (end > start && isTerminator(s.charCodeAt(end - 1))) end--;
  return s.slice(start, end);
}

export interface PreprocessOptions {
  affixes?: Affixes | undefined;
}

/**
 * The whole scanner clean-up in transmission order: terminators, then the configured
 * prefix/suffix, then the AIM identifier, then Code 128/GS1 payload clean-up.
 * Surrounding spaces are kept; deciding about them is the classifier's business.
 */
export function preprocessScan(raw: string, opts: PreprocessOptions = {}): StrippedScan {
  let s = trimTerminators(raw);
  if (opts.affixes) s = trimTerminators(stripAffixes(s, opts.affixes));
  const scan = stripSymbology(s);
  const payload =
    scan.symbology === 'code128' || scan.gs1 ? cleanCode128Payload(scan.payload) : stripLeadingFnc1(scan.payload);
  return { ...scan, payload };
}
