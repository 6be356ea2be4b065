/**
 * Decodes ESC/POS bytes back into what the printer would print: text lines (GB18030 in
 * Chinese mode, placed at the columns ESC $ / ESC \ / GS L move the print position to), QR
 * payloads (GS ( k store data), barcodes (GS k, Code 128 code sets resolved) and cuts. The
 * receipt tests check printed content through it; it is also handy to read a captured job.
 */
import iconv from 'iconv-lite';
import { tokenize } from '../../native/printers/escpos-tokens.js';

export interface DecodedReceipt {
  /** printed text lines, trailing spaces removed */
  lines: string[];
  qr: { data: string; model: number | null; size: number | null; level: string | null }[];
  barcodes: { system: 'code128' | 'ean13' | 'ean8' | 'upca' | 'code39' | 'other'; data: string }[];
  cuts: number;
  initialisations: number;
  /** FS & seen: the printer was put into Chinese (multi-byte) mode */
  chineseMode: boolean;
  /** command bytes the tokenizer did not know */
  unknown: number[];
  /** widest line in printer columns (12-dot units) */
  maxColumns: number;
}

const DOT = 12;

function code128Text(args: Buffer): string {
  // receiptline sends "{A", "{B", "{C" code set selections; code C carries digit pairs as byte values.
  let set: 'A' | 'B' | 'C' = 'B';
  let out = '';
  for (let i = 0; i < args.length; i++) {
    const b = args[i] ?? 0;
    if (b === 0x7b && i + 1 < args.length) {
      const n = String.fromCharCode(args[i + 1] ?? 0);
      if (n === 'A' || n === 'B' || n === 'C') {
        set = n;
        i++;
        continue;
      }
      if (n === '{') {
        out += '{';
        i++;
        continue;
      }
      i++;
      continue; // shift / FNC: not printable data
    }
    out += set === 'C' ? String(b).padStart(2, '0') : String.fromCharCode(b);
  }
  return out;
}

export function decodeEscPos(bytes: Buffer): DecodedReceipt {
  const out: DecodedReceipt = {
    lines: [],
    qr: [],
    barcodes: [],
    cuts: 0,
    initialisations: 0,
    chineseMode: false,
    unknown: [],
    maxColumns: 0,
  };
  let kanji = false;
  let leftMargin = 0; // dots, GS L
  let pos = 0; // dots from the left margin
  let widthMul = 1;
  let cells: string[] = []; // one entry per 12-dot column
  let run: number[] = []; // pending text bytes
  let qr: { model: number | null; size: number | null; level: string | null; data: string | null } = {
    model: null,
    size: null,
    level: null,
    data: null,
  };

  const put = (text: string): void => {
    for (const ch of text) {
      const cp = ch.codePointAt(0) ?? 0;
      const natural = cp < 0x80 ? 1 : 2;
      const w = natural * widthMul;
      const col = Math.round((leftMargin + pos) / DOT);
      while (cells.length < col) cells.push(' ');
      // A wide glyph fills its own second column; a scaled one is followed by the space it takes.
      cells[col] = ch;
      for (let k = 1; k < w; k++) cells[col + k] = k < natural ? '' : ' ';
      pos += w * DOT;
    }
  };
  const flush = (): void => {
    if (run.length === 0) return;
    const buf = Buffer.from(run);
    run = [];
    put(kanji ? iconv.decode(buf, 'gb18030') : iconv.decode(buf, 'cp437'));
  };
  const newline = (): void => {
    flush();
    const line = cells.map((c) => (c === undefined ? ' ' : c)).join('');
    const cols = cells.length;
    out.maxColumns = Math.max(out.maxColumns, cols);
    out.lines.push(line.replace(/\s+$/, ''));
    cells = [];
    pos = 0;
  };

  for (const t of tokenize(bytes)) {
    if (t.type === 'data') {
      run.push(t.byte);
      continue;
    }
    flush();
    switch (t.type) {
      case 'lf':
        newline();
        break;
      case 'cr':
        break;
      case 'ht':
        put(' ');
        break;
      case 'unknown':
        out.unknown.push(t.byte);
        break;
      case 'cmd': {
        const a = t.args;
        const u16 = (a[0] ?? 0) + (a[1] ?? 0) * 256;
        switch (t.name) {
          case 'ESC @':
            out.initialisations++;
            kanji = false;
            widthMul = 1;
            leftMargin = 0;
            pos = 0;
            break;
          case 'FS &':
            kanji = true;
            out.chineseMode = true;
            break;
          case 'FS .':
            kanji = false;
            break;
          case 'GS L':
            leftMargin = u16;
            break;
          case 'ESC $':
            pos = u16;
            break;
          case 'ESC \\':
            pos += u16 >= 0x8000 ? u16 - 0x10000 : u16;
            break;
          case 'GS !':
            widthMul = (((a[0] ?? 0) >> 4) & 7) + 1;
            break;
          case 'GS ( k': {
            // args: pL pH cn fn [params]
            const fn = a[3] ?? 0;
            if ((a[2] ?? 0) !== 0x31) break;
            if (fn === 0x41) qr.model = (a[4] ?? 0) - 0x30;
            else if (fn === 0x43) qr.size = a[4] ?? null;
            else if (fn === 0x45)
              qr.level = ({ 48: 'l', 49: 'm', 50: 'q', 51: 'h' } as Record<number, string>)[a[4] ?? 0] ?? null;
            else if (fn === 0x50) qr.data = a.subarray(5).toString('utf8');
            else if (fn === 0x51 && qr.data !== null) {
              out.qr.push({ data: qr.data, model: qr.model, size: qr.size, level: qr.level });
              qr = { model: null, size: null, level: null, data: null };
            }
            break;
          }
          case 'GS k': {
            const m = a[0] ?? 0;
            const data = m >= 65 ? a.subarray(2, 2 + (a[1] ?? 0)) : a.subarray(1, a.length - 1);
            const system =
              m === 73
                ? 'code128'
                : m === 67 || m === 2
                  ? 'ean13'
                  : m === 68 || m === 3
                    ? 'ean8'
                    : m === 65 || m === 0
                      ? 'upca'
                      : m === 69 || m === 4
                        ? 'code39'
                        : 'other';
            out.barcodes.push({ system, data: system === 'code128' ? code128Text(data) : data.toString('latin1') });
            break;
          }
          case 'GS V':
            out.cuts++;
            break;
          default:
            break;
        }
        break;
      }
      default:
        break;
    }
  }
  flush();
  if (cells.length > 0) newline();
  return out;
}
