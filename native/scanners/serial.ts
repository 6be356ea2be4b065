/**
 * Serial barcode scanners and serial NFC readers (RS-232, USB virtual COM ports, ptys) through
 * serialport. The port is reached through a `SerialOpener`, so tests and simulators can put
 * serialport's own mock binding (SerialPortMock) or anything port-shaped behind it.
 */
import { stat } from 'node:fs/promises';
import type * as SerialPortModule from 'serialport';
import type { Affixes } from '../../core/cards/symbology.js';
import type { UidProfile } from '../../core/cards/uid.js';
import { profileName } from '../../core/cards/uid-line.js';
import { Framer, type Frame, type FramerOptions } from './framer.js';
import { frameToRead } from './reads.js';
import {
  DeviceUnavailableError,
  errorMessage,
  monotonicMs,
  type CardKind,
  type ReaderDriver,
  type ReaderSink,
} from './types.js';

/** The part of serialport's SerialPortStream a reader needs. */
export interface SerialPortLike {
  readonly isOpen: boolean;
  on(event: 'data', fn: (chunk: Buffer) => void): unknown;
  on(event: 'close', fn: (err: Error | null) => void): unknown;
  on(event: 'error', fn: (err: Error) => void): unknown;
  removeAllListeners(): unknown;
  close(cb?: (err: Error | null) => void): void;
}

export interface SerialOpenOptions {
  path: string;
  baudRate: number;
  dataBits?: 7 | 8;
  parity?: 'none' | 'even' | 'odd';
}

/** Opens a port, resolving once it is open. */
export type SerialOpener = (o: SerialOpenOptions) => Promise<SerialPortLike>;

/** The real thing: serialport with its native binding, loaded on first use. */
export const openSerialPort: SerialOpener = async (o) => {
  let mod: typeof SerialPortModule;
  try {
    mod = await import('serialport');
  } catch (e) {
    throw new DeviceUnavailableError(`serial unavailable: serialport could not be loaded (${errorMessage(e)})`, true);
  }
  return new Promise<SerialPortLike>((resolve, reject) => {
    const port = new mod.SerialPort({
      path: o.path,
      baudRate: o.baudRate,
      dataBits: o.dataBits ?? 8,
      parity: o.parity ?? 'none',
      stopBits: 1,
      autoOpen: false,
    });
    port.open((err) => (err ? reject(err) : resolve(port)));
  });
};

export interface SerialReaderOptions {
  id: string;
  path: string;
  baudRate: number;
  kind: CardKind;
  dataBits?: 7 | 8;
  parity?: 'none' | 'even' | 'odd';
  framing?: FramerOptions;
  /** configured prefix/suffix, removed where present */
  affixes?: Affixes;
  /** NFC readers: how this reader prints a UID */
  uidProfile?: UidProfile;
  opener?: SerialOpener;
  clock?: () => number;
  /** how often the port's path is checked while open (0: never); see `watchPath` */
  watchMs?: number;
  /** what the path names now, or null when nothing (tests put their own here) */
  identify?: (path: string) => Promise<string | null>;
}

/** The device a path names: its device number and inode, following symlinks; null when gone. */
export async function pathIdentity(path: string): Promise<string | null> {
  try {
    const st = await stat(path);
    return `${st.dev}:${st.ino}:${st.rdev}`;
  } catch {
    return null;
  }
}

/**
 * DECISION: an open port's path is checked every second. A pulled USB adapter or a relay that
 * went away (socat) removes its device node or link, but serialport does not always notice: a
 * hung-up line can read as "no data" rather than as an error, and a loaded till once missed an
 * unplug for more than 5 s (test/devices/serial-pty.test.ts). A path that is gone, or names
 * another device now, counts as unplugged, and the till's retries open it again once it is back.
 */
const WATCH_MS = 1_000;

export class SerialReaderDriver implements ReaderDriver {
  readonly id: string;
  readonly kind: CardKind;
  readonly description: string;
  private readonly opts: SerialReaderOptions;
  private readonly opener: SerialOpener;
  private readonly clock: () => number;
  private readonly framer: Framer;
  private port: SerialPortLike | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private watch: ReturnType<typeof setInterval> | null = null;

  constructor(opts: SerialReaderOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.kind = opts.kind;
    this.opener = opts.opener ?? openSerialPort;
    this.clock = opts.clock ?? monotonicMs;
    this.framer = new Framer(opts.framing);
    const what = opts.kind === 'nfc' ? 'serial NFC reader' : 'serial barcode scanner';
    const profile = opts.kind === 'nfc' && opts.uidProfile ? `, UIDs as ${profileName(opts.uidProfile)}` : '';
    this.description = `${what} ${opts.path} @ ${opts.baudRate} baud${profile}`;
  }

  get stats(): Framer['stats'] {
    return this.framer.stats;
  }

  async open(sink: ReaderSink): Promise<void> {
    if (this.port) await this.close();
    let port: SerialPortLike;
    try {
      port = await this.opener({
        path: this.opts.path,
        baudRate: this.opts.baudRate,
        ...(this.opts.dataBits ? { dataBits: this.opts.dataBits } : {}),
        ...(this.opts.parity ? { parity: this.opts.parity } : {}),
      });
    } catch (e) {
      if (e instanceof DeviceUnavailableError) throw e;
      throw new DeviceUnavailableError(`cannot open ${this.opts.path}: ${errorMessage(e).replace(/^Error: /, '')}`);
    }
    this.port = port;
    this.framer.reset();
    port.on('data', (chunk: Buffer) => {
      if (this.port !== port) return;
      this.deliver(sink, this.framer.push(chunk, this.clock()));
      this.schedule(sink);
    });
    port.on('error', () => {
      // Errors after open end in 'close' (serialport closes a port whose reads fail).
    });
    port.on('close', (err: Error | null) => this.gone(port, sink, err ?? new Error(`${this.opts.path} closed`)));
    await this.watchPath(port, sink);
  }

  /** The line went away (closed by the other end, or its path is gone): report it once. */
  private gone(port: SerialPortLike, sink: ReaderSink, err: Error): void {
    if (this.port !== port) return; // closed by us, or already reported
    this.port = null;
    this.clearTimer();
    this.stopWatch();
    this.framer.reset();
    if (port.isOpen) port.close(() => port.removeAllListeners());
    sink.lost(err);
  }

  /** Watches the open port's path (only a path that exists on disk: mock ports have none). */
  private async watchPath(port: SerialPortLike, sink: ReaderSink): Promise<void> {
    this.stopWatch();
    const every = this.opts.watchMs ?? WATCH_MS;
    const identify = this.opts.identify ?? pathIdentity;
    const path = this.opts.path;
    const opened = every > 0 ? await identify(path) : null;
    if (opened === null || this.port !== port) return;
    let checking = false;
    this.watch = setInterval(() => {
      if (checking) return;
      checking = true;
      void identify(path)
        .then((now) => {
          if (now === opened) return;
          this.gone(port, sink, new Error(now === null ? `${path} is gone` : `${path} names another device now`));
        })
        .finally(() => (checking = false));
    }, every);
    this.watch.unref?.();
  }

  private stopWatch(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
  }

  async close(): Promise<void> {
    this.clearTimer();
    this.stopWatch();
    const port = this.port;
    this.port = null;
    this.framer.reset();
    if (!port) return;
    await new Promise<void>((resolve) => {
      if (!port.isOpen) {
        port.removeAllListeners();
        resolve();
        return;
      }
      port.close(() => {
        port.removeAllListeners();
        resolve();
      });
    });
  }

  private schedule(sink: ReaderSink): void {
    this.clearTimer();
    const due = this.framer.deadline();
    if (due === null) return;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        if (!this.port) return;
        this.deliver(sink, this.framer.tick(this.clock()));
        this.schedule(sink);
      },
      Math.max(0, due - this.clock()),
    );
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private deliver(sink: ReaderSink, frames: Frame[]): void {
    for (const f of frames) sink.read(frameToRead(f, this.kind, this.opts));
  }
}
