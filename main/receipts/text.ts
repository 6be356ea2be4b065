/**
 * Receipt text plumbing: display widths (CJK is double width on a receipt printer), what a
 * GB18030 printer can print, escaping for the ReceiptLine document language, and the
 * number/money/time formats printed on receipts.
 */
import iconv from 'iconv-lite';
import type { PrinterEncoding } from '../../native/printers/config.js';

/**
 * Columns a character takes on the printer: 1 for ASCII, 2 for everything else. This is how
 * receiptline lays out columns for the CJK encodings (gb18030: code point >= 0x80 is wide),
 * and how a printer in Chinese mode prints them (every GB18030 multi-byte glyph is 24 dots).
 */
export function charWidth(ch: string): 1 | 2 {
  const cp = ch.codePointAt(0) ?? 0;
  return cp < 0x80 || cp === 0xa0 ? 1 : 2;
}

export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return w;
}

/** Truncates to at most `cols` columns, ending with "…" (wide) when something was cut. */
export function fitWidth(s: string, cols: number): string {
  if (displayWidth(s) <= cols) return s;
  let out = '';
  let w = 0;
  for (const ch of s) {
    if (w + charWidth(ch) > cols - 2) break;
    out += ch;
    w += charWidth(ch);
  }
  return `${out}…`;
}

/**
 * Makes text printable in the printer's encoding, the same for every output format so the
 * preview shows what prints: "¥" (U+00A5) is a 4-byte GB18030 sequence that GBK-font
 * printers print as garbage, so the full-width "￥" (GBK A3A4) is used; characters outside
 * GBK (4-byte GB18030: rare CJK, emoji) become "?"; control characters become spaces. For
 * cp437 printers everything non-ASCII becomes "?".
 */
const gbkSafe = new Map<string, boolean>();

function inGbk(ch: string): boolean {
  let ok = gbkSafe.get(ch);
  if (ok === undefined) {
    ok = iconv.encode(ch, 'gb18030').length <= 2;
    if (gbkSafe.size < 10_000) gbkSafe.set(ch, ok);
  }
  return ok;
}

export function printable(s: string, encoding: PrinterEncoding): string {
  let out = '';
  for (const raw of s.replace(/[\r\n\t\f\v]/g, ' ')) {
    let ch = raw === '¥' ? '￥' : raw;
    const cp = ch.codePointAt(0) ?? 0;
    if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) ch = ' ';
    else if (cp >= 0x80) {
      if (encoding === 'cp437') ch = ch === '￥' ? 'Y' : '?';
      else if (!inGbk(ch)) ch = '?';
    }
    out += ch;
  }
  return out;
}

/**
 * Word-wraps to `cols` printer columns: breaks after spaces and CJK punctuation, keeps
 * "×1.5" or "￥0.00" whole where it can, and hard-breaks only a word longer than a line.
 */
export function wrap(s: string, cols: number): string[] {
  const words = s.split(/(?<=[\s，；、。：,;])/u).filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  const push = (): void => {
    if (line.trim() !== '') lines.push(line.trimEnd());
    line = '';
  };
  for (const word of words) {
    if (displayWidth(line + word.trimEnd()) <= cols) {
      line += word;
      continue;
    }
    push();
    let rest = word.trimStart();
    while (displayWidth(rest.trimEnd()) > cols) {
      let head = '';
      for (const ch of rest) {
        if (displayWidth(head + ch) > cols) break;
        head += ch;
      }
      lines.push(head);
      rest = rest.slice(head.length);
    }
    line = rest;
  }
  push();
  return lines;
}

/** Escapes ReceiptLine's special characters so user text is printed as written. */
export function escapeLine(s: string): string {
  return s.replace(/[\\|{}\-=~_"`^]/g, (c) => `\\${c}`);
}

/**
 * Escapes a property value ({code:...}). A colon becomes the hex escape `\x3a`: receiptline
 * drops a backslash before any other character, so `\:` would print a URL's "https:" as "https".
 */
export function escapeProperty(s: string): string {
  return s.replace(/[\\|{};]/g, (c) => `\\${c}`).replace(/:/g, '\\x3a');
}

/** 1234567 -> "1,234,567"; negative numbers keep their sign. */
export function groupDigits(n: number): string {
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(Math.trunc(n))).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Fen as money: 123456 -> "￥1,234.56". */
export function money(fen: number): string {
  const sign = fen < 0 ? '-' : '';
  const abs = Math.abs(fen);
  return `${sign}￥${groupDigits(Math.floor(abs / 100))}.${String(abs % 100).padStart(2, '0')}`;
}

const stamps = new Map<string, Intl.DateTimeFormat>();

/** An instant as "YYYY-MM-DD HH:mm" in the store's time zone. */
export function localDateTime(instant: string, timeZone: string): string {
  let f = stamps.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    stamps.set(timeZone, f);
  }
  const parts = f.formatToParts(new Date(instant));
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

/** "2000123456786" -> "2000*****6786": enough for the member to recognise, not to reuse. */
export function maskMemberNo(memberNo: string): string {
  if (memberNo.length <= 8) return memberNo;
  return `${memberNo.slice(0, 4)}${'*'.repeat(memberNo.length - 8)}${memberNo.slice(-4)}`;
}
