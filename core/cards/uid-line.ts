/**
 * What NFC readers write for a card, -> the canonical UID (normaliseUid). Pure, never throws.
 * Shared by the serial reader driver (native/scanners) and a POS that sends the reader's
 * text to POST /v1/members/identify with `source: "nfc"` (core/cards/classify.ts), so both take
 * the same spellings.
 *
 * Seen in the field, one line per tap:
 *   04A2B3C4D5E680            hex, card order (reader profile hex-msb)
 *   80E6D5C4B3A204            hex, reversed (hex-lsb)
 *   04:A2:B3:C4 / 04 a2 b3 c4 hex with separators, any case
 *   0xDE 0xAD 0xBE 0xEF       hex bytes written as C literals (PN532 demo firmware)
 *   3735928559                10-digit decimal (decimal10-msb or -lsb)
 *   UID: 04 A2 B3 C4          any of the above after a label ("UID:", "Card UID =", "ID:")
 * The reader profile says how to read the digits; the label and the 0x prefixes are removed here
 * because no profile covers them.
 */
import { normaliseUid, type UidProfile, type UidResult } from './uid.js';

/** The reader profiles by name (TILL_SCANNERS `profile=`, docs/devices.md). */
export const UID_PROFILES: Readonly<Record<string, UidProfile>> = Object.freeze({
  'hex-msb': { format: 'hex', byteOrder: 'msb' },
  'hex-lsb': { format: 'hex', byteOrder: 'lsb' },
  'decimal10-msb': { format: 'decimal10', byteOrder: 'msb' },
  'decimal10-lsb': { format: 'decimal10', byteOrder: 'lsb' },
  'decimal-msb': { format: 'decimal', byteOrder: 'msb' },
  'decimal-lsb': { format: 'decimal', byteOrder: 'lsb' },
});

export function profileName(p: UidProfile): string {
  return `${p.format}-${p.byteOrder}`;
}

const MAX_LABEL = 24;

function isNonHexLetter(c: number): boolean {
  return (c >= 0x47 && c <= 0x5a) || (c >= 0x67 && c <= 0x7a); // G-Z, g-z
}

/**
 * Removes a leading label ending in ':' or '='. A label must contain a letter that is not a
 * hex digit, so "DE:AD:BE:EF" (hex with ':' separators) is never mistaken for one.
 */
export function stripUidLabel(line: string): string {
  const limit = Math.min(line.length, MAX_LABEL + 1);
  for (let i = 0; i < limit; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x3a /* : */ || c === 0x3d /* = */) {
      let labelled = false;
      for (let j = 0; j < i; j++) if (isNonHexLetter(line.charCodeAt(j))) labelled = true;
      if (!labelled) return line;
      return line.slice(i + 1);
    }
  }
  return line;
}

/** "0xDE 0xAD 0xBE 0xEF" -> "DE AD BE EF"; left alone unless every group has the prefix. */
function stripByteLiterals(s: string): string {
  const groups = s.split(/[ ,:-]+/).filter((g) => g.length > 0);
  if (groups.length < 2) return s;
  if (!groups.every((g) => g.length > 2 && (g.startsWith('0x') || g.startsWith('0X')))) return s;
  return groups.map((g) => g.slice(2)).join(' ');
}

export function parseUidLine(line: string, profile: UidProfile): UidResult {
  if (typeof line !== 'string') return normaliseUid('', profile);
  if (line.length > 256) return normaliseUid(line, profile); // refused there as too long
  return normaliseUid(stripByteLiterals(stripUidLabel(line).trim()), profile);
}
