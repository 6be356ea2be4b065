/**
 * PC/SC NFC readers (the ACR122U class) through nfc-pcsc and the system's PC/SC service
 * (pcscd on Linux, the smart card service on Windows and macOS).
 *
 * nfc-pcsc is an optional dependency (its native part needs the PC/SC headers to build), so it
 * is loaded with a dynamic import: when it is missing the reader's state says
 * "pcsc unavailable: ..." and the till runs on without it.
 *
 * Two hazards of the native layer are kept away from the till:
 *   - @pokusew/pcsclite's constructor loops on the main thread until the PC/SC service answers.
 *     On Linux the driver therefore first checks that pcscd accepts connections on its socket
 *     and only then constructs it; while pcscd is down the reader is "disconnected" and
 *     retried with backoff.
 *   - nfc-pcsc's automatic processing needs an application ID for ISO 14443-4 cards (bank
 *     cards, phones) and fails without one. It is switched off: the driver sends the
 *     standard PC/SC "GET DATA UID" pseudo-APDU (FF CA 00 00 00) itself, which contactless
 *     readers answer for every card type.
 */
import { connect } from 'node:net';
import { normaliseUid } from '../../core/cards/uid.js';
import {
  DeviceUnavailableError,
  errorMessage,
  monotonicMs,
  type CardKind,
  type CardRead,
  type ReaderDriver,
  type ReaderSink,
} from '../scanners/types.js';

/** PC/SC part 3 GET DATA, P1 = 00: the card's UID, then SW1 SW2 = 90 00. */
export const GET_UID_APDU: Readonly<Buffer> = Buffer.from([0xff, 0xca, 0x00, 0x00, 0x00]);

export type UidResponse =
  { ok: true; uid: string } | { ok: false; error: 'nfc_read_failed' | 'invalid_uid'; reason: string };

/** The reader's answer to GET_UID_APDU -> the canonical UID. Never throws. */
export function parseGetUidResponse(resp: Uint8Array): UidResponse {
  if (!(resp instanceof Uint8Array) || resp.length < 2) {
    return { ok: false, error: 'nfc_read_failed', reason: 'no status word in the response' };
  }
  const sw1 = resp[resp.length - 2] as number;
  const sw2 = resp[resp.length - 1] as number;
  if (sw1 !== 0x90 || sw2 !== 0x00) {
    const sw = ((sw1 << 8) | sw2).toString(16).padStart(4, '0').toUpperCase();
    return {
      ok: false,
      error: 'nfc_read_failed',
      reason: `reader answered ${sw} (6A81: card does not support GET UID)`,
    };
  }
  const uid = normaliseUid(Buffer.from(resp.subarray(0, resp.length - 2)).toString('hex'), {
    format: 'hex',
    byteOrder: 'msb',
  });
  return uid.ok ? { ok: true, uid: uid.uid } : { ok: false, error: 'invalid_uid', reason: uid.message };
}

/** nfc-pcsc's Reader, as far as this driver uses it */
export interface PcscReaderLike {
  readonly name: string;
  autoProcessing: boolean;
  on(event: 'card', fn: (card: { atr?: Buffer; uid?: string }) => void): unknown;
  on(event: 'card.off' | 'end', fn: () => void): unknown;
  on(event: 'error', fn: (err: unknown) => void): unknown;
  transmit(data: Buffer, responseMaxLength: number): Promise<Buffer>;
  close(): void;
}

/** nfc-pcsc's NFC */
export interface PcscLike {
  on(event: 'reader', fn: (reader: PcscReaderLike) => void): unknown;
  on(event: 'error', fn: (err: unknown) => void): unknown;
  removeAllListeners(): unknown;
  close(): void;
}

export interface PcscDeps {
  /** null when the PC/SC service accepts connections, else why not (retried later) */
  probe(): Promise<string | null>;
  /** the PC/SC stack's constructor; rejects with a permanent DeviceUnavailableError when not installed */
  load(): Promise<() => PcscLike>;
}

/** Where libpcsclite and pcscd meet (PCSCLITE_CSOCK_NAME overrides it for both). */
export function pcscdSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.PCSCLITE_CSOCK_NAME ?? '/run/pcscd/pcscd.comm';
}

/** Linux/BSD: does pcscd accept connections? Elsewhere the OS service is assumed present. */
export function probePcscd(path: string = pcscdSocketPath(), timeoutMs = 1000): Promise<string | null> {
  if (process.platform === 'win32' || process.platform === 'darwin') return Promise.resolve(null);
  return new Promise((resolve) => {
    const s = connect({ path });
    const done = (v: string | null): void => {
      clearTimeout(timer);
      s.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(`pcscd does not answer on ${path}`), timeoutMs);
    s.once('connect', () => done(null));
    s.once('error', (e: NodeJS.ErrnoException) =>
      done(`pcscd is not running (${path}: ${e.code ?? e.message}); start it or install pcscd`),
    );
  });
}

let nfcPcsc: Promise<() => PcscLike> | null = null;

/** nfc-pcsc, imported once; a missing module or native binding is a permanent "pcsc unavailable". */
export function loadNfcPcsc(): Promise<() => PcscLike> {
  nfcPcsc ??= (async () => {
    const name = 'nfc-pcsc'; // a variable: the module is optional and has no type declarations
    let mod: { NFC?: unknown; default?: { NFC?: unknown } | unknown };
    try {
      mod = (await import(name)) as typeof mod;
    } catch (e) {
      throw new DeviceUnavailableError(
        `pcsc unavailable: the optional module nfc-pcsc could not be loaded (${errorMessage(e)}); ` +
          'install libpcsclite-dev and reinstall to enable PC/SC readers',
        true,
      );
    }
    const def = mod.default as { NFC?: unknown } | undefined;
    const NFC = (mod.NFC ?? def?.NFC ?? mod.default) as (new () => PcscLike) | undefined;
    if (typeof NFC !== 'function')
      throw new DeviceUnavailableError('pcsc unavailable: nfc-pcsc has no NFC class', true);
    return () => new NFC();
  })();
  return nfcPcsc;
}

export const realPcscDeps: PcscDeps = { probe: () => probePcscd(), load: loadNfcPcsc };

export interface PcscReaderOptions {
  id: string;
  /** only readers whose name contains this (case-insensitive); default: every reader */
  readerFilter?: string | undefined;
  deps?: PcscDeps;
  clock?: () => number;
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex').toUpperCase();
}

/**
 * All PC/SC readers (or those matching a name) as one device. The till's state for it says
 * which readers are attached; readers come and go without the device going down.
 */
export class PcscDriver implements ReaderDriver {
  readonly id: string;
  readonly kind: CardKind = 'nfc';
  readonly description: string;
  private readonly opts: PcscReaderOptions;
  private readonly deps: PcscDeps;
  private readonly clock: () => number;
  private nfc: PcscLike | null = null;
  private readonly readers = new Map<string, PcscReaderLike>();

  constructor(opts: PcscReaderOptions) {
    this.opts = opts;
    this.id = opts.id;
    this.deps = opts.deps ?? realPcscDeps;
    this.clock = opts.clock ?? monotonicMs;
    this.description = opts.readerFilter
      ? `PC/SC NFC readers named "${opts.readerFilter}"`
      : 'PC/SC NFC readers (ACR122U and alike)';
  }

  /** names of the readers attached now */
  get attached(): string[] {
    return [...this.readers.keys()];
  }

  async open(sink: ReaderSink): Promise<void> {
    if (this.nfc) await this.close();
    const create = await this.deps.load();
    const down = await this.deps.probe();
    if (down) throw new DeviceUnavailableError(down);
    let nfc: PcscLike;
    try {
      nfc = create();
    } catch (e) {
      throw new DeviceUnavailableError(`PC/SC: ${errorMessage(e)}`);
    }
    this.nfc = nfc;
    this.readers.clear();
    const filter = this.opts.readerFilter?.toLowerCase();
    const note = (): void => {
      const names = this.attached;
      sink.detail?.(names.length ? `readers: ${names.join(', ')}` : 'no PC/SC reader attached');
    };
    note();
    nfc.on('reader', (reader) => {
      if (this.nfc !== nfc) return;
      if (filter && !reader.name.toLowerCase().includes(filter)) return;
      reader.autoProcessing = false;
      this.readers.set(reader.name, reader);
      note();
      reader.on('card', () => {
        const at = this.clock();
        void this.readUid(reader, at).then((r) => {
          if (this.nfc === nfc) sink.read(r);
        });
      });
      reader.on('error', () => {
        // a failed connect or transmit on one tap; the next tap starts afresh
      });
      reader.on('end', () => {
        if (this.readers.get(reader.name) === reader) this.readers.delete(reader.name);
        if (this.nfc === nfc) note();
      });
    });
    nfc.on('error', (err: unknown) => {
      if (this.nfc !== nfc) return;
      this.shutdown(nfc);
      sink.lost(err instanceof Error ? err : new Error(String(err)));
    });
  }

  async close(): Promise<void> {
    const nfc = this.nfc;
    if (nfc) this.shutdown(nfc);
    return Promise.resolve();
  }

  private async readUid(reader: PcscReaderLike, at: number): Promise<CardRead> {
    try {
      const resp = await reader.transmit(Buffer.from(GET_UID_APDU), 40);
      const r = parseGetUidResponse(resp);
      return r.ok ? { kind: 'nfc', text: r.uid, at } : { kind: 'nfc', text: hex(resp), error: r.error, at };
    } catch {
      return { kind: 'nfc', text: '', error: 'nfc_read_failed', at };
    }
  }

  private shutdown(nfc: PcscLike): void {
    this.nfc = null;
    for (const r of this.readers.values()) {
      try {
        r.close();
      } catch {
        // already gone with the service
      }
    }
    this.readers.clear();
    try {
      nfc.close();
    } catch {
      // the service went away first
    }
    nfc.removeAllListeners();
    nfc.on('error', () => undefined);
  }
}
