/**
 * The ESC/POS command set the till prints with: receiptline's `escpos` (Epson TM) commands,
 * with three changes (docs/receipts.md has the evidence):
 *
 *  - QR codes: receiptline 4.0.4 draws them as a raster image (GS 8 L ... GS ( L) with its own
 *    generator, although its comment names GS ( k. We send the printer's own QR function:
 *    GS ( k model 2, module size, error correction, store data, print. That is what the
 *    printer's firmware scans best, it is 30-odd bytes instead of a kilobyte of raster, and
 *    the payload stays readable in the byte stream (the tests decode it).
 *  - Rules: receiptline prints ruled lines with code page 1 box characters (FS . ESC t 1 0x95),
 *    which Chinese-market printers render differently; a row of ASCII "-" prints everywhere.
 *  - End of job: no GS r 1. The till confirms a job with DLE EOT afterwards instead, so the
 *    only bytes a printer ever sends back are answers to questions the till asked.
 *
 * Text, Chinese mode (ESC t 0 FS & before every GB18030 run), barcodes (GS k), cut (GS V) and
 * initialisation (ESC @) are receiptline's own.
 */
import receiptline from 'receiptline';

type BaseCommand = typeof receiptline.commands.escpos;
type QRCode = Parameters<BaseCommand['qrcode']>[0];

const base = receiptline.commands.escpos;

function gsk(fn: number, ...data: number[]): string {
  const len = data.length + 2;
  return String.fromCharCode(0x1d, 0x28, 0x6b, len & 0xff, (len >> 8) & 0xff, 0x31, fn, ...data);
}

const EC: Record<QRCode['level'], number> = { l: 48, m: 49, q: 50, h: 51 };

/** GS ( k: select model 2, module size, error correction; store the data (UTF-8); print it. */
export function qrCommands(data: string, cell: number, level: QRCode['level']): string {
  const bytes = Buffer.from(data, 'utf8');
  if (bytes.length === 0 || bytes.length > 7089) return '';
  const store = bytes.length + 3;
  return (
    gsk(0x41, 0x32, 0x00) +
    gsk(0x43, Math.min(16, Math.max(1, cell))) +
    gsk(0x45, EC[level] ?? 49) +
    String.fromCharCode(0x1d, 0x28, 0x6b, store & 0xff, (store >> 8) & 0xff, 0x31, 0x50, 0x30) +
    bytes.toString('binary') +
    gsk(0x51, 0x30)
  );
}

export const tillEscPos: BaseCommand = {
  ...base,
  close(this: BaseCommand): string {
    return this.cutting ? this.cut() : '';
  },
  hr: (width: number): string => '-'.repeat(width),
  qrcode(this: BaseCommand, symbol: QRCode): string {
    return qrCommands(symbol.data, symbol.cell, symbol.level);
  },
};
