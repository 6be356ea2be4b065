/**
 * Keyboard-emulating readers ("keyboard wedge" barcode scanners and NFC readers) read directly
 * as HID devices, so their keystrokes never reach the cashier's screen. Pure: reports in,
 * frames out.
 *
 * Boot keyboard input report (HID 1.11 appendix B.1), 8 bytes:
 *   byte 0  modifiers: bit 0 LCtrl, 1 LShift, 2 LAlt, 3 LGUI, 4 RCtrl, 5 RShift, 6 RAlt, 7 RGUI
 *   byte 1  reserved
 *   bytes 2..7  up to six usage IDs (Keyboard/Keypad page 0x07) of the keys held down
 * A device with numbered reports sends the report ID first (9 bytes). A key is typed when its
 * usage appears in a report and was not in the previous one; readers release every key
 * between characters, so "11" arrives as press 1, release, press 1, release.
 *
 * Characters follow the US layout, which is what scanners emulate by default. Enter
 * (or keypad Enter, or Tab) ends a code. Ctrl+] is GS, the FNC1 of GS1 codes in keyboard
 * mode. Any other key (arrows, function keys, Alt combinations, Caps Lock) inside a code
 * damages it: it is refused, never guessed at.
 */
import { DEFAULT_MAX_LENGTH, type Frame } from './framer.js';

export const KEYBOARD_USAGE_PAGE = 0x01; // Generic Desktop
export const KEYBOARD_USAGE = 0x06; // Keyboard

const MOD_CTRL = 0x01 | 0x10;
const MOD_SHIFT = 0x02 | 0x20;
const MOD_ALT = 0x04 | 0x40;
const MOD_GUI = 0x08 | 0x80;

const KEY_ERROR_ROLLOVER = 0x01;
const KEY_ENTER = 0x28;
const KEY_TAB = 0x2b;
const KEY_KP_ENTER = 0x58;
const KEY_RIGHT_BRACKET = 0x30;

/** usage -> [unshifted, shifted] for the US layout */
const US: ReadonlyMap<number, readonly [string, string]> = (() => {
  const m = new Map<number, readonly [string, string]>();
  for (let i = 0; i < 26; i++) {
    const c = String.fromCharCode(0x61 + i);
    m.set(0x04 + i, [c, c.toUpperCase()]);
  }
  const digits = '1234567890';
  const shifted = '!@#$%^&*()';
  for (let i = 0; i < 10; i++) m.set(0x1e + i, [digits.charAt(i), shifted.charAt(i)]);
  const punct: Array<[number, string, string]> = [
    [0x2c, ' ', ' '],
    [0x2d, '-', '_'],
    [0x2e, '=', '+'],
    [0x2f, '[', '{'],
    [0x30, ']', '}'],
    [0x31, '\\', '|'],
    [0x32, '#', '~'], // non-US # (ISO keyboards)
    [0x33, ';', ':'],
    [0x34, "'", '"'],
    [0x35, '`', '~'],
    [0x36, ',', '<'],
    [0x37, '.', '>'],
    [0x38, '/', '?'],
    // keypad, as typed with Num Lock on (how scanners send "keypad digits")
    [0x54, '/', '/'],
    [0x55, '*', '*'],
    [0x56, '-', '-'],
    [0x57, '+', '+'],
    [0x59, '1', '1'],
    [0x5a, '2', '2'],
    [0x5b, '3', '3'],
    [0x5c, '4', '4'],
    [0x5d, '5', '5'],
    [0x5e, '6', '6'],
    [0x5f, '7', '7'],
    [0x60, '8', '8'],
    [0x61, '9', '9'],
    [0x62, '0', '0'],
    [0x63, '.', '.'],
  ];
  for (const [u, a, b] of punct) m.set(u, [a, b]);
  return m;
})();

/** The character a key types on a US layout, or null for keys that type none. */
export function usageToChar(usage: number, shift: boolean): string | null {
  const pair = US.get(usage);
  return pair ? pair[shift ? 1 : 0] : null;
}

export interface KeyboardDecoderOptions {
  /**
   * The report ID the device puts first, when it uses numbered reports. Default: reports of
   * 9 bytes are taken to carry one, 8-byte reports not.
   */
  reportId?: number | null;
  maxLength?: number;
  /** a code must be finished with Enter within this time of its last key; default 1000 ms */
  staleMs?: number;
}

export class KeyboardReportDecoder {
  private readonly reportId: number | null | undefined;
  private readonly maxLength: number;
  private readonly staleMs: number;
  private held: number[] = [];
  private text = '';
  private damage: Frame['error'] | null = null;
  private started = false;
  private lastAt = 0;
  readonly stats = { codes: 0, damaged: 0, ignored: 0, discarded: 0 };

  constructor(opts: KeyboardDecoderOptions = {}) {
    this.reportId = opts.reportId;
    this.maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH;
    this.staleMs = opts.staleMs ?? 1000;
  }

  push(report: Uint8Array, now: number): Frame[] {
    const out: Frame[] = [];
    this.expire(now);
    const r = this.boot(report);
    if (!r) {
      this.stats.ignored++;
      return out;
    }
    const mods = r[0] as number;
    const keys: number[] = [];
    for (let i = 2; i < 8; i++) {
      const k = r[i] as number;
      if (k === KEY_ERROR_ROLLOVER) {
        // "too many keys": the report says nothing about which keys are down
        this.stats.ignored++;
        return out;
      }
      if (k !== 0) keys.push(k);
    }
    for (const k of keys) {
      if (this.held.includes(k)) continue;
      this.key(k, mods, now, out);
    }
    this.held = keys;
    return out;
  }

  tick(now: number): Frame[] {
    this.expire(now);
    return [];
  }

  deadline(): number | null {
    return this.started ? this.lastAt + this.staleMs : null;
  }

  reset(): void {
    this.text = '';
    this.damage = null;
    this.started = false;
  }

  /** The 8-byte boot report, without a report ID; null when the report has another shape. */
  private boot(report: Uint8Array): Uint8Array | null {
    if (typeof this.reportId === 'number') {
      if (report.length !== 9 || report[0] !== this.reportId) return null;
      return report.subarray(1);
    }
    if (report.length === 8) return report;
    if (report.length === 9 && this.reportId === undefined) return report.subarray(1);
    return null;
  }

  private key(k: number, mods: number, now: number, out: Frame[]): void {
    if (k === KEY_ENTER || k === KEY_KP_ENTER || k === KEY_TAB) {
      this.finish(now, out);
      return;
    }
    this.started = true;
    this.lastAt = now;
    let c: string | null;
    if ((mods & MOD_CTRL) !== 0) {
      c = k === KEY_RIGHT_BRACKET && (mods & (MOD_ALT | MOD_GUI)) === 0 ? '\x1d' : null;
    } else if ((mods & (MOD_ALT | MOD_GUI)) !== 0) {
      c = null;
    } else {
      c = usageToChar(k, (mods & MOD_SHIFT) !== 0);
    }
    if (c === null) {
      this.damage = 'misread_noise';
    } else if (this.text.length >= this.maxLength) {
      this.damage ??= 'code_too_long';
    } else {
      this.text += c;
    }
  }

  private expire(now: number): void {
    if (this.started && now - this.lastAt >= this.staleMs) {
      this.stats.discarded++;
      this.reset();
    }
  }

  private finish(at: number, out: Frame[]): void {
    if (!this.started) return;
    if (this.damage) {
      this.stats.damaged++;
      out.push({ text: this.text, error: this.damage, at });
    } else if (this.text.length > 0) {
      this.stats.codes++;
      out.push({ text: this.text, at });
    }
    this.reset();
  }
}

/** The press and release reports a keyboard-emulating reader sends to type `text` and Enter. */
export function keyboardReports(text: string, opts: { reportId?: number; enter?: boolean } = {}): Buffer[] {
  const reverse = new Map<string, { usage: number; shift: boolean }>();
  for (const [usage, [a, b]] of US) {
    if (usage >= 0x54) continue; // prefer the main block over the keypad
    if (!reverse.has(a)) reverse.set(a, { usage, shift: false });
    if (!reverse.has(b)) reverse.set(b, { usage, shift: true });
  }
  const reports: Buffer[] = [];
  const wrap = (mods: number, key: number): Buffer => {
    const r = Buffer.from([mods, 0, key, 0, 0, 0, 0, 0]);
    return opts.reportId === undefined ? r : Buffer.concat([Buffer.from([opts.reportId]), r]);
  };
  for (const ch of text) {
    let k: { usage: number; shift: boolean; ctrl?: boolean } | undefined = reverse.get(ch);
    if (ch === '\x1d') k = { usage: KEY_RIGHT_BRACKET, shift: false, ctrl: true };
    if (!k) throw new RangeError(`keyboardReports: no US key types ${JSON.stringify(ch)}`);
    reports.push(wrap((k.shift ? 0x02 : 0) | (k.ctrl ? 0x01 : 0), k.usage), wrap(0, 0));
  }
  if (opts.enter !== false) reports.push(wrap(0, KEY_ENTER), wrap(0, 0));
  return reports;
}
