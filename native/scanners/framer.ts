/**
 * Byte stream -> frames, for serial barcode scanners and serial NFC readers. Pure: the caller
 * passes the time, so tests and fuzzing need no timers.
 *
 * What a serial reader sends:  [STX] code [CR | LF | CRLF | TAB | ETX]   (line mode)
 *                              code, then silence                           (idle mode)
 * Rules, the same in both modes:
 *   - data bytes are printable ASCII (0x20..0x7E) and GS (0x1D, FNC1 of GS1 codes);
 *   - CR, LF, TAB and ETX end a frame; an empty frame (the LF of a CRLF) is nothing;
 *   - STX starts a frame: a partial frame before it is discarded;
 *   - any other byte (NUL, 0x80..0xFF, ESC, ...) is noise. Between frames it is dropped
 *     silently; inside a frame it damages the frame, which is then reported as
 *     `misread_noise` and never looked up. A code is never "repaired" by dropping a byte
 *     from its middle: the byte may have replaced a digit.
 *   - a frame longer than `maxLength` is reported as `code_too_long` at its end.
 * Idle mode (scanners configured without a suffix): silence of `idleMs` after the last byte
 * also ends a frame. Line mode: a partial frame left without a terminator for `staleMs`
 * (a scanner unplugged mid-code, printable line noise) is discarded silently, so it cannot
 * glue itself to the front of the next code.
 */
import type { ReadErrorCode } from './types.js';

const STX = 0x02;
const ETX = 0x03;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const GS = 0x1d;

export type FrameMode = 'line' | 'idle';

export interface FramerOptions {
  /** default 'line' */
  mode?: FrameMode;
  /** idle mode: the silence that ends a frame; default 50 ms */
  idleMs?: number;
  /** line mode: how long a frame may wait for its terminator; default 1000 ms */
  staleMs?: number;
  /** default 256 (core/cards MAX_CODE_LENGTH) */
  maxLength?: number;
}

export interface Frame {
  text: string;
  error?: Extract<ReadErrorCode, 'misread_noise' | 'code_too_long'>;
  /** time of the frame's last byte (line mode: the terminator) */
  at: number;
}

export interface FramerStats {
  frames: number;
  damaged: number;
  /** noise bytes dropped between frames */
  noiseBytes: number;
  /** partial frames discarded (STX restart, stale) */
  discarded: number;
}

export const DEFAULT_IDLE_MS = 50;
export const DEFAULT_STALE_MS = 1000;
export const DEFAULT_MAX_LENGTH = 256;

export function isDataByte(b: number): boolean {
  return (b >= 0x20 && b <= 0x7e) || b === GS;
}

export function isTerminatorByte(b: number): boolean {
  return b === CR || b === LF || b === TAB || b === ETX;
}

/** Silence that ends a frame in idle mode: at least 50 ms and 5 character times at this baud. */
export function defaultIdleMs(baudRate: number): number {
  const charMs = 10_000 / Math.max(1, baudRate); // 10 bits per character (8N1)
  return Math.max(DEFAULT_IDLE_MS, Math.ceil(5 * charMs));
}

export class Framer {
  private readonly mode: FrameMode;
  private readonly idleMs: number;
  private readonly staleMs: number;
  private readonly buf: Uint8Array;
  private len = 0;
  /** an STX opened a frame that has no data byte yet: noise now is inside it */
  private open = false;
  private damage: Frame['error'] | null = null;
  private lastByteAt = 0;
  readonly stats: FramerStats = { frames: 0, damaged: 0, noiseBytes: 0, discarded: 0 };

  constructor(opts: FramerOptions = {}) {
    this.mode = opts.mode ?? 'line';
    this.idleMs = positive(opts.idleMs, DEFAULT_IDLE_MS);
    this.staleMs = positive(opts.staleMs, DEFAULT_STALE_MS);
    this.buf = new Uint8Array(positive(opts.maxLength, DEFAULT_MAX_LENGTH));
  }

  /** Bytes that arrived at `now`; returns the frames they completed. */
  push(chunk: Uint8Array, now: number): Frame[] {
    const out: Frame[] = [];
    this.tickInto(now, out);
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i] as number;
      if (isDataByte(b)) {
        if (this.len < this.buf.length) this.buf[this.len++] = b;
        else this.damage ??= 'code_too_long';
      } else if (isTerminatorByte(b)) {
        this.end(now, out);
      } else if (b === STX) {
        if (this.len > 0) this.discard();
        this.open = true;
      } else if (this.len > 0 || this.open) {
        this.damage = 'misread_noise';
      } else {
        this.stats.noiseBytes++;
      }
    }
    if (chunk.length > 0) this.lastByteAt = now;
    return out;
  }

  /** Frames completed (idle mode) or discarded (line mode) by silence up to `now`. */
  tick(now: number): Frame[] {
    const out: Frame[] = [];
    this.tickInto(now, out);
    return out;
  }

  /** When tick() has something to do, or null while no frame is in progress. */
  deadline(): number | null {
    if (this.len === 0 && !this.open) return null;
    return this.lastByteAt + (this.mode === 'idle' ? this.idleMs : this.staleMs);
  }

  /** Forgets a partial frame (the port was closed). */
  reset(): void {
    this.len = 0;
    this.open = false;
    this.damage = null;
  }

  private tickInto(now: number, out: Frame[]): void {
    if (this.len === 0 && !this.open) return;
    if (this.mode === 'idle') {
      if (now - this.lastByteAt >= this.idleMs) this.end(this.lastByteAt, out);
    } else if (now - this.lastByteAt >= this.staleMs) {
      this.discard();
    }
  }

  private discard(): void {
    if (this.len > 0) this.stats.discarded++;
    this.reset();
  }

  private end(at: number, out: Frame[]): void {
    if (this.len === 0) {
      // An STX and nothing but noise (or nothing) before the end: no code to report.
      this.reset();
      return;
    }
    const text = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.len).toString('latin1');
    if (this.damage) {
      this.stats.damaged++;
      out.push({ text, error: this.damage, at });
    } else {
      this.stats.frames++;
      out.push({ text, at });
    }
    this.reset();
  }
}

function positive(v: number | undefined, fallback: number): number {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : fallback;
}
