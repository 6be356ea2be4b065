/**
 * The device manager: opens the card readers (TILL_SCANNERS, auto-detected HID POS scanners,
 * or the simulators of TILL_DEVICES=simulated), keeps them open across unplugging, and turns
 * every read into a member lookup.
 *
 * For each read:
 *   1. normalise: scanner text -> payload (core/cards preprocessScan: terminators, AIM
 *      symbology identifier, Code 128 clean-up); NFC -> canonical UID (done by the driver with
 *      the reader's profile);
 *   2. debounce: the same code again within `debounceMs` of its last sighting is dropped
 *      (a held card on a reader that repeats, a double scan). A card held on a repeating
 *      reader therefore counts once until it has been away for `debounceMs`;
 *   3. refuse what the driver refused (noise, invalid UID) and what the member lookup refuses
 *      (misread check digit, unknown or blocked card, expired or forged QR): a `card` event
 *      with `error`, nobody identified;
 *   4. otherwise a `card` event, then identification (main/service/members.ts), which
 *      publishes the `member` event.
 *
 * Reconnection: a device that is lost (unplugged, I/O error) or cannot be opened is
 * "disconnected" and retried after initialMs, then twice as long each time up to maxMs, with
 * some jitter so several readers do not retry in step; a success resets the delay. Devices
 * that cannot work here at all (a missing optional native module) are "unavailable" and not
 * retried. Every state change is a `device` event and shows in /v1/health.
 */
import { MEMBER_QR_PREFIX } from '../../core/cards/memberqr.js';
import { preprocessScan } from '../../core/cards/symbology.js';
import type { UidProfile } from '../../core/cards/uid.js';
import { PcscDriver, realPcscDeps, type PcscDeps } from '../../native/nfc/pcsc.js';
import { defaultIdleMs } from '../../native/scanners/framer.js';
import { HidReaderDriver, hex4, loadNodeHid, type HidBackend, type HidDeviceInfo } from '../../native/scanners/hid.js';
import { printable } from '../../native/scanners/hidpos.js';
import { SerialReaderDriver, openSerialPort, type SerialOpener } from '../../native/scanners/serial.js';
import { SimulatedReader } from '../../native/scanners/simulated.js';
import {
  DeviceUnavailableError,
  errorMessage,
  monotonicMs,
  type CardRead,
  type ReaderDriver,
  type ReaderSink,
} from '../../native/scanners/types.js';
import type { DeviceStatus } from '../api/schemas.js';
import type { TillContext } from '../service/context.js';
import { TillError } from '../service/errors.js';
import { registerDeviceStatus } from '../service/health.js';
import { identify, memberByCode } from '../service/members.js';
import { isAutoDetectedScanner, vendorName } from './detect.js';
import type { HidSpec, ScannerSpec } from './spec.js';

export type DeviceState = DeviceStatus['state'];
type CodeKind = 'barcode' | 'nfc' | 'qr';

export type ReadOutcome =
  | { outcome: 'identified'; device: string; code: string; kind: CodeKind; memberNo: string }
  | { outcome: 'refused'; device: string; code: string; kind: CodeKind; error: string }
  | { outcome: 'debounced'; device: string; code: string; kind: CodeKind };

export interface BackoffOptions {
  /** first retry after this long; default 500 ms */
  initialMs?: number;
  /** never wait longer than this; default 30 s */
  maxMs?: number;
  /** default 2 */
  factor?: number;
  /** +/- this fraction of the delay, at random; default 0.2 */
  jitter?: number;
}

export interface DeviceManagerOptions {
  /** node-hid, or a stand-in (MockHidBackend) */
  hid?: () => Promise<HidBackend>;
  /** serialport, or a stand-in (MockSerialPorts) */
  serialOpener?: SerialOpener;
  /** nfc-pcsc and pcscd, or a stand-in (SimulatedPcsc) */
  pcsc?: PcscDeps;
  backoff?: BackoffOptions;
  /** repeated reads of one code within this time are one read; default 1500 ms */
  debounceMs?: number;
  /** TILL_DEVICES=auto: how often to look for newly plugged HID POS scanners; 0 = never; default 3000 ms */
  detectIntervalMs?: number;
  /** monotonic milliseconds; default performance.now */
  clock?: () => number;
  /** TILL_DEVICES=simulated: how the simulated NFC reader prints UIDs; default hex in card order */
  simulatedUidProfile?: UidProfile;
}

export interface DeviceManagerConfig {
  devices: 'auto' | 'simulated';
  /** parsed TILL_SCANNERS (main/devices/spec.ts); default: keyboard only */
  scanners?: readonly ScannerSpec[] | undefined;
  /** the address the API listens on: the simulate endpoint exists only on loopback */
  host?: string | undefined;
}

const DEFAULT_SCANNERS: readonly ScannerSpec[] = [{ kind: 'keyboard', id: 'keyboard' }];

export const SIMULATED_SCANNER = 'simulated:scanner';
export const SIMULATED_NFC = 'simulated:nfc';

interface Entry {
  status: DeviceStatus;
  driver: ReaderDriver | null;
  /** HID readers: which device it is, so auto-detection does not open it twice */
  hid?: { vendorId: number; productId: number; serialNumber?: string | undefined };
  /** bumped on every open and close: callbacks of an older open are ignored */
  gen: number;
  attempt: number;
  timer: ReturnType<typeof setTimeout> | null;
  everReady: boolean;
  /** what the driver said during the current open (sink.detail) */
  driverDetail: string | null;
}

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export class DeviceManager {
  readonly simulated: boolean;
  /** true when the API is reachable from this machine only */
  readonly loopbackOnly: boolean;
  private readonly ctx: TillContext;
  private readonly opts: DeviceManagerOptions;
  private readonly clock: () => number;
  private readonly debounceMs: number;
  private readonly entries = new Map<string, Entry>();
  private readonly recent = new Map<string, number>();
  private hidBackend: Promise<HidBackend> | null = null;
  /** a keyboard-mode HID reader is configured (Linux: node-hid's libusb backend) */
  private hidKeyboard = false;
  private detectTimer: ReturnType<typeof setInterval> | null = null;
  private detecting = false;
  private started = false;
  private stopped = false;
  /** reconfigure() calls, one after the other */
  private reconfiguring: Promise<void> = Promise.resolve();

  constructor(ctx: TillContext, config: DeviceManagerConfig, opts: DeviceManagerOptions = {}) {
    this.ctx = ctx;
    this.opts = opts;
    this.simulated = config.devices === 'simulated';
    this.loopbackOnly = isLoopbackHost(config.host ?? '127.0.0.1');
    this.clock = opts.clock ?? monotonicMs;
    this.debounceMs = opts.debounceMs ?? 1500;
    this.configure(config.scanners ?? DEFAULT_SCANNERS);
    registerDeviceStatus(ctx, () => this.status());
  }

  /** Opens every device (in the background: start() does not wait for slow or absent devices). */
  start(): void {
    if (this.started || this.stopped) return;
    this.started = true;
    for (const e of this.entries.values()) void this.openEntry(e);
    const every = this.opts.detectIntervalMs ?? 3000;
    if (!this.simulated && every > 0) {
      void this.detect();
      this.detectTimer = setInterval(() => void this.detect(), every);
      this.detectTimer.unref?.();
    }
  }

  /** Closes every device; reads arriving afterwards are dropped. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.detectTimer) clearInterval(this.detectTimer);
    this.detectTimer = null;
    await this.closeAll(false);
  }

  /**
   * Replaces the configured readers (the settings screen): closes every current device, then
   * sets up and, if the manager was started, opens `specs`. The till keeps running; detected
   * HID scanners are found again by the next detection pass.
   */
  reconfigure(specs: readonly ScannerSpec[]): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.stopped) return;
      await this.closeAll(true);
      if (this.stopped) return;
      this.entries.clear();
      this.recent.clear();
      this.configure(specs);
      if (this.started) for (const e of this.entries.values()) void this.openEntry(e);
    };
    this.reconfiguring = this.reconfiguring.then(run, run);
    return this.reconfiguring;
  }

  status(): DeviceStatus[] {
    return [...this.entries.values()].map((e) => ({ ...e.status }));
  }

  /** The driver behind a device id (tests, simulators). */
  driver(id: string): ReaderDriver | null {
    return this.entries.get(id)?.driver ?? null;
  }

  /**
   * TILL_DEVICES=simulated: a scan of `code` on the simulated scanner, or a tap of a card with
   * UID `code` on the simulated NFC reader. Returns what came of it, or null when the simulated
   * device is not ready.
   */
  simulate(kind: 'scan' | 'tap', code: string): ReadOutcome | null {
    const e = this.entries.get(kind === 'scan' ? SIMULATED_SCANNER : SIMULATED_NFC);
    if (!e || !(e.driver instanceof SimulatedReader) || e.status.state !== 'ready') return null;
    return this.handleRead(e, e.driver.toRead(code));
  }

  /**
   * Delivers a read as if device `id` had produced it; null when there is no such device.
   * For fuzzing and benchmarks, which drive the parsers themselves.
   */
  deliver(id: string, r: CardRead): ReadOutcome | null {
    const e = this.entries.get(id);
    return e && !this.stopped ? this.handleRead(e, r) : null;
  }

  // ---------------------------------------------------------------- devices

  /** Sets up (does not open) the devices of `specs`, plus the simulators when simulated. */
  private configure(specs: readonly ScannerSpec[]): void {
    const hidKeyboard = specs.some((s) => s.kind === 'hid' && s.mode === 'keyboard');
    // node-hid's backend depends on it (hid()): load it again if that changed.
    if (hidKeyboard !== this.hidKeyboard && !this.opts.hid) this.hidBackend = null;
    this.hidKeyboard = hidKeyboard;
    if (this.simulated) {
      this.add(new SimulatedReader(SIMULATED_SCANNER, 'barcode'), 'simulated', 'simulated');
      this.add(new SimulatedReader(SIMULATED_NFC, 'nfc', this.opts.simulatedUidProfile), 'simulated', 'simulated');
      for (const s of specs) if (s.kind === 'keyboard') this.addKeyboard();
    } else {
      for (const s of specs) {
        if (s.kind === 'keyboard') this.addKeyboard();
        else {
          const e = this.add(this.driverFor(s), s.kind, 'configured');
          if (s.kind === 'hid') e.hid = { vendorId: s.vendorId, productId: s.productId, serialNumber: s.serialNumber };
        }
      }
    }
  }

  /** Closes every device; `announce`: publish their end as `device` events (they are going away). */
  private async closeAll(announce: boolean): Promise<void> {
    await Promise.all(
      [...this.entries.values()].map(async (e) => {
        if (e.timer) clearTimeout(e.timer);
        e.timer = null;
        e.gen++;
        if (e.driver) await e.driver.close().catch(() => undefined);
        if (announce) this.setState(e, 'stopped', 'reconfigured');
        else if (e.status.state !== 'ui') e.status = { ...e.status, state: 'stopped', since: this.nowIso() };
      }),
    );
  }

  private driverFor(s: Exclude<ScannerSpec, { kind: 'keyboard' }>): ReaderDriver {
    switch (s.kind) {
      case 'serial':
      case 'nfc-serial':
        return new SerialReaderDriver({
          id: s.id,
          path: s.path,
          baudRate: s.baudRate,
          kind: s.kind === 'nfc-serial' ? 'nfc' : 'barcode',
          dataBits: s.dataBits,
          parity: s.parity,
          framing:
            s.term === 'none'
              ? { mode: 'idle', idleMs: s.idleMs ?? defaultIdleMs(s.baudRate) }
              : { mode: 'line', staleMs: 1000 },
          affixes: s.affixes,
          uidProfile: s.uidProfile,
          opener: this.opts.serialOpener ?? openSerialPort,
          ...(this.opts.clock ? { clock: this.opts.clock } : {}),
        });
      case 'hid':
        return this.hidDriver(s);
      case 'pcsc':
        return new PcscDriver({
          id: s.id,
          readerFilter: s.readerFilter,
          deps: this.opts.pcsc ?? realPcscDeps,
          ...(this.opts.clock ? { clock: this.opts.clock } : {}),
        });
    }
  }

  private hidDriver(s: HidSpec): HidReaderDriver {
    return new HidReaderDriver({
      id: s.id,
      vendorId: s.vendorId,
      productId: s.productId,
      serialNumber: s.serialNumber,
      mode: s.mode,
      kind: s.reads,
      affixes: s.affixes,
      uidProfile: s.uidProfile,
      reportId: s.reportId,
      backend: () => this.hid(),
      ...(this.opts.clock ? { clock: this.opts.clock } : {}),
    });
  }

  /**
   * node-hid, loaded on first use. On Linux a configured keyboard-mode reader needs the libusb
   * backend, which detaches the kernel's keyboard driver so its keystrokes stop reaching the UI.
   */
  private hid(): Promise<HidBackend> {
    if (this.opts.hid) return (this.hidBackend ??= this.opts.hid());
    this.hidBackend ??= loadNodeHid(this.hidKeyboard ? 'libusb' : undefined);
    return this.hidBackend;
  }

  private add(driver: ReaderDriver, kind: DeviceStatus['kind'], origin: DeviceStatus['origin']): Entry {
    const e: Entry = {
      status: {
        id: driver.id,
        kind,
        reads: driver.kind,
        origin,
        description: driver.description,
        state: 'opening',
        detail: null,
        since: this.nowIso(),
        readCount: 0,
        lastReadAt: null,
        reconnects: 0,
      },
      driver,
      gen: 0,
      attempt: 0,
      timer: null,
      everReady: false,
      driverDetail: null,
    };
    this.entries.set(driver.id, e);
    return e;
  }

  private addKeyboard(): void {
    if (this.entries.has('keyboard')) return;
    this.entries.set('keyboard', {
      status: {
        id: 'keyboard',
        kind: 'keyboard',
        reads: 'barcode',
        origin: 'configured',
        description: 'keyboard wedge: codes are typed into the cashier UI',
        state: 'ui',
        detail: null,
        since: this.nowIso(),
        readCount: 0,
        lastReadAt: null,
        reconnects: 0,
      },
      driver: null,
      gen: 0,
      attempt: 0,
      timer: null,
      everReady: true,
      driverDetail: null,
    });
  }

  private async openEntry(e: Entry): Promise<void> {
    const driver = e.driver;
    if (this.stopped || !driver) return;
    const gen = ++e.gen;
    e.driverDetail = null;
    const sink: ReaderSink = {
      read: (r) => {
        if (e.gen === gen && !this.stopped) this.handleRead(e, r);
      },
      lost: (err) => {
        if (e.gen !== gen || this.stopped) return;
        e.gen++;
        this.ctx.log.log('warn', 'device_lost', { device: e.status.id, error: err.message });
        void driver.close().catch(() => undefined);
        this.setState(e, 'disconnected', `lost: ${err.message}`);
        this.scheduleRetry(e);
      },
      detail: (text) => {
        if (e.gen !== gen) return;
        e.driverDetail = text;
        if (e.status.state === 'ready') this.setState(e, 'ready', text);
      },
    };
    try {
      await driver.open(sink);
    } catch (err) {
      if (e.gen !== gen || this.stopped) return;
      if (err instanceof DeviceUnavailableError && err.permanent) {
        this.setState(e, 'unavailable', err.message);
        return;
      }
      this.setState(e, 'disconnected', errorMessage(err));
      this.scheduleRetry(e);
      return;
    }
    if (e.gen !== gen || this.stopped) {
      await driver.close().catch(() => undefined);
      return;
    }
    if (e.everReady && e.status.state === 'disconnected') e.status.reconnects++;
    e.everReady = true;
    e.attempt = 0;
    this.setState(e, 'ready', e.driverDetail);
  }

  private scheduleRetry(e: Entry): void {
    if (this.stopped) return;
    const b = this.opts.backoff ?? {};
    const initial = b.initialMs ?? 500;
    const max = b.maxMs ?? 30_000;
    const factor = b.factor ?? 2;
    const jitter = b.jitter ?? 0.2;
    const base = Math.min(max, initial * factor ** Math.min(e.attempt, 30));
    e.attempt++;
    const delay = Math.max(1, base * (1 - jitter + 2 * jitter * Math.random()));
    if (e.timer) clearTimeout(e.timer);
    e.timer = setTimeout(() => {
      e.timer = null;
      void this.openEntry(e);
    }, delay);
    e.timer.unref?.();
  }

  private setState(e: Entry, state: DeviceState, detail: string | null): void {
    const prev = e.status;
    if (prev.state === state && prev.detail === detail) return;
    e.status = { ...prev, state, detail, ...(prev.state !== state ? { since: this.nowIso() } : {}) };
    if (prev.state !== state) {
      this.ctx.log.log(state === 'ready' ? 'info' : 'warn', 'device_state', { device: prev.id, state, detail });
    }
    this.ctx.events.publish({ type: 'device', device: prev.id, state, detail });
  }

  /** TILL_DEVICES=auto: opens HID POS scanners that were plugged in and are not configured. */
  private async detect(): Promise<void> {
    if (this.detecting || this.stopped) return;
    this.detecting = true;
    try {
      let backend: HidBackend;
      try {
        backend = await this.hid();
      } catch (err) {
        // node-hid cannot load here: nothing to detect, ever.
        this.ctx.log.log('info', 'device_detection_off', { reason: errorMessage(err) });
        if (this.detectTimer) clearInterval(this.detectTimer);
        this.detectTimer = null;
        return;
      }
      let list: HidDeviceInfo[];
      try {
        list = await backend.devices();
      } catch {
        return;
      }
      for (const d of list) {
        if (this.stopped || !isAutoDetectedScanner(d) || this.covered(d)) continue;
        const serialNumber = d.serialNumber ? d.serialNumber : undefined;
        const spec: HidSpec = {
          kind: 'hid',
          id: `hid:${hex4(d.vendorId)}:${hex4(d.productId)}${serialNumber ? `#${serialNumber}` : ''}`,
          vendorId: d.vendorId,
          productId: d.productId,
          serialNumber,
          mode: 'pos',
          reads: 'barcode',
        };
        if (this.entries.has(spec.id)) continue;
        const e = this.add(this.hidDriver(spec), 'hid', 'detected');
        e.hid = { vendorId: d.vendorId, productId: d.productId, serialNumber };
        const maker = vendorName(d.vendorId);
        this.ctx.log.log('info', 'device_detected', { device: spec.id, vendor: maker, product: d.product ?? null });
        void this.openEntry(e);
      }
    } finally {
      this.detecting = false;
    }
  }

  /** Is this HID device already one of ours (configured or detected)? */
  private covered(d: HidDeviceInfo): boolean {
    for (const e of this.entries.values()) {
      const h = e.hid;
      if (!h || h.vendorId !== d.vendorId || h.productId !== d.productId) continue;
      if (h.serialNumber === undefined || h.serialNumber === (d.serialNumber || undefined)) return true;
    }
    return false;
  }

  // ---------------------------------------------------------------- reads

  /** One read from device `e`: debounce, refuse or identify, and publish. Never throws. */
  private handleRead(e: Entry, r: CardRead): ReadOutcome {
    const device = e.status.id;
    e.status.readCount++;
    e.status.lastReadAt = this.nowIso();
    let code: string;
    let kind: CodeKind;
    if (r.error) {
      code = printable(r.text);
      kind = r.kind;
    } else if (r.kind === 'nfc') {
      code = r.text;
      kind = 'nfc';
    } else {
      code = trimSpaces(preprocessScan(r.text).payload);
      kind = code.startsWith(MEMBER_QR_PREFIX) ? 'qr' : 'barcode';
    }

    const now = this.clock();
    // A damaged read neither suppresses nor is suppressed by a good read of the same text:
    // the cashier scans again after a misread, and that scan must count.
    const key = `${r.kind}\u0000${r.error ?? ''}\u0000${code}`;
    const last = this.recent.get(key);
    this.recent.set(key, now);
    if (this.recent.size > 256) {
      for (const [k, t] of this.recent) if (now - t >= this.debounceMs) this.recent.delete(k);
    }
    if (last !== undefined && now - last < this.debounceMs) {
      this.ctx.log.log('debug', 'card_read', { device, kind, outcome: 'debounced' });
      return { outcome: 'debounced', device, code, kind };
    }

    if (r.error) return this.refuse(device, code, kind, r.error);
    if (code.length === 0) return this.refuse(device, code, kind, 'empty_code');
    const source = r.kind === 'nfc' ? 'nfc' : 'barcode';
    try {
      const rs = this.ctx.rules.at(this.ctx.now().toISOString());
      memberByCode(this.ctx, rs, code, source);
    } catch (err) {
      if (err instanceof TillError) return this.refuse(device, code, kind, err.code);
      return this.failed(device, code, kind, err);
    }
    this.ctx.events.publish({ type: 'card', source: device, code, kind });
    try {
      const summary = identify(this.ctx, { code, source });
      this.ctx.log.log('info', 'card_read', { device, kind, outcome: 'identified' });
      return { outcome: 'identified', device, code, kind, memberNo: summary.memberNo };
    } catch (err) {
      if (err instanceof TillError) {
        this.ctx.log.log('info', 'card_read', { device, kind, outcome: 'refused', error: err.code });
        return { outcome: 'refused', device, code, kind, error: err.code };
      }
      return this.failed(device, code, kind, err);
    }
  }

  private refuse(device: string, code: string, kind: CodeKind, error: string): ReadOutcome {
    this.ctx.log.log('info', 'card_read', { device, kind, outcome: 'refused', error });
    this.ctx.events.publish({ type: 'card', source: device, code, kind, error });
    return { outcome: 'refused', device, code, kind, error };
  }

  private failed(device: string, code: string, kind: CodeKind, err: unknown): ReadOutcome {
    this.ctx.log.log('error', 'card_read_failed', {
      device,
      kind,
      error: err instanceof Error ? `${err.name}: ${err.message}` : String(err),
    });
    this.ctx.events.publish({ type: 'card', source: device, code, kind, error: 'internal_error' });
    return { outcome: 'refused', device, code, kind, error: 'internal_error' };
  }

  private nowIso(): string {
    return this.ctx.now().toISOString();
  }
}

function trimSpaces(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) === 0x20) start++;
  while (end > start && s.charCodeAt(end - 1) === 0x20) end--;
  return s.slice(start, end);
}
