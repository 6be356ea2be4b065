/**
 * The one small interface every printer link implements (ARCHITECTURE.md: devices behind small
 * interfaces). A transport opens sessions; a session writes bytes and, where the link is
 * bidirectional, asks one-byte questions (DLE EOT) and waits for the answer.
 */

export type PrinterIoErrorKind = 'absent' | 'disconnected' | 'timeout' | 'io';

export class PrinterIoError extends Error {
  readonly code = 'printer_io';
  constructor(
    readonly kind: PrinterIoErrorKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PrinterIoError';
  }
}

export interface PrinterSession {
  /** Resolves once every byte has left this machine (socket flushed, UART drained, file written). */
  write(data: Uint8Array): Promise<void>;
  /**
   * Sends `request` and resolves with the first answer byte that `accept` accepts, or null when
   * none came within `timeoutMs` (always null on a write-only link). Rejects when the link drops.
   */
  query(request: Uint8Array, timeoutMs: number, accept?: (b: number) => boolean): Promise<number | null>;
  close(): Promise<void>;
}

export interface PrinterTransport {
  /** where the printer is, for logs and /v1/health */
  readonly target: string;
  /** whether the printer can answer (TCP, serial) or is written only (device file) */
  readonly bidirectional: boolean;
  /** Connects / opens the port or device. Rejects with PrinterIoError('absent') when it is not there. */
  open(): Promise<PrinterSession>;
  /** Releases anything held between sessions (an open serial port). */
  dispose(): Promise<void>;
}

/**
 * Bytes received from the printer, with at most one reader waiting. Shared by the stream
 * transports: answers are matched to the question asked last, older bytes are dropped first.
 */
export class Inbox {
  /**
   * Asks the printer one question: listens before sending, so an answer that arrives while the
   * request is still being written is not missed.
   */
  async ask(send: () => Promise<void>, timeoutMs: number, accept: (b: number) => boolean): Promise<number | null> {
    this.clear();
    const answer = this.next(timeoutMs, accept);
    try {
      await send();
    } catch (e) {
      answer.catch(() => undefined);
      throw e;
    }
    return answer;
  }

  private bytes: number[] = [];
  private waiter: {
    accept: (b: number) => boolean;
    resolve: (b: number | null) => void;
    reject: (e: Error) => void;
    timer: NodeJS.Timeout;
  } | null = null;
  private failure: Error | null = null;

  push(chunk: Uint8Array): void {
    for (const b of chunk) this.bytes.push(b);
    this.serve();
  }

  fail(e: Error): void {
    this.failure ??= e;
    const w = this.waiter;
    if (w) {
      this.waiter = null;
      clearTimeout(w.timer);
      w.reject(e);
    }
  }

  get failed(): Error | null {
    return this.failure;
  }

  clear(): void {
    this.bytes = [];
  }

  next(timeoutMs: number, accept: (b: number) => boolean): Promise<number | null> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.waiter) return Promise.reject(new Error('a printer query is already waiting'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        resolve(null);
      }, timeoutMs);
      this.waiter = { accept, resolve, reject, timer };
      this.serve();
    });
  }

  private serve(): void {
    const w = this.waiter;
    if (!w) return;
    while (this.bytes.length > 0) {
      const b = this.bytes.shift() as number;
      if (w.accept(b)) {
        this.waiter = null;
        clearTimeout(w.timer);
        w.resolve(b);
        return;
      }
    }
  }
}

export const anyByte = (): boolean => true;
