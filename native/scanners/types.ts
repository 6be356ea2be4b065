/**
 * The small interface every card reader driver implements (ARCHITECTURE.md: every external
 * thing sits behind a small interface with a real implementation and a simulator).
 *
 * A driver turns a device's bytes into `CardRead`s and nothing more: it never looks anything
 * up. Framing, noise handling and reader-specific formats (HID reports, UID byte orders) are
 * the driver's business; deciding what a code means is core/cards' and the device manager's.
 */

/** What a reader reads: printed codes (barcode and 2D imagers) or NFC card UIDs. */
export type CardKind = 'barcode' | 'nfc';

/**
 * Refusals found before a code is even interpreted. Stable snake_case, like core/cards'
 * error codes, and published in `card` events.
 */
export type ReadErrorCode =
  /** a byte that cannot be part of a code arrived inside a frame: line noise, a garbled read */
  | 'misread_noise'
  /** a frame longer than any member code: a lost terminator or a runaway device */
  | 'code_too_long'
  /** the reader reported something that is not a 4, 7 or 10 byte UID in its configured format */
  | 'invalid_uid'
  /** the reader saw a card but could not read its UID (removed too fast, unsupported card) */
  | 'nfc_read_failed';

export interface CardRead {
  kind: CardKind;
  /**
   * barcode: the scanned text, framing, terminators and configured prefix/suffix removed (an
   * AIM symbology identifier, if the scanner sends one, is kept for core/cards to strip);
   * nfc: the canonical UID (upper-case hex in card order) when `error` is absent, else the
   * reader's text.
   */
  text: string;
  /** set when the driver refused the read; the text is then never looked up */
  error?: ReadErrorCode;
  /** monotonic time (performance.now(), ms) when the read's last byte arrived */
  at: number;
}

/** Where a driver delivers what happens to its device. */
export interface ReaderSink {
  read(r: CardRead): void;
  /** the open device went away (unplugged, I/O error); the manager closes it and reopens later */
  lost(err: Error): void;
  /** a short human-readable note for /v1/health (e.g. which PC/SC readers are attached) */
  detail?(text: string | null): void;
}

export interface ReaderDriver {
  readonly id: string;
  readonly kind: CardKind;
  /** one line for health and logs, e.g. "serial barcode scanner /dev/ttyUSB0 @ 9600 baud" */
  readonly description: string;
  /**
   * Opens the device and starts delivering reads to `sink`. Rejects when the device cannot be
   * opened now (not plugged in: retried with backoff) or ever (DeviceUnavailableError with
   * `permanent`, e.g. a missing optional native module). A driver can be opened again after
   * close() or after it reported lost().
   */
  open(sink: ReaderSink): Promise<void>;
  /** Stops reads and releases the device; never rejects. */
  close(): Promise<void>;
}

/** A device that cannot be opened; `permanent` ones are not retried. */
export class DeviceUnavailableError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean = false,
  ) {
    super(message);
    this.name = 'DeviceUnavailableError';
  }
}

/** Monotonic milliseconds, the clock every driver stamps reads with. */
export function monotonicMs(): number {
  return performance.now();
}

export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
