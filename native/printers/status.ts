/**
 * ESC/POS real-time status: DLE EOT n (0x10 0x04 n). The printer answers one byte at once,
 * even while offline or out of paper, ahead of any data still waiting in its buffer.
 *
 *   n = 1 printer status   bit 3: offline
 *   n = 2 offline cause    bit 2: cover open, bit 5: stopped at paper end, bit 6: error
 *   n = 3 error cause      bit 3: auto-cutter error, bit 5: unrecoverable, bit 6: auto-recoverable
 *   n = 4 paper sensor     bits 2+3: paper near end, bits 5+6: paper end
 *
 * Every answer has bit 1 and bit 4 set and bits 0 and 7 clear; a byte that does not is not a
 * status answer (noise, or a printer that does not speak DLE EOT).
 */

import { PRINTER_STATES, type PrinterState } from '../../core/events.js';
export const DLE_EOT = {
  printer: Buffer.from([0x10, 0x04, 0x01]),
  offlineCause: Buffer.from([0x10, 0x04, 0x02]),
  errorCause: Buffer.from([0x10, 0x04, 0x03]),
  paper: Buffer.from([0x10, 0x04, 0x04]),
} as const;

/**
 * What the cashier's screen and /v1/health show. `none`: no printer configured; `unknown`:
 * a write-only link (device file) or status switched off; `absent`: cannot connect or open;
 * `offline`: connected but the printer is offline or does not answer.
 */
export { PRINTER_STATES, type PrinterState };

export interface PrinterStatus {
  state: PrinterState;
  /** the paper near-end sensor fired: replace the roll soon */
  paperLow: boolean;
  /** raw answer bytes (null where not asked or not answered), for logs */
  raw: { printer: number | null; offlineCause: number | null; errorCause: number | null; paper: number | null };
}

export function isStatusByte(b: number): boolean {
  return (b & 0x93) === 0x12;
}

export function printerOffline(b: number): boolean {
  return (b & 0x08) !== 0;
}

export function offlineCause(b: number): { coverOpen: boolean; paperEnd: boolean; error: boolean } {
  return { coverOpen: (b & 0x04) !== 0, paperEnd: (b & 0x20) !== 0, error: (b & 0x40) !== 0 };
}

export function paperSensor(b: number): { nearEnd: boolean; end: boolean } {
  return { nearEnd: (b & 0x0c) !== 0, end: (b & 0x60) !== 0 };
}

/**
 * Folds the answers into one state, most specific cause first: a printer that is out of paper
 * with its cover open needs the cover closed with a new roll in, and says "cover open" first
 * because that is what the cashier sees.
 */
export function interpretStatus(raw: PrinterStatus['raw']): PrinterStatus {
  const paper = raw.paper !== null ? paperSensor(raw.paper) : { nearEnd: false, end: false };
  const cause = raw.offlineCause !== null ? offlineCause(raw.offlineCause) : null;
  let state: PrinterState = 'ready';
  if (cause?.coverOpen) state = 'cover_open';
  else if (paper.end || cause?.paperEnd) state = 'paper_out';
  else if (cause?.error || (raw.errorCause !== null && (raw.errorCause & 0x68) !== 0)) state = 'error';
  else if (raw.printer !== null && printerOffline(raw.printer)) state = 'offline';
  return { state, paperLow: paper.nearEnd && !paper.end, raw };
}

/** Status bytes a printer in a given condition answers (for simulators and tests). */
export function statusBytesFor(c: { paperOut?: boolean; coverOpen?: boolean; paperLow?: boolean; error?: boolean }): {
  printer: number;
  offlineCause: number;
  errorCause: number;
  paper: number;
} {
  const offline = Boolean(c.paperOut || c.coverOpen || c.error);
  return {
    printer: 0x12 | (offline ? 0x08 : 0),
    offlineCause: 0x12 | (c.coverOpen ? 0x04 : 0) | (c.paperOut ? 0x20 : 0) | (c.error ? 0x40 : 0),
    errorCause: 0x12 | (c.error ? 0x40 : 0),
    paper: 0x12 | (c.paperLow ? 0x0c : 0) | (c.paperOut ? 0x60 : 0),
  };
}
