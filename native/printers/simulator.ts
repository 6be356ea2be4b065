/**
 * A simulated ESC/POS printer for tests and demos: it takes bytes the way a printer does,
 * answers DLE EOT from its condition (paper out, cover open, ...), collects each receipt
 * from ESC @ to the cut, and can drop the link part-way through a receipt. It sits behind a
 * real TCP listener (`startTcpPrinter`) or a real serial port (`startSerialPrinter`, e.g. one
 * end of a socat pty pair).
 */
import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { SerialPort } from 'serialport';
import { nextToken } from './escpos-tokens.js';
import { statusBytesFor } from './status.js';

export interface PrinterCondition {
  paperOut: boolean;
  coverOpen: boolean;
  paperLow: boolean;
  error: boolean;
  /** never answers DLE EOT (a printer that cannot, or one switched off behind a live link) */
  silent: boolean;
}

/** The printer's brain, independent of the link. */
export class PrinterCore extends EventEmitter {
  readonly condition: PrinterCondition = {
    paperOut: false,
    coverOpen: false,
    paperLow: false,
    error: false,
    silent: false,
  };
  /** complete receipts, ESC @ .. cut inclusive, in the order they were printed */
  readonly receipts: Buffer[] = [];
  /** bytes of receipts cut off by a dropped link */
  readonly partials: Buffer[] = [];
  /** print bytes that arrived while the printer could not print */
  bytesWhileStopped = 0;
  /** DLE EOT questions answered */
  statusQueries = 0;
  private pending: Buffer = Buffer.alloc(0);
  private job: number[] = [];

  /** Takes bytes from the link; returns the answer bytes to send back. */
  feed(chunk: Buffer): Buffer {
    const answers: number[] = [];
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let i = 0;
    for (;;) {
      const t = nextToken(this.pending, i);
      if (!t) break;
      const start = i;
      i = t.next;
      const tok = t.token;
      if (tok.type === 'cmd' && tok.name === 'DLE EOT') {
        this.statusQueries++;
        if (!this.condition.silent) answers.push(this.answer(tok.args[0] ?? 0));
        continue;
      }
      if (this.stopped) this.bytesWhileStopped += t.next - start;
      for (let k = start; k < t.next; k++) this.job.push(this.pending[k] ?? 0);
      if (tok.type === 'cmd' && tok.name === 'GS V') {
        const bytes = Buffer.from(this.job);
        this.job = [];
        const at = bytes.indexOf(Buffer.from([0x1b, 0x40]));
        const receipt = at > 0 ? bytes.subarray(at) : bytes;
        this.receipts.push(receipt);
        this.emit('receipt', receipt);
      }
    }
    this.pending = this.pending.subarray(i);
    return Buffer.from(answers);
  }

  /** The link dropped: whatever was not cut yet is a partial receipt. */
  linkLost(): void {
    if (this.job.length > 0) this.partials.push(Buffer.from(this.job));
    this.job = [];
    this.pending = Buffer.alloc(0);
  }

  get stopped(): boolean {
    return this.condition.paperOut || this.condition.coverOpen || this.condition.error;
  }

  private answer(n: number): number {
    const s = statusBytesFor(this.condition);
    switch (n) {
      case 1:
        return s.printer;
      case 2:
        return s.offlineCause;
      case 3:
        return s.errorCause;
      case 4:
        return s.paper;
      default:
        return 0x12;
    }
  }

  /** Resolves when `count` receipts have been printed in total. */
  waitForReceipts(count: number, timeoutMs = 10_000): Promise<Buffer[]> {
    if (this.receipts.length >= count) return Promise.resolve(this.receipts.slice());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('receipt', check);
        reject(new Error(`printer got ${this.receipts.length} receipts, expected ${count} within ${timeoutMs} ms`));
      }, timeoutMs);
      const check = (): void => {
        if (this.receipts.length >= count) {
          clearTimeout(timer);
          this.off('receipt', check);
          resolve(this.receipts.slice());
        }
      };
      this.on('receipt', check);
    });
  }
}

export interface SimulatedPrinter {
  core: PrinterCore;
  /**
   * Drops the link once, after this many more print bytes have arrived (mid-receipt): the
   * connection is destroyed (TCP), or the printer goes deaf for half a second (serial: a
   * power cycle; what it had not cut yet is lost).
   */
  dropAfter(bytes: number): void;
  close(): Promise<void>;
}

export interface TcpPrinter extends SimulatedPrinter {
  port: number;
  connections: number;
}

/** A printer listening on 127.0.0.1:`port` (0 = any free port). */
export async function startTcpPrinter(port = 0, core = new PrinterCore()): Promise<TcpPrinter> {
  const sockets = new Set<Socket>();
  let dropAt: number | null = null;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    result.connections++;
    socket.on('data', (chunk: Buffer) => {
      let data = chunk;
      if (dropAt !== null) {
        if (chunk.length >= dropAt) {
          data = chunk.subarray(0, dropAt);
          dropAt = null;
          core.feed(data);
          core.linkLost();
          socket.destroy();
          return;
        }
        dropAt -= chunk.length;
      }
      const answer = core.feed(data);
      if (answer.length > 0 && !socket.destroyed) socket.write(answer);
    });
    socket.on('close', () => {
      sockets.delete(socket);
      core.linkLost();
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const result: TcpPrinter = {
    core,
    port: typeof address === 'object' && address ? address.port : port,
    connections: 0,
    dropAfter(bytes) {
      dropAt = bytes;
    },
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return result;
}

/** A printer on a serial device path (the far end of a pty pair, a USB-serial loopback). */
export async function startSerialPrinter(
  path: string,
  baudRate = 19200,
  core = new PrinterCore(),
): Promise<SimulatedPrinter> {
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((e) => (e ? reject(e) : resolve())));
  let dropAt: number | null = null;
  let dropped = false;
  port.on('data', (chunk: Buffer) => {
    if (dropped) return;
    let data = chunk;
    if (dropAt !== null) {
      if (chunk.length >= dropAt) {
        data = chunk.subarray(0, dropAt);
        dropAt = null;
        core.feed(data);
        core.linkLost();
        // A serial printer power-cycled mid-receipt: deaf for a moment, then back, buffer lost.
        dropped = true;
        setTimeout(() => {
          dropped = false;
        }, 500).unref();
        return;
      }
      dropAt -= chunk.length;
    }
    const answer = core.feed(data);
    if (answer.length > 0) port.write(answer);
  });
  port.on('error', () => undefined);
  return {
    core,
    dropAfter(bytes) {
      dropAt = bytes;
    },
    close() {
      return new Promise((resolve) => (port.isOpen ? port.close(() => resolve()) : resolve()));
    },
  };
}
