/**
 * An nfc-pcsc stand-in (PcscDeps) for unit tests and demos without pcscd: readers are
 * attached and removed, cards tapped, and the service can fail, through the same events
 * nfc-pcsc emits. The real stack is tested against pcscd with a virtual card
 * (test/devices/pcsc.test.ts, native/nfc/vpcd-card.py).
 */
import { EventEmitter } from 'node:events';
import { DeviceUnavailableError } from '../scanners/types.js';
import type { PcscDeps, PcscLike, PcscReaderLike } from './pcsc.js';

class SimReader extends EventEmitter implements PcscReaderLike {
  autoProcessing = true;
  /** what the next GET UID answers: UID bytes + 90 00, an error status, or a failure */
  answer: Buffer | Error = Buffer.from([0x6a, 0x81]);
  closed = false;
  constructor(readonly name: string) {
    super();
  }
  transmit(data: Buffer): Promise<Buffer> {
    if (this.answer instanceof Error) return Promise.reject(this.answer);
    if (data.length < 2 || data[0] !== 0xff || data[1] !== 0xca) return Promise.resolve(Buffer.from([0x6d, 0x00]));
    return Promise.resolve(Buffer.from(this.answer));
  }
  close(): void {
    this.closed = true;
  }
}

class SimNfc extends EventEmitter implements PcscLike {
  closed = false;
  close(): void {
    this.closed = true;
  }
}

export class SimulatedPcsc implements PcscDeps {
  private current: SimNfc | null = null;
  /** attached readers; each PC/SC context gets its own reader objects, as with the real service */
  private readonly names = new Set<string>();
  private readonly readers = new Map<string, SimReader>();
  running = true;
  installed = true;
  constructions = 0;

  probe(): Promise<string | null> {
    return Promise.resolve(this.running ? null : 'pcscd is not running (simulated)');
  }

  load(): Promise<() => PcscLike> {
    if (!this.installed) {
      return Promise.reject(
        new DeviceUnavailableError('pcsc unavailable: nfc-pcsc is not installed (simulated)', true),
      );
    }
    return Promise.resolve(() => {
      this.constructions++;
      const nfc = new SimNfc();
      this.current = nfc;
      this.readers.clear();
      setImmediate(() => {
        for (const name of this.names) this.announce(nfc, name);
      });
      return nfc;
    });
  }

  private announce(nfc: SimNfc, name: string): void {
    if (nfc.closed || nfc !== this.current || this.readers.has(name)) return;
    const r = new SimReader(name);
    this.readers.set(name, r);
    nfc.emit('reader', r);
  }

  attach(name: string): void {
    this.names.add(name);
    if (this.current) this.announce(this.current, name);
  }

  detach(name: string): void {
    this.names.delete(name);
    const r = this.readers.get(name);
    this.readers.delete(name);
    r?.emit('end');
  }

  /** A card is put on the reader; `response` is what GET UID answers (default UID + 90 00). */
  tap(name: string, uidHex: string, response?: Buffer | Error): void {
    const r = this.readers.get(name);
    if (!r) throw new Error(`no simulated reader ${name}`);
    r.answer = response ?? Buffer.concat([Buffer.from(uidHex, 'hex'), Buffer.from([0x90, 0x00])]);
    r.emit('card', {});
  }

  /** The PC/SC service dies: the NFC object reports an error, as nfc-pcsc does. */
  crash(): void {
    this.running = false;
    const nfc = this.current;
    if (nfc && !nfc.closed) nfc.emit('error', new Error('SCardGetStatusChange error: Service not available.'));
  }
}
