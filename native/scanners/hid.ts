/**
 * USB HID readers through node-hid: HID POS barcode scanners (usage page 0x8C) and
 * keyboard-emulating scanners and NFC readers read directly, so their keystrokes do not reach
 * the UI.
 *
 * node-hid is reached through `HidBackend`, the few calls of node-hid this driver makes
 * (devices(), HIDAsync.open(), 'data'/'error' events, close()). `MockHidBackend`
 * (hid-sim.ts) implements the same interface for tests, where no USB device exists, and feeds
 * recorded reports through exactly the code path node-hid's reports take.
 *
 * Keeping keystrokes from the UI: on Linux node-hid's default backend (hidraw) reads a copy of
 * the reports while the kernel keeps typing them; its libusb backend detaches the kernel's
 * keyboard driver from the interface for as long as the device is open, so nothing is typed.
 * The device manager picks libusb when a keyboard-mode reader is configured. Windows does not
 * let applications open keyboards at all (use the reader's HID POS or serial mode there);
 * macOS needs the Input Monitoring permission and still types.
 */
import type * as NodeHid from 'node-hid';
import type { Affixes } from '../../core/cards/symbology.js';
import type { UidProfile } from '../../core/cards/uid.js';
import { profileName } from '../../core/cards/uid-line.js';
import type { Frame } from './framer.js';
import { KEYBOARD_USAGE, KEYBOARD_USAGE_PAGE, KeyboardReportDecoder } from './hidkeyboard.js';
import { HID_POS_USAGE_PAGE, HidPosAssembler } from './hidpos.js';
import { frameToRead } from './reads.js';
import {
  DeviceUnavailableError,
  errorMessage,
  monotonicMs,
  type CardKind,
  type ReaderDriver,
  type ReaderSink,
} from './types.js';

/** node-hid's Device */
export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  path?: string | undefined;
  serialNumber?: string | undefined;
  manufacturer?: string | undefined;
  product?: string | undefined;
  interface?: number | undefined;
  usagePage?: number | undefined;
  usage?: number | undefined;
}

/** node-hid's HIDAsync, as far as a reader uses it */
export interface HidConnection {
  on(event: 'data', fn: (report: Buffer) => void): unknown;
  on(event: 'error', fn: (err: unknown) => void): unknown;
  removeAllListeners(): unknown;
  close(): Promise<void> | void;
}

export interface HidBackend {
  readonly name: string;
  devices(): Promise<HidDeviceInfo[]>;
  open(path: string): Promise<HidConnection>;
}

export type HidDriverType = 'hidraw' | 'libusb';

let nodeHid: { type: HidDriverType | 'default'; backend: Promise<HidBackend> } | null = null;

/**
 * node-hid, loaded once per process. The backend type (Linux only) is fixed by the first call:
 * node-hid cannot switch once its native binding is loaded. Rejects with a permanent
 * DeviceUnavailableError when node-hid or its native binding cannot be loaded.
 */
export function loadNodeHid(type?: HidDriverType): Promise<HidBackend> {
  if (nodeHid) return nodeHid.backend;
  const backend = (async (): Promise<HidBackend> => {
    let hid: typeof NodeHid;
    try {
      hid = await import('node-hid');
      if (type && process.platform === 'linux') hid.setDriverType(type);
      await hid.devicesAsync(); // loads the native binding now, so a failure is reported here
    } catch (e) {
      throw new DeviceUnavailableError(`hid unavailable: node-hid could not be loaded (${errorMessage(e)})`, true);
    }
    return {
      name: `node-hid ${process.platform === 'linux' ? (type ?? 'hidraw') : process.platform}`,
      devices: () => hid.devicesAsync(),
      open: async (path) => {
        const h = await hid.HIDAsync.open(path);
        return h as unknown as HidConnection;
      },
    };
  })();
  nodeHid = { type: type ?? 'default', backend };
  return backend;
}

export type HidMode = 'pos' | 'keyboard' | 'auto';

export interface HidReaderOptions {
  id: string;
  vendorId: number;
  productId: number;
  /** tells apart two readers of the same model */
  serialNumber?: string | undefined;
  mode: HidMode;
  /** what the reader reads; HID POS scanners read barcodes */
  kind: CardKind;
  affixes?: Affixes | undefined;
  uidProfile?: UidProfile | undefined;
  /** the report ID of scanned-data (HID POS) or keyboard reports, when not the usual */
  reportId?: number | undefined;
  backend: () => Promise<HidBackend>;
  clock?: () => number;
}

export function hex4(n: number): string {
  return n.toString(16).padStart(4, '0');
}

/** Which interface of the matching devices to open, and how to read it. */
export function pickInterface(
  devices: readonly HidDeviceInfo[],
  o: Pick<HidReaderOptions, 'vendorId' | 'productId' | 'serialNumber' | 'mode'>,
): { info: HidDeviceInfo & { path: string }; mode: 'pos' | 'keyboard' } | { error: string } {
  const name = `${hex4(o.vendorId)}:${hex4(o.productId)}`;
  const matching = devices.filter(
    (d): d is HidDeviceInfo & { path: string } =>
      d.vendorId === o.vendorId &&
      d.productId === o.productId &&
      typeof d.path === 'string' &&
      d.path.length > 0 &&
      (o.serialNumber === undefined || d.serialNumber === o.serialNumber),
  );
  if (matching.length === 0) return { error: `not connected (no HID device ${name})` };
  const pos = matching.find((d) => d.usagePage === HID_POS_USAGE_PAGE);
  const keyboard = matching.find((d) => d.usagePage === KEYBOARD_USAGE_PAGE && d.usage === KEYBOARD_USAGE);
  const unknown = matching.find((d) => !d.usagePage);
  if (o.mode === 'pos') {
    const info = pos ?? unknown;
    if (info) return { info, mode: 'pos' };
    return { error: `${name} has no HID POS interface (usage page 0x8C): is it in keyboard mode? set mode=keyboard` };
  }
  if (o.mode === 'keyboard') {
    const info = keyboard ?? unknown;
    if (info) return { info, mode: 'keyboard' };
    return { error: `${name} has no keyboard interface: is it in HID POS mode? set mode=pos` };
  }
  if (pos) return { info: pos, mode: 'pos' };
  if (keyboard) return { info: keyboard, mode: 'keyboard' };
  return { error: `cannot tell whether ${name} is a HID POS or a keyboard device: set mode=pos or mode=keyboard` };
}

interface Decoder {
  push(report: Uint8Array, now: number): Frame[];
  tick(now: number): Frame[];
  deadline(): number | null;
  reset(): void;
}

export class HidReaderDriver implements ReaderDriver {
  readonly id: string;
  readonly kind: CardKind;
  readonly description: string;
  private readonly opts: HidReaderOptions;
  private readonly clock: () => number;
  private conn: HidConnection | null = null;
  private decoder: Decoder | null = null;
  private mode: 'pos' | 'keyboard' | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(opts: HidReaderOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.kind = opts.kind;
    this.clock = opts.clock ?? monotonicMs;
    const what =
      opts.mode === 'pos'
        ? 'HID POS scanner'
        : opts.mode === 'keyboard'
          ? `keyboard-mode ${opts.kind === 'nfc' ? 'NFC reader' : 'scanner'}`
          : 'HID scanner';
    const profile = opts.kind === 'nfc' && opts.uidProfile ? `, UIDs as ${profileName(opts.uidProfile)}` : '';
    this.description = `${what} ${hex4(opts.vendorId)}:${hex4(opts.productId)}${profile}`;
  }

  /** The mode of the interface opened last ('pos' or 'keyboard'), for health. */
  get openedMode(): 'pos' | 'keyboard' | null {
    return this.mode;
  }

  async open(sink: ReaderSink): Promise<void> {
    if (this.conn) await this.close();
    const backend = await this.opts.backend();
    let list: HidDeviceInfo[];
    try {
      list = await backend.devices();
    } catch (e) {
      throw new DeviceUnavailableError(`cannot list HID devices: ${errorMessage(e)}`);
    }
    const picked = pickInterface(list, this.opts);
    if ('error' in picked) throw new DeviceUnavailableError(picked.error);
    let conn: HidConnection;
    try {
      conn = await backend.open(picked.info.path);
    } catch (e) {
      throw new DeviceUnavailableError(`cannot open ${picked.info.path}: ${errorMessage(e)}`);
    }
    this.mode = picked.mode;
    const decoder: Decoder =
      picked.mode === 'pos'
        ? new HidPosAssembler({ reportId: this.opts.reportId, affixes: this.opts.affixes })
        : new KeyboardReportDecoder({ reportId: this.opts.reportId });
    // HID POS data carries the symbology identifier first: the assembler removes the affixes.
    const shaping = picked.mode === 'pos' ? {} : { affixes: this.opts.affixes, uidProfile: this.opts.uidProfile };
    const kind: CardKind = picked.mode === 'pos' ? 'barcode' : this.kind;
    this.conn = conn;
    this.decoder = decoder;
    const deliver = (frames: Frame[]): void => {
      for (const f of frames) sink.read(frameToRead(f, kind, shaping));
    };
    const schedule = (): void => {
      this.clearTimer();
      const due = decoder.deadline();
      if (due === null) return;
      this.timer = setTimeout(
        () => {
          this.timer = null;
          if (this.conn !== conn) return;
          deliver(decoder.tick(this.clock()));
          schedule();
        },
        Math.max(0, due - this.clock()),
      );
    };
    conn.on('data', (report: Buffer) => {
      if (this.conn !== conn) return;
      deliver(decoder.push(report, this.clock()));
      schedule();
    });
    conn.on('error', (err: unknown) => {
      // node-hid reports an unplugged device as a read error ("could not read from HID device")
      if (this.conn !== conn) return;
      this.conn = null;
      this.clearTimer();
      void closeQuietly(conn);
      sink.lost(err instanceof Error ? err : new Error(String(err)));
    });
  }

  async close(): Promise<void> {
    this.clearTimer();
    const conn = this.conn;
    this.conn = null;
    this.decoder?.reset();
    if (conn) await closeQuietly(conn);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

async function closeQuietly(conn: HidConnection): Promise<void> {
  try {
    await conn.close();
  } catch {
    // already gone
  }
  conn.removeAllListeners();
  conn.on('error', () => undefined); // a late error from a closing device must not crash the till
}
