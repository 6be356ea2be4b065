/**
 * The simulated reader behind TILL_DEVICES=simulated: a scanner or NFC reader that reads
 * whatever it is told to (POST /v1/devices/simulate, `npm run scan`). It goes through the same
 * read shaping as the real drivers, so a simulated tap of "80:E6:D5:C4:B3:A2:04" on a reader
 * with profile hex-lsb gives the same canonical UID a real one would.
 */
import type { UidProfile } from '../../core/cards/uid.js';
import { profileName } from '../../core/cards/uid-line.js';
import { frameToRead } from './reads.js';
import {
  DeviceUnavailableError,
  monotonicMs,
  type CardKind,
  type CardRead,
  type ReaderDriver,
  type ReaderSink,
} from './types.js';

export class SimulatedReader implements ReaderDriver {
  readonly description: string;
  private sink: ReaderSink | null = null;
  private plugged = true;

  constructor(
    readonly id: string,
    readonly kind: CardKind,
    private readonly uidProfile: UidProfile = { format: 'hex', byteOrder: 'msb' },
  ) {
    this.description =
      kind === 'nfc' ? `simulated NFC reader, UIDs as ${profileName(uidProfile)}` : 'simulated barcode scanner';
  }

  open(sink: ReaderSink): Promise<void> {
    if (!this.plugged) return Promise.reject(new DeviceUnavailableError('not connected (simulated unplug)'));
    this.sink = sink;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.sink = null;
    return Promise.resolve();
  }

  get isOpen(): boolean {
    return this.sink !== null;
  }

  /** The read a scan or tap of `text` produces (trailing terminators are the device's framing). */
  toRead(text: string): CardRead {
    return frameToRead({ text: text.replace(/[\r\n]+$/, ''), at: monotonicMs() }, this.kind, {
      uidProfile: this.uidProfile,
    });
  }

  /** Scans or taps `text`; false when the reader is not open. */
  inject(text: string): boolean {
    if (!this.sink) return false;
    this.sink.read(this.toRead(text));
    return true;
  }

  unplug(): void {
    this.plugged = false;
    const sink = this.sink;
    this.sink = null;
    sink?.lost(new Error('simulated unplug'));
  }

  replug(): void {
    this.plugged = true;
  }
}
