/**
 * USB HID POS barcode scanners (HID Point of Sale Usage Tables 1.02, usage page 0x8C "Bar
 * Code Scanner"). Pure: reports in, frames out.
 *
 * The scanned-data input report, as Honeywell, Zebra, Datalogic and Access-IS scanners in
 * "HID POS" mode send it (64 bytes with the report ID, which node-hid always includes):
 *
 *   byte 0       report ID (0x02)
 *   byte 1       number of decoded-data bytes in this report
 *   bytes 2..4   symbology identifier (AIM: ']' code modifier, e.g. "]E0"; zeros when none)
 *   bytes 5..60  decoded data, zero padded
 *   byte 61      further (vendor) symbology identifier
 *   byte 62      reserved
 *   byte 63      bit 0: Decode Data Continued - more reports follow for this code
 *
 * Shorter or longer reports keep that shape: data runs from byte 5 to three bytes before the
 * end. A code longer than one report's data area arrives as several reports; the first one's
 * symbology identifier applies to the whole code.
 *
 * USB delivers these reports intact (CRC-checked), so damage here means a device that does
 * not follow the layout: such reads are refused, never guessed at.
 */
import { stripAffixes, type Affixes } from '../../core/cards/symbology.js';
import { DEFAULT_MAX_LENGTH, isDataByte, isTerminatorByte, type Frame } from './framer.js';

export const HID_POS_USAGE_PAGE = 0x8c;
/** Bar Code Scanner usage page: "Bar Code Scanner" application collection */
export const HID_POS_SCANNER_USAGE = 0x02;
export const HID_POS_SCANNED_DATA_REPORT_ID = 0x02;

const HEADER = 5; // ID, length, 3 symbology bytes
const TRAILER = 3; // further symbology, reserved, flags
const MIN_REPORT = HEADER + TRAILER;

export type HidPosReport =
  | { type: 'data'; aim: string | null; data: Uint8Array; continued: boolean }
  | { type: 'ignored'; reason: string }
  | { type: 'damaged'; reason: string };

function isAimModifier(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a);
}

/** Parses one input report. Never throws. */
export function parseHidPosReport(report: Uint8Array, reportId: number = HID_POS_SCANNED_DATA_REPORT_ID): HidPosReport {
  if (report.length === 0) return { type: 'ignored', reason: 'empty report' };
  if (report[0] !== reportId) return { type: 'ignored', reason: `report ID ${report[0]} is not scanned data` };
  if (report.length < MIN_REPORT) return { type: 'damaged', reason: `report of ${report.length} bytes is too short` };
  const area = report.length - HEADER - TRAILER;
  const length = report[1] as number;
  if (length > area) return { type: 'damaged', reason: `data length ${length} exceeds the report's ${area} bytes` };
  const s0 = report[2] as number;
  const s1 = report[3] as number;
  const s2 = report[4] as number;
  let aim: string | null = null;
  if (s0 === 0x5d /* ] */ && isAimModifier(s1) && isAimModifier(s2)) {
    aim = String.fromCharCode(s0, s1, s2);
  } else if (s0 !== 0 && s0 !== 0x5d) {
    // Some firmware puts the bare AIM code character here, without ']'.
    if (isAimModifier(s0) && isAimModifier(s1)) aim = String.fromCharCode(0x5d, s0, s1);
  }
  const flags = report[report.length - 1] as number;
  return {
    type: 'data',
    aim,
    data: report.subarray(HEADER, HEADER + length),
    continued: (flags & 0x01) === 0x01,
  };
}

export interface HidPosOptions {
  reportId?: number;
  maxLength?: number;
  /** a code split over reports must be complete within this time; default 500 ms */
  staleMs?: number;
  /** a configured prefix/suffix around the data (the symbology identifier comes first) */
  affixes?: Affixes | undefined;
}

/**
 * Assembles scanned-data reports into codes. Trailing CR/LF/TAB (a suffix some scanners add
 * even in HID POS mode) are removed; any other control byte in the data refuses the code.
 */
export class HidPosAssembler {
  private readonly reportId: number;
  private readonly maxLength: number;
  private readonly staleMs: number;
  private readonly affixes: Affixes | undefined;
  private aim: string | null = null;
  private parts: Uint8Array[] = [];
  private size = 0;
  private damage: Frame['error'] | null = null;
  private pending = false;
  private lastAt = 0;
  readonly stats = { codes: 0, damaged: 0, ignored: 0, discarded: 0 };

  constructor(opts: HidPosOptions = {}) {
    this.reportId = opts.reportId ?? HID_POS_SCANNED_DATA_REPORT_ID;
    this.maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
    this.staleMs = opts.staleMs ?? 500;
    this.affixes = opts.affixes;
  }

  push(report: Uint8Array, now: number): Frame[] {
    const out: Frame[] = [];
    this.expire(now);
    const r = parseHidPosReport(report, this.reportId);
    if (r.type === 'ignored') {
      this.stats.ignored++;
      return out;
    }
    if (!this.pending) {
      this.aim = r.type === 'data' ? r.aim : null;
      this.pending = true;
    }
    this.lastAt = now;
    if (r.type === 'damaged') {
      this.damage = 'misread_noise';
      this.finish(now, out);
      return out;
    }
    if (this.size + r.data.length > this.maxLength) this.damage ??= 'code_too_long';
    else if (r.data.length > 0) {
      this.parts.push(Uint8Array.from(r.data));
      this.size += r.data.length;
    }
    if (!r.continued) this.finish(now, out);
    return out;
  }

  /** Discards a code whose continuation report never came; completes nothing. */
  tick(now: number): Frame[] {
    this.expire(now);
    return [];
  }

  deadline(): number | null {
    return this.pending ? this.lastAt + this.staleMs : null;
  }

  reset(): void {
    this.aim = null;
    this.parts = [];
    this.size = 0;
    this.damage = null;
    this.pending = false;
  }

  private expire(now: number): void {
    // A "continued" report whose continuation never came: the code is incomplete.
    if (this.pending && now - this.lastAt >= this.staleMs) {
      this.stats.discarded++;
      this.reset();
    }
  }

  private finish(at: number, out: Frame[]): void {
    const data = Buffer.concat(this.parts);
    let end = data.length;
    while (end > 0 && isTerminatorByte(data[end - 1] as number)) end--;
    let damage = this.damage;
    for (let i = 0; i < end && !damage; i++) if (!isDataByte(data[i] as number)) damage = 'misread_noise';
    let body = data.subarray(0, end).toString('latin1');
    if (this.affixes && !damage) body = stripAffixes(body, this.affixes);
    const text = (this.aim ?? '') + body;
    if (damage) {
      this.stats.damaged++;
      out.push({ text: printable(text), error: damage, at });
    } else if (end > 0) {
      this.stats.codes++;
      out.push({ text, at });
    }
    this.reset();
  }
}

/** For refused reads: keeps the text loggable (no control bytes in events and logs). */
export function printable(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x20 && c <= 0x7e ? s.charAt(i) : '\uFFFD';
  }
  return out;
}

/**
 * Builds scanned-data reports for a code, the way a HID POS scanner splits it: for
 * simulators, recorded-report fixtures and benchmarks.
 */
export function hidPosReports(
  code: string,
  opts: { aim?: string | null; reportSize?: number; reportId?: number } = {},
): Buffer[] {
  const size = opts.reportSize ?? 64;
  const area = size - HEADER - TRAILER;
  const bytes = Buffer.from(code, 'latin1');
  const reports: Buffer[] = [];
  const aim = opts.aim === undefined ? null : opts.aim;
  let offset = 0;
  do {
    const chunk = bytes.subarray(offset, offset + area);
    offset += chunk.length;
    const r = Buffer.alloc(size);
    r[0] = opts.reportId ?? HID_POS_SCANNED_DATA_REPORT_ID;
    r[1] = chunk.length;
    if (aim) r.write(aim.slice(0, 3), 2, 'latin1');
    chunk.copy(r, HEADER);
    r[size - 1] = offset < bytes.length ? 0x01 : 0x00;
    reports.push(r);
  } while (offset < bytes.length);
  return reports;
}
