/**
 * Serial NFC readers' lines (the framer has already removed STX/ETX and CR/LF) -> the canonical
 * UID: core/cards/uid-line.ts reads them, with the reader profile configured per reader
 * (TILL_SCANNERS `profile=`).
 */
import type { UidProfile } from '../../core/cards/uid.js';

export { parseUidLine, stripUidLabel } from '../../core/cards/uid-line.js';

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
